"""The HTTP API under load over loopback, with the production server (`puhui serve`: uvicorn,
uvloop, httptools, access log off) in its own process.

    python -m bench.http --database sqlite --rate 200 --seconds 20 --workers 1
    python -m bench.http --database postgresql --rate 200 --checkout-rate 500 --workers 2

Two open-loop runs (requests start on schedule whether or not earlier ones have answered, so a
slow server shows as latency, not as a politely lower rate):
- apply → decision → accept → disbursal: POST /applications, then POST …/accept for approvals
  (with an Idempotency-Key), as a channel's borrower would; the time of the whole flow is one
  sample. Goal: p99 ≤ 50 ms at ≥ 200 applications/s.
- checkout authorisation: POST /lines/{id}/authorisations with a checkout API key. Goal: p99 ≤
  20 ms at ≥ 500/s.
The load generator shares the 2 cores with the server; its cost is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import httpx
import uvloop

from bench.common import OUT, Result, emit, fresh_database, percentile
from bench.lean_client import LeanClient, Response, ResponseError
from puhui.api.routes.common import now
from puhui.compliance.profile import load_profile
from puhui.lines import service as lines
from puhui.lines.responsible import BorrowerFacts
from puhui.security.accounts import add_staff_user, issue_api_key
from puhui.security.consent import Purpose
from puhui.security.personal_data import PERSONAL_FIELDS, KeyRing
from puhui.sim.applications import application_for
from puhui.sim.demo import OPENING_CAPITAL_MINOR, fund_platform
from puhui.sim.people import synthetic_person
from puhui.sim.underwriting import UnderwritingSpec, build_underwriting
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.uow import SqlUnitOfWork

DAY = date(2025, 3, 3)
HISTORY = 5_000
WARM_UP = 40  # requests of each kind before the clock starts
PASSWORD = "bench-password-1"
API = "/api/v1"


def prepare(
    kind: str, customers: int, line_count: int
) -> tuple[Path, list[dict[str, object]], list[int], str]:
    """A database with a trained model, customers with consent, lines; the server's settings."""
    engine = fresh_database(kind, "http")
    profile = load_profile()
    model_directory = OUT / "http-model"
    underwriting = build_underwriting(
        UnderwritingSpec(
            history=HISTORY,
            applicants=customers,
            seed=5,
            first_day=DAY,
            model_directory=model_directory,
            net_assets_minor=OPENING_CAPITAL_MINOR,
        ),
        profile,
    )
    fund_platform(engine, profile, DAY)
    ring_text = KeyRing.new_key_text("k1")
    keyring = KeyRing.parse(ring_text)
    moment = now()
    bodies = []
    with SqlUnitOfWork(engine, profile) as uow:
        CalendarRepository(uow.connection).mark_closed(DAY - timedelta(days=1))
        add_staff_user(uow.access, username="channel", password=PASSWORD, role="admin", now=moment)
        key = issue_api_key(uow.access, name="checkout", scopes={"lines:checkout"}, now=moment)
        rows = []
        for offset in range(customers):
            applicant = underwriting.first_applicant_id + offset
            person = synthetic_person(5, applicant)
            sealed = {f: keyring.seal(f, person[f]) for f in PERSONAL_FIELDS}
            rows.append(uow.customers.sealed_row(applicant, "consumer", sealed, "k1", moment))
            app = application_for(
                underwriting.population,
                applicant,
                product_code="cash-instalment",
                amount_minor=500_000,
                periods=12,
                business_date=DAY,
            )
            bodies.append(
                {
                    "application_id": f"bench-{applicant}",
                    "customer_id": applicant,
                    "product_code": "cash-instalment",
                    "amount_minor": 500_000,
                    "periods": 12,
                    "age": app.age,
                    "occupation": app.occupation,
                    "city_tier": app.city_tier,
                    "declared_monthly_income_minor": app.declared_monthly_income_minor,
                }
            )
        uow.customers.add_many(rows)
        for offset in range(customers):
            for purpose in (Purpose.DATA_USE, Purpose.BUREAU_QUERY):
                uow.customers.add_consent(
                    underwriting.first_applicant_id + offset, purpose, "bench", moment
                )
        line_ids = []
        for index in range(line_count):
            opened = lines.open_line(
                uow,
                borrower_ref=f"line-holder-{index}",
                facts=BorrowerFacts(35, False, 3_000_000, 0, 0),
                product_code="credit-line",
                requested_limit_minor=5_000_000,
                statement_day=20,
                as_of=DAY,
                idempotency_key=f"bench-line-{index}",
                net_assets_minor=OPENING_CAPITAL_MINOR,
            )
            line_ids.append(opened.line_id)
        uow.commit()
    if engine.dialect.name == "postgresql":
        # Start the run with a fresh checkpoint, so that the next timed one falls after it: on
        # this shared test cluster a checkpoint's sync phase covers thousands of files (every
        # test run re-creates its schema) and stalled commits for about half a second.
        with engine.connect() as connection:
            connection.exec_driver_sql("CHECKPOINT")
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    settings = OUT / "http.env"
    settings.write_text(
        f"PUHUI_DATABASE_URL={url}\nPUHUI_TOKEN_SECRET={'b' * 40}\n"
        f"PUHUI_PII_KEYS={ring_text}\n"
        f"PUHUI_MODEL_DIR={model_directory.resolve()}\nPUHUI_POPULATION_SEED=5\n"
        f"PUHUI_POPULATION_SIZE={HISTORY + customers}\n"
        f"PUHUI_NET_ASSETS_MINOR={OPENING_CAPITAL_MINOR}\nPUHUI_APPLY_RATE=100000/second\n"
        "PUHUI_SIGNIN_RATE=1000/minute\n"
    )
    return settings, bodies, line_ids, key


