"""The model registry on disk: one directory per model, reviewable files and a manifest.

Layout::

    DIR/manifest.json        kind, version, created-at, data hash, target, features, metrics,
                             and the sha256 of every other file
    DIR/scorecard.json       (scorecard) bins, WoE, coefficients and points
    DIR/model.txt            (gbm) LightGBM's text model
    DIR/gbm.json             (gbm) inputs, encodings, constraints, calibration, scaling

`load_model` checks the manifest, that every listed file is there with the listed hash, and
rebuilds the model fully before returning it: a model whose files are missing, malformed or
changed is refused whole, never half used. The creation time is passed in by the caller
(the CLI reads the clock; this module never does).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from puhui import __version__ as puhui_version
from puhui.modeling.errors import ModelArtefactInvalid
from puhui.modeling.gbm import GradientBoostingModel
from puhui.modeling.scorecard import Scorecard

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "puhui-model-manifest"
MANIFEST_VERSION = 1
CreditModel = Scorecard | GradientBoostingModel


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def artefact_files(model: CreditModel) -> dict[str, bytes]:
    """The model's files by name (without the manifest)."""
    if isinstance(model, Scorecard):
        return {"scorecard.json": _json_bytes(model.to_json())}
    return {"gbm.json": _json_bytes(model.to_json()), "model.txt": model.model_text().encode()}


def save_model(
    model: CreditModel,
    directory: Path,
    *,
    created_at: datetime,
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """Write the model's files and its manifest into `directory` (created if needed).

    Args:
        model: a fitted model.
        directory: where to write; existing model files there are replaced.
        created_at: the creation time recorded in the manifest (timezone-aware).
        metadata: data hash, target, split, metrics… recorded as given.

    Returns:
        The manifest written.
    """
    files = artefact_files(model)
    hashes = {name: _sha256(content) for name, content in sorted(files.items())}
    version = _sha256("".join(hashes.values()).encode())[:12]
    manifest = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "kind": model.kind,
        "model_version": version,
        "puhui_version": puhui_version,
        "created_at": created_at.isoformat(),
        "features": model.feature_names(),
        "inputs": list(model.inputs_.kinds),
        **dict(metadata),
        "files": hashes,
    }
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
    (directory / MANIFEST).write_bytes(_json_bytes(manifest))
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a model directory, checked for shape (not yet the files' hashes)."""
    path = directory / MANIFEST
    if not path.is_file():
        raise ModelArtefactInvalid(
            f"{str(directory)!r} has no {MANIFEST}; point --model at a directory written by "
            "`puhui model train`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelArtefactInvalid(f"{MANIFEST} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ModelArtefactInvalid(f"{MANIFEST} is not a puhui model manifest")
    if manifest.get("format_version") != MANIFEST_VERSION:
        raise ModelArtefactInvalid(
            f"manifest format version {manifest.get('format_version')!r} is not supported "
            f"(expected {MANIFEST_VERSION}); retrain the model or upgrade puhui"
        )
    if manifest.get("kind") not in ("scorecard", "gbm") or not isinstance(
        manifest.get("files"), dict
    ):
        raise ModelArtefactInvalid(f"{MANIFEST} lacks a known kind or its file list")
    return manifest


def _verified_files(directory: Path, manifest: Mapping[str, Any]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, expected in manifest["files"].items():
        path = directory / str(name)
        if Path(str(name)).name != name or not path.is_file():
            raise ModelArtefactInvalid(f"model file {name!r} listed in the manifest is missing")
        content = path.read_bytes()
        if _sha256(content) != expected:
            raise ModelArtefactInvalid(
                f"model file {name!r} does not match its hash in the manifest: it was changed "
                "after training; retrain or restore the file"
            )
        files[str(name)] = content
    return files


def load_model(directory: Path) -> CreditModel:
    """Load a saved model after checking its manifest and every file's hash.

    Raises:
        ModelArtefactInvalid: missing manifest or files, hash mismatch, malformed content.
    """
    manifest = read_manifest(directory)
    files = _verified_files(directory, manifest)
    try:
        if manifest["kind"] == "scorecard":
            return Scorecard.from_json(_parse_json(files, "scorecard.json"))
        text = _required(files, "model.txt").decode("utf-8")
        return GradientBoostingModel.from_artefacts(_parse_json(files, "gbm.json"), text)
    except UnicodeDecodeError as error:
        raise ModelArtefactInvalid(f"a model file is not UTF-8 text: {error}") from error


def _required(files: Mapping[str, bytes], name: str) -> bytes:
    if name not in files:
        raise ModelArtefactInvalid(f"the manifest does not list {name!r}, which this kind needs")
    return files[name]


def _parse_json(files: Mapping[str, bytes], name: str) -> dict[str, Any]:
    try:
        document = json.loads(_required(files, name))
    except json.JSONDecodeError as error:
        raise ModelArtefactInvalid(f"{name} is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise ModelArtefactInvalid(f"{name} must hold a JSON object")
    return document
