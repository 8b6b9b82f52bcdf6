"""Jurisdiction profiles (regulatory numbers as dated data) and the checks that use them."""