def start_server(settings: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("puhui")),
            "serve",
            "--env-file",
            str(settings),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/console/login").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def server_peak_mib(server: subprocess.Popen[bytes]) -> float:
    """Peak resident memory of the server and its worker processes (VmHWM), MiB."""
    total = 0
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


async def open_loop(
    rate: float, count: int, flow: Callable[[int], Awaitable[str | None]], slowest: int = 0
) -> tuple[list[float], float, Counter[str]]:
    """Start `count` flows at `rate` per second (a flow returns None, or what failed); returns
    their durations, the wall time and the failures by what they were. Each flow is created
    when it is due (creating thousands of tasks up front stalled the client's own loop for
    0.3 s at the start, which showed as server latency), and its time counts from when it was
    due, so a client that falls behind is not hidden. With `slowest`, prints when the slowest
    flows were due (s into the run) and how long they took (ms): a burst at one moment is a
    stall (a collection, a checkpoint), not load."""
    # The generator's own garbage collections (thousands of live tasks and responses) paused
    # it for 100-300 ms at a time, which showed as server latency: none while it measures.
    gc.collect()
    gc.freeze()
    gc.disable()
    samples: list[float] = []
    due_times: list[float] = []
    failures: Counter[str] = Counter()
    started = time.perf_counter()

    async def one(index: int, due: float) -> None:
        try:
            failure = await flow(index)
        except (aiohttp.ClientError, ResponseError, OSError) as error:
            failure = f"{type(error).__name__}: {error}"
        samples.append(time.perf_counter() - due)
        due_times.append(due - started)
        if failure is not None:
            failures[failure] += 1

    running = []
    for index in range(count):
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        running.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*running)
    gc.enable()
    if slowest:
        worst = sorted(zip(samples, due_times, strict=True), reverse=True)[:slowest]
        print("slowest:", sorted((round(at, 2), round(took * 1000)) for took, at in worst))
    return samples, time.perf_counter() - started, failures


WARM_UP_AT_ONCE = 8  # warm-up requests in flight together: several connections, every worker


def failed(step: str, answer: Response) -> str:
    """What a failed request answered: its step, status and problem code."""
    try:
        code = answer.json().get("code", "")
    except ValueError:
        code = answer.body[:60].decode(errors="replace")
    return f"{step} {answer.status} {code}".strip()


def described(failures: Counter[str]) -> str:
    if not failures:
        return "0 failed"
    return (
        f"{sum(failures.values())} failed ("
        + ", ".join(f"{count} × {reason}" for reason, count in failures.most_common())
        + ")"
    )


async def warm_up(requests: list[Callable[[], Awaitable[object]]]) -> None:
    """A few of a flow's requests just before its clock starts, as a running server has had:
    the first ones open pooled connections, build statement caches and load code. Several at
    once, so that every worker gets some (one at a time, they all went to one worker over one
    connection, and the other met its first requests cold inside the measurement: the first
    tenth of a second of the checkout run took 100–200 ms a request)."""
    for first in range(0, len(requests), WARM_UP_AT_ONCE):
        await asyncio.gather(*(request() for request in requests[first : first + WARM_UP_AT_ONCE]))


Post = Callable[[str, object | None, dict[str, str] | None], Awaitable[Response]]


