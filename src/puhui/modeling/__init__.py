"""Offline model development: train, validate, explain, save and monitor credit models.

The decision engine imports the loaded model (`registry.load_model`) and calls
`predict_one` / `predict_frame`; everything else here serves the risk team's workflow
(`puhui model train | evaluate | monitor`).
"""
