"""What a running server holds: the database engine, the jurisdiction profile, the token
signer, the personal-data key ring, rate limiters and the decision engine.

The decision engine is built once and swapped when a risk analyst activates another model or
strategy. The choice is stored in the database, and every server process looks at it at most
once a second (`CHOICE_CHECK_S`), so all workers follow an activation within a second, and a
restarted server keeps it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from puhui.api.credential_cache import CredentialCache
from puhui.api.problems import ApiProblem
from puhui.api.rate_limits import MovingWindowLimits, retry_after_s
from puhui.api.settings import ApiSettings
from puhui.compliance.profile import JurisdictionProfile, load_profile
from puhui.core.errors import InvalidInput
from puhui.credit.engine import RULE_NAMES, DecisionEngine, EngineConfig
from puhui.credit.fraud import FraudGraph
from puhui.credit.lender import LenderFigures
from puhui.credit.models import load_scorer
from puhui.credit.rules import load_rule_set
from puhui.credit.strategy import Strategy, load_strategy, shipped_strategy
from puhui.loans.products import shipped_catalog
from puhui.security.credentials import TokenSigner
from puhui.sim.population import Population
from puhui.sim.tabled_sources import TabledSources
from puhui.storage.engine import make_engine, read_only
from puhui.storage.engine_choice_repository import EngineChoiceRepository
from puhui.storage.uow import SqlUnitOfWork

STRATEGIES = ("default", "challenger")
LENDER_EPOCH = date(2000, 1, 1)
CHOICE_CHECK_S = 1.0
LOCK_TIMEOUT_MS = 2_000  # PostgreSQL: the longest a server transaction waits for a lock
log = logging.getLogger(__name__)


def _with_lock_timeout(database_url: str) -> str:
    """The URL's own libpq `options` (a search_path, say) plus the server's lock timeout."""
    given = sa.engine.make_url(database_url).query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    return f"{given} -c lock_timeout={LOCK_TIMEOUT_MS}".strip()


@dataclass
class Runtime:
    settings: ApiSettings
    engine: sa.Engine
    profile: JurisdictionProfile
    signer: TokenSigner
    limiter: MovingWindowLimits = field(default_factory=MovingWindowLimits)
    credentials: CredentialCache = field(default_factory=CredentialCache)
    active_model: Path | None = None
    active_strategy: str = "default"
    _decider: DecisionEngine | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _choice_checked: float = float("-inf")
    _failed_choice: tuple[Path | None, str] | None = None

    @classmethod
    def start(cls, settings: ApiSettings) -> Runtime:
        engine = (
            make_engine(
                settings.database_url,
                pool_size=4,  # a worker runs one-subject requests one at a time on its loop
                max_overflow=4,
                # a request that meets a row an end-of-day chunk holds gives up (503) rather
                # than stall its worker's event loop for the rest of the chunk
                connect_args={"options": _with_lock_timeout(settings.database_url)},
            )
            if not (settings.database_url.startswith("sqlite"))
            else make_engine(settings.database_url)
        )
        return cls(
            settings,
            engine,
            load_profile(),
            TokenSigner(settings.token_secret),
            active_model=settings.model_directory,
        )

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.profile)

    @property
    def lender(self) -> LenderFigures:
        return LenderFigures.of([(LENDER_EPOCH, self.settings.net_assets_minor)])

    def business_date(self, uow: SqlUnitOfWork) -> date:
        """The open business day: the day after the last closed one (or today, before any EOD)."""
        closed = uow.calendar.last_closed_date()
        if closed is None:
            return (datetime.now(UTC) + timedelta(hours=8)).date()  # Asia/Shanghai
        return closed + timedelta(days=1)

    def decider(self) -> DecisionEngine:
        self.follow_stored_choice()
        with self._lock:
            if self._decider is None:
                self._decider = self._build_decider(self.active_model, self.active_strategy)
            return self._decider

    def activate(self, *, model: Path | None = None, strategy: str | None = None) -> None:
        """Build the engine with the new model or strategy first; store the choice for the
        other processes and swap only if that worked."""
        chosen_model = model or self.active_model
        chosen_strategy = strategy or self.active_strategy
        built = self._build_decider(chosen_model, chosen_strategy)
        with self.engine.begin() as connection:
            choices = EngineChoiceRepository(connection)
            if model is not None:
                choices.save_model(model.name)
            if strategy is not None:
                choices.save_strategy(strategy)
        self._swap(built, chosen_model, chosen_strategy)

    def follow_stored_choice(self) -> None:
        """Take up a model or strategy another process activated (checked once a second)."""
        if time.monotonic() - self._choice_checked < CHOICE_CHECK_S:
            return
        self._choice_checked = time.monotonic()
        try:
            with read_only(self.engine) as connection:
                stored = EngineChoiceRepository(connection).get()
        except Exception:  # e.g. a database not reachable or not migrated yet: keep serving
            log.warning("the stored model choice cannot be read; keeping the current engine")
            return
        model = self.active_model
        if stored.model is not None and self.active_model is not None:
            model = self.active_model.parent / stored.model
        strategy = stored.strategy or self.active_strategy
        wanted = (model, strategy)
        if wanted in ((self.active_model, self.active_strategy), self._failed_choice):
            return
        try:  # (built in the request that noticed: once per activation and worker)
            built = self._build_decider(model, strategy)
        except Exception:  # a broken stored choice must not break applications: keep serving
            log.warning("the stored model or strategy cannot be used; keeping the current one")
            self._failed_choice = wanted  # not tried again until the stored choice changes
            return
        self._swap(built, model, strategy)

    def _swap(self, built: DecisionEngine, model: Path | None, strategy: str) -> None:
        with self._lock:
            self._decider = built
            self.active_model = model
            self.active_strategy = strategy

    def _build_decider(self, model: Path | None, strategy_name: str) -> DecisionEngine:
        if model is None:
            raise InvalidInput(
                "no model is configured for the decision engine; set PUHUI_MODEL_DIR to a "
                "model saved by `puhui model train` (the demo writes puhui-demo-model)"
            )
        strategy: Strategy = (
            load_strategy() if strategy_name == "default" else shipped_strategy(strategy_name)
        )
        population = Population(self.settings.population_size, self.settings.population_seed)
        config = EngineConfig(
            rules=load_rule_set(RULE_NAMES),
            scorer=load_scorer(model),
            champion=strategy,
            profile=self.profile,
            products=shipped_catalog(),
            lender=self.lender,
        )
        sources = TabledSources(population)
        sources.warm()
        return DecisionEngine(config, sources, FraudGraph())

    def check_rate(self, limit: str, *identity: str) -> None:
        refused_for = self.limiter.hit(limit, *identity)
        if refused_for is not None:
            wait = retry_after_s(refused_for)
            raise ApiProblem(
                429,
                "rate_limited",
                f"too many requests ({limit}); wait {wait} s and try again",
                headers={"Retry-After": str(wait)},
            )