@contextlib.asynccontextmanager
async def http_client(kind: str, port: int) -> AsyncIterator[tuple[Post, Callable[[], int]]]:
    """`post(path, body, headers)` through the chosen client. The lean one (default) costs a
    fraction of aiohttp's CPU per request, which matters because the generator shares the two
    cores with what it measures; aiohttp stays as a cross-check. Also yields how many requests
    were sent again on a new connection (the lean client's count; aiohttp does not say)."""
    if kind == "lean":
        lean = LeanClient("127.0.0.1", port)
        try:
            yield lean.post, lambda: lean.resent
        finally:
            lean.close()
        return
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:

        async def post(path: str, body: object | None, headers: dict[str, str] | None) -> Response:
            url = f"http://127.0.0.1:{port}{path}"
            async with session.post(url, json=body, headers=headers) as answer:
                return Response(answer.status, await answer.read())

        yield post, lambda: 0


async def run_load(
    args: argparse.Namespace,
    port: int,
    bodies: list[dict[str, object]],
    line_ids: list[int],
    key: str,
) -> list[Result]:
    results = []
    async with http_client(args.client, port) as (post, resent):
        signed_in = await post(
            API + "/auth/token", {"username": "channel", "password": PASSWORD}, None
        )
        token = signed_in.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def apply(body: dict[str, object], prefix: str) -> str:
            """The flow for one application: "paid", "declined", or what failed."""
            applied = await post(API + "/applications", body, headers)
            if applied.status != 201:
                return failed("apply", applied)
            if applied.json()["outcome"] != "approve":
                return "declined"
            accepted = await post(
                f"{API}/applications/{body['application_id']}/accept",
                None,
                {**headers, "Idempotency-Key": f"{prefix}-{body['application_id']}"},
            )
            return "paid" if accepted.status == 201 else failed("accept", accepted)

        await warm_up([functools.partial(apply, body, "warm") for body in bodies[:WARM_UP]])
        approved = 0

        async def apply_flow(index: int) -> str | None:
            nonlocal approved
            outcome = await apply(bodies[WARM_UP + index], "acc")
            approved += outcome == "paid"
            return None if outcome in ("paid", "declined") else outcome

        count = min(len(bodies) - WARM_UP, int(args.rate * args.seconds))
        samples, wall, failures = await open_loop(args.rate, count, apply_flow, args.slowest)
        results.append(
            Result(
                "http apply→decision→accept→disbursal",
                args.database,
                count,
                percentile(samples, 0.5) * 1000,
                percentile(samples, 0.99) * 1000,
                count / wall,
                0.0,
                f"offered {args.rate:g}/s, {args.workers} worker(s), {args.client} client; "
                f"{approved:,} accepted and paid out, {described(failures)}; "
                f"{resent()} request(s) resent so far",
            )
        )

        async def checkout(line: int, order_id: str) -> str | None:
            answer = await post(
                f"{API}/lines/{line}/authorisations",
                {"order_id": order_id, "amount_minor": 100},
                {"X-API-Key": key, "Idempotency-Key": order_id},
            )
            return None if answer.status == 201 else failed("checkout", answer)

        await warm_up(
            [
                functools.partial(checkout, line, f"warm-{index}")
                for index, line in enumerate(line_ids[-WARM_UP:])
            ]
        )

        async def authorise(index: int) -> str | None:
            return await checkout(line_ids[index % (len(line_ids) - WARM_UP)], f"order-{index}")

        count = int(args.checkout_rate * args.seconds)
        samples, wall, failures = await open_loop(
            args.checkout_rate, count, authorise, args.slowest
        )
        results.append(
            Result(
                "http checkout authorisation",
                args.database,
                count,
                percentile(samples, 0.5) * 1000,
                percentile(samples, 0.99) * 1000,
                count / wall,
                0.0,
                f"offered {args.checkout_rate:g}/s, {args.workers} worker(s), {args.client} "
                f"client; {described(failures)}; {resent()} request(s) resent so far",
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--checkout-rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--client", choices=["lean", "aiohttp"], default="lean", help="the load's HTTP client"
    )
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest flows")
    args = parser.parse_args()
    customers = int(args.rate * args.seconds) + WARM_UP
    settings, bodies, line_ids, key = prepare(args.database, customers, line_count=2_000)
    server = start_server(settings, args.port, args.workers)
    try:
        results = uvloop.run(run_load(args, args.port, bodies, line_ids, key))
        peak = server_peak_mib(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    for item in results:
        item.peak_memory_mib = peak
    emit(results)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
