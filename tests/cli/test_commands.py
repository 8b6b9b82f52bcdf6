"""The `puhui` command as a user runs it: the real executable in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

PUHUI = str(Path(sys.executable).with_name("puhui"))


def run(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PUHUI, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


SCHEDULE = [
    "schedule",
    "--principal",
    "5000",
    "--annual-rate-percent",
    "12",
    "--periods",
    "18",
    "--start",
    "2022-11-01",
    "--frequency",
    "monthly",
    "--method",
    "equal_instalment",
    "--interest-basis",
    "period",
    "--day-count",
    "30/360",
    "--rounding",
    "half_up",
]


def test_schedule_json_has_the_documented_shape() -> None:
    result = run(*SCHEDULE, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    rows = document["instalments"]
    assert len(rows) == 18
    assert set(rows[0]) == {
        "period",
        "due_date",
        "principal",
        "interest",
        "fee",
        "total",
        "balance",
    }
    assert rows[0] == {
        "period": 1,
        "due_date": "2022-12-01",
        "principal": "254.91",
        "interest": "50.00",
        "fee": "0.00",
        "total": "304.91",
        "balance": "4745.09",
    }
    assert sum(Decimal(r["principal"]) for r in rows) == Decimal("5000.00")
    assert rows[-1]["balance"] == "0.00"
    assert document["apr_nominal_percent"] == "12.00"
    assert document["apr_effective_percent"] == "12.68"


def test_schedule_with_every_option_puts_the_down_payment_first() -> None:
    result = run(
        *SCHEDULE,
        "--instalment-multiple",
        "1",
        "--principal-grace",
        "3",
        "--down-payment-percent",
        "25",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["instalments"]
    assert rows[0]["due_date"] == "2022-11-01"
    assert rows[0]["principal"] == "1250.00"
    assert [r["principal"] for r in rows[1:4]] == ["0.00", "0.00", "0.00"]
    assert len({r["total"] for r in rows[4:-1]}) == 1
    assert rows[4]["total"].endswith(".00")  # whole yuan


def test_schedule_table_shows_the_apr() -> None:
    result = run(*SCHEDULE)
    assert result.returncode == 0
    assert "APR 12.00 %" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--principal", "-5000"], "principal must be a positive amount"),
        (["--principal", "0"], "principal must be a positive amount"),
        (["--principal", "5000.001"], "more decimals than CNY allows"),
        (["--annual-rate-percent", "250"], "out of range"),
        (["--periods", "0"], "periods must be 1–60"),
        (["--method", "balloon"], "unknown method 'balloon'"),
        (["--start", "2022-13-01"], "is not a date"),
        (["--first-due-date", "2022-10-01"], "must fall after the start date"),
        (["--product", "gold-card"], "unknown product"),
    ],
)
def test_bad_input_exits_2_with_a_message_that_says_what_to_fix(
    change: list[str], message: str
) -> None:
    args = list(SCHEDULE)
    for index in range(0, len(change), 2):
        if change[index] in args:
            args[args.index(change[index]) + 1] = change[index + 1]
        else:
            args += change[index : index + 2]
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_init_eod_verify_on_an_empty_database(tmp_path: Path) -> None:
    env = {"PUHUI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run("verify", env=env).returncode == 2  # no schema yet: clear refusal
    init = run("init", env=env)
    assert init.returncode == 0, init.stderr
    assert "cash-instalment" in init.stdout
    eod = run("eod", "--date", "2025-01-31", env=env)
    assert eod.returncode == 0, eod.stderr
    verify = run("verify", env=env)
    assert verify.returncode == 0, verify.stdout
    assert "FAILED" not in verify.stdout
    assert run("eod", "--date", "31/01/2025", env=env).returncode == 2


def test_demo_runs_a_small_year_and_verifies(tmp_path: Path) -> None:
    result = run(
        "demo", "--no-serve", "--loans", "40", "--days", "60", "--history", "3000", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "loans booked" in result.stdout
    assert "general ledger equals the loans' and lines' sub-ledgers" in result.stdout
    assert "FAILED" not in result.stdout
    assert (tmp_path / "puhui-demo.db").exists()
    assert "decision funnel" in result.stdout
    assert (tmp_path / "puhui-demo-model" / "manifest.json").is_file()


def test_servicing_a_loan_from_the_command_line(tmp_path: Path) -> None:
    env = {"PUHUI_DATABASE_URL": f"sqlite:///{tmp_path / 'loans.db'}"}
    assert run("init", env=env).returncode == 0
    booked = run(
        "loan",
        "book",
        "--product",
        "cash-instalment",
        "--principal",
        "5000",
        "--date",
        "2025-01-31",
        "--borrower",
        "synthetic-1",
        "--periods",
        "3",
        env=env,
    )
    assert booked.returncode == 0, booked.stderr
    assert "loan 1 booked" in booked.stdout
    paid = run("loan", "repay", "1", "--amount", "2000", "--date", "2025-02-10", env=env)
    assert paid.returncode == 0, paid.stderr
    assert "principal prepaid" in paid.stdout
    again = run("loan", "repay", "1", "--amount", "2000", "--date", "2025-02-10", env=env)
    assert again.stdout == paid.stdout  # the same command twice applies once
    quote = run("loan", "quote", "1", "--date", "2025-03-05", env=env)
    assert quote.returncode == 0
    total = quote.stdout.split(" by ")[1].split(":")[0]
    settled = run("loan", "repay", "1", "--amount", total, "--date", "2025-03-05", env=env)
    assert "now closed" in settled.stdout
    shown = run("loan", "show", "1", env=env)
    assert "closed" in shown.stdout
    refused = run("loan", "repay", "1", "--amount", "10", "--date", "2025-03-06", env=env)
    assert refused.returncode == 2
    assert "loan 1 is closed" in refused.stderr
    unknown = run("loan", "repay", "99", "--amount", "10", "--date", "2025-03-06", env=env)
    assert unknown.returncode == 2
    assert "no loan with id 99" in unknown.stderr
    assert run("verify", env=env).returncode == 0


def test_simulate_train_and_backtest_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "applicants.csv"
    made = run("sim", "applicants", "--count", "6000", "--seed", "4", "--out", str(data))
    assert made.returncode == 0, made.stderr
    trained = run(
        "model",
        "train",
        "--data",
        str(data),
        "--target",
        "defaulted",
        "--kind",
        "scorecard",
        "--out",
        str(tmp_path / "model"),
        "--exclude",
        "true_pd",
        "--exclude",
        "fraud_ring",
        "--json",
    )
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout)
    assert 0.65 < metrics["auc"] < 0.95  # learnt from the features, not from the ground truth
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert not {"true_pd", "fraud_ring", "applicant_id"} & set(manifest["features"])
    tested = run(
        "strategy",
        "backtest",
        "--data",
        str(data),
        "--target",
        "defaulted",
        "--model",
        str(tmp_path / "model"),
        "--challenger",
        "src/puhui/credit/strategies/challenger.yaml",
        "--json",
        cwd=Path(__file__).parents[2],
    )
    assert tested.returncode == 0, tested.stderr
    champion, challenger = json.loads(tested.stdout)
    assert champion["applicants"] == 6000
    assert challenger["approval_rate"] < champion["approval_rate"]
    by_pd = run(
        "strategy",
        "backtest",
        "--data",
        str(data),
        "--target",
        "defaulted",
        "--pd-column",
        "true_pd",
        "--json",
    )
    assert by_pd.returncode == 0, by_pd.stderr
    neither = run("strategy", "backtest", "--data", str(data), "--target", "defaulted")
    assert neither.returncode == 2
    assert "exactly one of --pd-column" in neither.stderr
    wrong = run(
        "strategy", "backtest", "--data", str(data), "--target", "nope", "--pd-column", "true_pd"
    )
    assert wrong.returncode == 2
    assert "column 'nope' is not in the data" in wrong.stderr
