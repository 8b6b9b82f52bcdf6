"""Products, models and strategies (read, activate), reports, end-of-day runs and ledger
verification."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from puhui.api.auth import needs, runtime
from puhui.api.idempotency import run_idempotent
from puhui.api.problems import ApiProblem
from puhui.api.runtime import STRATEGIES
from puhui.api.schemas import ActivateModelIn, EodIn
from puhui.batch.eod import run_eod
from puhui.batch.reports import dashboard
from puhui.batch.verify import verify
from puhui.core.errors import InvalidInput, NotFound, PuhuiError
from puhui.lines.products import shipped_line_catalog
from puhui.loans.products import shipped_catalog
from puhui.modeling.registry import read_manifest
from puhui.security.roles import Principal
from puhui.storage.uow import SqlUnitOfWork

router = APIRouter(tags=["operations"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@router.get("/products", response_model=list[dict[str, Any]])
def list_products(
    _principal: Annotated[Principal, Depends(needs("products:read"))],
) -> list[dict[str, Any]]:
    loans = [
        {
            "code": p.code,
            "version": p.version,
            "name": p.name,
            "kind": p.kind.value,
            "family": "loan",
        }
        for p in shipped_catalog().values()
    ]
    lines = [
        {
            "code": p.code,
            "version": p.version,
            "name": p.name,
            "kind": "credit_line",
            "family": "line",
        }
        for p in shipped_line_catalog().values()
    ]
    return loans + lines


def _models_root(request: Request) -> Path | None:
    rt = runtime(request)
    rt.follow_stored_choice()
    active = rt.active_model
    return None if active is None else active.parent


@router.get("/models", response_model=list[dict[str, Any]])
def list_models(
    request: Request, _principal: Annotated[Principal, Depends(needs("models:read"))]
) -> list[dict[str, Any]]:
    """Models saved next to the active one (a directory of model directories)."""
    rt = runtime(request)
    root = _models_root(request)
    found = []
    for directory in sorted(root.iterdir()) if root is not None and root.is_dir() else []:
        try:
            manifest = read_manifest(directory)
        except (PuhuiError, OSError):
            continue
        found.append(
            {
                "name": directory.name,
                "kind": manifest["kind"],
                "version": manifest["model_version"],
                "created_at": manifest["created_at"],
                "active": rt.active_model is not None
                and directory.resolve() == rt.active_model.resolve(),
            }
        )
    return found


@router.post("/models/activate", response_model=dict[str, Any])
def activate_model(
    body: ActivateModelIn,
    request: Request,
    _principal: Annotated[Principal, Depends(needs("models:activate"))],
) -> dict[str, Any]:
    root = _models_root(request)
    directory = None if root is None else root / body.name
    if directory is None or directory.parent != root or not directory.is_dir():
        raise NotFound(
            f"no model {body.name!r}; GET /models lists the models that can be activated"
        )
    try:
        runtime(request).activate(model=directory)
    except OSError as error:
        raise InvalidInput(f"model {body.name!r} cannot be read ({error.strerror})") from None
    return {"active_model": body.name}


@router.get("/strategies", response_model=list[dict[str, Any]])
def list_strategies(
    request: Request, _principal: Annotated[Principal, Depends(needs("models:read"))]
) -> list[dict[str, Any]]:
    rt = runtime(request)
    rt.follow_stored_choice()
    active = rt.active_strategy
    return [{"name": name, "active": name == active} for name in STRATEGIES]


@router.post("/strategies/{name}/activate", response_model=dict[str, Any])
def activate_strategy(
    name: str,
    request: Request,
    _principal: Annotated[Principal, Depends(needs("models:activate"))],
) -> dict[str, Any]:
    if name not in STRATEGIES:
        raise NotFound(f"no strategy {name!r}; choose one of {list(STRATEGIES)}")
    runtime(request).activate(strategy=name)
    return {"active_strategy": name}


@router.get("/reports/portfolio", response_model=dict[str, Any])
def portfolio_report(
    request: Request, _principal: Annotated[Principal, Depends(needs("reports:read"))]
) -> dict[str, Any]:
    rt = runtime(request)
    report = dashboard(rt.engine, rt.profile, rt.settings.net_assets_minor)
    result = asdict(report)
    result["as_of"] = report.as_of.isoformat() if report.as_of else None
    result["scores"] = {str(k): v for k, v in report.scores.items()}
    return result


@router.post("/eod-runs", status_code=201, response_model=dict[str, Any])
def run_end_of_day(
    body: EodIn,
    request: Request,
    principal: Annotated[Principal, Depends(needs("eod:run"))],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Close every business day up to `through` (idempotent and resumable, like `puhui eod`)."""
    rt = runtime(request)
    try:
        through = date.fromisoformat(body.through)
    except ValueError:
        raise InvalidInput(f"through {body.through!r} is not a date; write YYYY-MM-DD") from None

    def operation(_uow: SqlUnitOfWork | None) -> tuple[int, dict[str, Any]]:
        days = run_eod(rt.engine, through, rt.profile)
        return 201, {
            "through": through.isoformat(),
            "days": [{**asdict(d), "business_date": d.business_date.isoformat()} for d in days],
        }

    return run_idempotent(
        rt, principal, idempotency_key, "eod", body.model_dump(), operation, own_transactions=True
    )


@router.post("/ledger/verification", response_model=dict[str, Any])
def verify_ledger(
    request: Request, _principal: Annotated[Principal, Depends(needs("eod:run"))]
) -> dict[str, Any]:
    report = verify(runtime(request).engine)
    if report is None:
        raise ApiProblem(500, "internal_error", "verification returned nothing")
    return {
        "ok": report.ok,
        "loans": report.loans,
        "lines": report.lines,
        "entries": report.entries,
        "postings": report.postings,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
    }
