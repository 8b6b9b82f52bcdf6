"""Model quality and speed: puhui's scorecard and GBM against their peers on identical splits.

    .venv/bin/pip install -r bench/requirements-peers.txt   # toad, scorecardpy (optional)
    .venv/bin/python -m bench.models                        # both data sets, seeds 0, 1, 2
    .venv/bin/python -m bench.models --quick                # seed 0 only

Protocol (issue 3): stratified 25 % hold-out, hold-out AUC averaged over seeds 0, 1, 2; every
model sees the same rows. Peers: plain logistic regression (median-imputed, standardised,
one-hot), LightGBM default and the fixed credit setting, optbinning's BinningProcess → logistic
regression, toad (WoE + logistic regression) and scorecardpy (woebin + logistic regression). A
peer that is not installed or fails is reported as failed with its reason. Then the speed
figures: Taiwan scorecard train + validate + save, single prediction p50/p99, batch rows/s.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from sklearn.metrics import roc_auc_score

from puhui.modeling.data import holdout_split, load_labelled_csv
from puhui.modeling.registry import save_model
from puhui.modeling.training import evaluate_model, new_model

DATA = Path(
    os.environ.get("PUHUI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
DATA_SETS = {
    "taiwan": (DATA / "taiwan_credit_default.csv", "default.payment.next.month", "1"),
    "german": (DATA / "german_credit.csv", "creditability", "bad"),
}
CREDIT_SETTING = {
    "learning_rate": 0.03,
    "n_estimators": 600,
    "num_leaves": 15,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "verbose": -1,
}
Fitter = Callable[[pd.DataFrame, np.ndarray, pd.DataFrame, int], np.ndarray]
console = Console(width=140)


def _without_identifiers(frame: pd.DataFrame) -> pd.DataFrame:
    """Peers get the same columns puhui uses: identifiers (a value per row) removed."""
    unique = [c for c in frame.columns if frame[c].nunique() == len(frame)]
    return frame.drop(columns=unique)


def puhui(kind: str) -> Fitter:
    def fit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, seed: int) -> np.ndarray:
        model = new_model(kind, seed=seed)
        model.fit(train, y)
        return model.predict_pd(test)

    return fit


def plain_lr(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, _seed: int) -> np.ndarray:
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
    text = [c for c in train.columns if c not in numeric]
    prepare = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        (OneHotEncoder(handle_unknown="ignore"), text),
    )
    model = make_pipeline(prepare, LogisticRegression(max_iter=2000))
    return np.asarray(model.fit(train, y).predict_proba(test)[:, 1])


def _lightgbm(params: dict[str, Any]) -> Fitter:
    def fit(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, seed: int) -> np.ndarray:
        import lightgbm as lgb

        def categorical(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame.copy()
            for column in frame.columns:
                if not pd.api.types.is_numeric_dtype(frame[column]):
                    frame[column] = pd.Categorical(
                        frame[column], categories=sorted(train[column].dropna().unique())
                    )
            return frame

        model = lgb.LGBMClassifier(**{"verbose": -1, **params, "random_state": seed})
        model.fit(categorical(train), y)
        return np.asarray(model.predict_proba(categorical(test))[:, 1])

    return fit


def optbinning_lr(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, _seed: int) -> np.ndarray:
    from optbinning import BinningProcess
    from sklearn.linear_model import LogisticRegression

    process = BinningProcess(list(train.columns))
    woe_train = process.fit_transform(train, y, metric="woe")
    model = LogisticRegression(max_iter=2000).fit(woe_train, y)
    return np.asarray(model.predict_proba(process.transform(test, metric="woe"))[:, 1])


def toad_lr(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, _seed: int) -> np.ndarray:
    import toad
    from sklearn.linear_model import LogisticRegression

    frame = train.assign(target=y.astype(np.int64))
    combiner = toad.transform.Combiner()
    combiner.fit(frame, y="target", method="chi", min_samples=0.05)
    woe = toad.transform.WOETransformer()
    woe_train = woe.fit_transform(combiner.transform(frame), frame["target"], exclude=["target"])
    model = LogisticRegression(max_iter=2000).fit(woe_train.drop(columns=["target"]), y)
    return np.asarray(model.predict_proba(woe.transform(combiner.transform(test)))[:, 1])


def scorecardpy_lr(
    train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, _seed: int
) -> np.ndarray:
    import scorecardpy as sc
    from sklearn.linear_model import LogisticRegression

    frame = train.assign(target=y.astype(np.int64))
    bins = sc.woebin(frame, y="target", print_step=0)
    woe_train = sc.woebin_ply(frame, bins, print_step=0)
    woe_test = sc.woebin_ply(test, bins, print_step=0)
    columns = [c for c in woe_train.columns if c != "target"]
    model = LogisticRegression(max_iter=2000).fit(woe_train[columns], y)
    return np.asarray(model.predict_proba(woe_test[columns].fillna(0))[:, 1])


MODELS: dict[str, Fitter] = {
    "puhui scorecard": puhui("scorecard"),
    "puhui gbm": puhui("gbm"),
    "plain LR": plain_lr,
    "LightGBM default": _lightgbm({}),
    "LightGBM credit": _lightgbm(CREDIT_SETTING),
    "optbinning → LR": optbinning_lr,
    "toad": toad_lr,
    "scorecardpy": scorecardpy_lr,
}


def quality(seeds: list[int]) -> dict[str, dict[str, tuple[float, float] | str]]:
    """Mean hold-out AUC and mean fit+predict seconds per model and data set (or a failure)."""
    results: dict[str, dict[str, tuple[float, float] | str]] = {name: {} for name in MODELS}
    for data_name, (path, target, positive) in DATA_SETS.items():
        data = load_labelled_csv(path, target=target, positive=positive)
        features = _without_identifiers(data.features)
        splits = [holdout_split(data, holdout_fraction=0.25, seed=seed) for seed in seeds]
        for name, fit in MODELS.items():
            aucs, seconds = [], []
            try:
                for seed, split in zip(seeds, splits, strict=True):
                    train = features.iloc[split.train_rows].reset_index(drop=True)
                    test = features.iloc[split.test_rows].reset_index(drop=True)
                    started = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        probability = fit(train, data.target[split.train_rows], test, seed)
                    seconds.append(time.perf_counter() - started)
                    aucs.append(roc_auc_score(data.target[split.test_rows], probability))
                results[name][data_name] = (float(np.mean(aucs)), float(np.mean(seconds)))
            except Exception as error:  # a peer's failure is a result, not a crash
                results[name][data_name] = " ".join(
                    f"failed: {type(error).__name__}: {error}".split()
                )[:90]
            console.print(f"{data_name:7} {name:18} {results[name][data_name]}")
    return results


def speed() -> dict[str, float]:
    """Taiwan: scorecard train+validate+save seconds, single-prediction latency, batch rows/s."""
    path, target, positive = DATA_SETS["taiwan"]
    data = load_labelled_csv(path, target=target, positive=positive)
    figures: dict[str, float] = {}
    models = {}
    for kind in ("scorecard", "gbm"):
        started = time.perf_counter()
        split = holdout_split(data, holdout_fraction=0.25, seed=0)
        model = new_model(kind, seed=0)
        model.fit(data.features.iloc[split.train_rows], data.target[split.train_rows])
        evaluate_model(model, data.features.iloc[split.test_rows], data.target[split.test_rows])
        with tempfile.TemporaryDirectory() as directory:
            save_model(model, Path(directory), created_at=datetime.now(UTC), metadata={})
        figures[f"{kind} train+validate+save s"] = time.perf_counter() - started
        models[kind] = model
    rows = [row.to_dict() for _, row in data.features.head(2000).iterrows()]
    for kind, model in models.items():
        latencies = []
        for row in rows:
            started = time.perf_counter()
            model.predict_one(row)
            latencies.append(time.perf_counter() - started)
        figures[f"{kind} single p50 ms"] = float(np.percentile(latencies, 50) * 1000)
        figures[f"{kind} single p99 ms"] = float(np.percentile(latencies, 99) * 1000)
        batch = pd.concat([data.features] * 4, ignore_index=True)  # 120,000 applicants
        started = time.perf_counter()
        model.predict_frame(batch)
        figures[f"{kind} batch rows/s"] = len(batch) / (time.perf_counter() - started)
    figures["peak memory MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="seed 0 only")
    seeds = [0] if parser.parse_args().quick else [0, 1, 2]
    console.print(f"models benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, seeds {seeds}")
    results = quality(seeds)
    table = Table(title=f"Hold-out AUC, mean over seeds {seeds} (fit + predict seconds)")
    table.add_column("model")
    for data_name in DATA_SETS:
        table.add_column(data_name, justify="right")
    for name, by_data in results.items():
        cells = [
            value if isinstance(value, str) else f"{value[0]:.4f} ({value[1]:.1f} s)"
            for value in by_data.values()
        ]
        table.add_row(name, *cells)
    console.print(table)
    figures = speed()
    speed_table = Table(title="Speed (Taiwan, 30,000 rows)")
    speed_table.add_column("figure")
    speed_table.add_column("value", justify="right")
    for name, value in figures.items():
        speed_table.add_row(name, f"{value:,.3f}" if value < 100 else f"{value:,.0f}")
    console.print(speed_table)


if __name__ == "__main__":
    main()
