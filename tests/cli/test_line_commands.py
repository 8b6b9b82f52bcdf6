"""`puhui line …` as a user runs it: open, check out, convert with the APR shown first, cut a
statement, pay, run the daily pass and the review, and a refusal that says what to do."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import run


def test_a_line_from_checkout_to_statement(tmp_path: Path) -> None:
    env = {
        "PUHUI_DATABASE_URL": f"sqlite:///{tmp_path / 'lines.db'}",
        "PUHUI_NET_ASSETS": "1000000000",
    }

    def puhui(*args: str) -> str:
        result = run(*args, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    puhui("init")
    opened = puhui(
        "line",
        "open",
        "--borrower",
        "alice",
        "--limit",
        "20000",
        "--income",
        "9000",
        "--age",
        "28",
        "--date",
        "2026-01-02",
    )
    assert "line 1 opened for alice: limit 20000.00" in opened
    held = puhui(
        "line", "authorise", "1", "--order", "tv", "--amount", "6000", "--date", "2026-01-10"
    )
    assert "available 14000.00" in held
    assert "spending_over_income_share" in held  # 6,000 of a 9,000 income in one purchase
    puhui("line", "capture", "1", "--order", "tv", "--amount", "6000", "--date", "2026-01-10")
    quote = puhui(
        "line", "quote", "1", "--amount", "6000", "--periods", "6", "--date", "2026-01-11"
    )
    assert quote.startswith("APR 12.70 %")  # the APR comes first
    assert "2026-02-25 │ 1000.00   │ 42.00" in quote
    converted = puhui(
        "line", "convert", "1", "--order", "tv", "--periods", "6", "--date", "2026-01-11"
    )
    assert "APR 12.70 %" in converted
    statement = puhui("line", "statement", "1", "--date", "2026-02-05")
    assert "balance 1042.00, minimum 1042.00, due 2026-02-25" in statement
    paid = puhui("line", "pay", "1", "--amount", "1042", "--date", "2026-02-20")
    assert "fee 42.00" in paid
    assert "0 late fees" in puhui("line", "run-day", "--date", "2026-02-26")
    assert "1 lines reviewed (dry run)" in puhui(
        "line", "review", "--date", "2026-02-27", "--dry-run"
    )
    refused = run(
        "line",
        "authorise",
        "1",
        "--order",
        "x",
        "--amount",
        "99999",
        "--date",
        "2026-02-26",
        env=env,
    )
    assert refused.returncode == 2
    assert "99999.00 CNY is more than the 15000.00 CNY available on line 1 [over_available]" in (
        refused.stderr.replace("\n", " ")
    )
    raised = puhui(
        "line",
        "temporary-increase",
        "1",
        "--limit",
        "25000",
        "--until",
        "2026-03-10",
        "--income",
        "9000",
        "--age",
        "28",
        "--date",
        "2026-02-27",
    )
    assert "line 1: limit 25000.00 until 2026-03-10" in raised
    shopper = run(
        "line",
        "temporary-increase",
        "1",
        "--limit",
        "30000",
        "--until",
        "2026-03-10",
        "--income",
        "9000",
        "--age",
        "28",
        "--inquiries",
        "9",
        "--date",
        "2026-02-27",
        env=env,
    )
    assert shopper.returncode == 2
    assert "[multi_lending]" in shopper.stderr.replace("\n", " ")
    assert "every credit line's sub-ledger is consistent" in puhui("verify")


def test_review_policies_back_tested_side_by_side(tmp_path: Path) -> None:
    snapshots = tmp_path / "snapshots.csv"
    written = run("sim", "line-snapshots", "--count", "5000", "--out", str(snapshots))
    assert written.returncode == 0, written.stderr
    policy = Path(__file__).parents[2] / "src" / "puhui" / "lines" / "review.yaml"
    looser = tmp_path / "looser.yaml"
    looser.write_text(
        policy.read_text().replace("min_behaviour_score: 620", "min_behaviour_score: 560")
    )
    result = run(
        "line",
        "review-backtest",
        "--data",
        str(snapshots),
        "--target",
        "went_bad",
        "--challenger",
        str(looser),
    )
    assert result.returncode == 0, result.stderr
    assert "champion" in result.stdout
    assert "challenger" in result.stdout
    assert "bad rate of raised lines" in result.stdout
    missing = run("line", "review-backtest", "--data", str(snapshots), "--target", "nope")
    assert missing.returncode == 2
    assert "lacks the columns ['nope']" in missing.stderr


def test_collections_and_a_human_review_from_the_command_line(tmp_path: Path) -> None:
    env = {"PUHUI_DATABASE_URL": f"sqlite:///{tmp_path / 'conduct.db'}"}
    assert run("init", env=env).returncode == 0
    planned = run("collections", "plan", "--date", "2026-03-02", env=env)
    assert "0 reminders and 0 collection contacts planned" in planned.stdout
    opened = run(
        "review",
        "request",
        "--borrower",
        "b-1",
        "--subject",
        "line:1",
        "--reasons",
        "delinquency_decrease",
        "--date",
        "2026-03-02",
        env=env,
    )
    assert "review request 1 for line:1 is open" in opened.stdout
    decided = run(
        "review",
        "decide",
        "1",
        "--outcome",
        "overturned",
        "--reviewer",
        "ops-1",
        "--note",
        "paid the day after",
        "--date",
        "2026-03-03",
        env=env,
    )
    assert "overturned by ops-1" in decided.stdout
    again = run(
        "review",
        "decide",
        "1",
        "--outcome",
        "upheld",
        "--reviewer",
        "ops-2",
        "--note",
        "x",
        "--date",
        "2026-03-04",
        env=env,
    )
    assert again.returncode == 2
    assert "already decided" in again.stderr
