"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright with its
executable path): a borrower applies, sees the offer with its APR first, accepts and is paid out,
and an operator finds the loan in the console; a line holder checks out, gets a statement and
converts it into instalments. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from puhui.lines import service as lines
from puhui.lines.responsible import BorrowerFacts
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.uow import SqlUnitOfWork
from tests.api.conftest import PASSWORD, Server
from tests.unit.credit.doubles import ON

CHROMIUM = os.environ.get("PUHUI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("CI_REQUIRE_BROWSER") != "1",
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium); CI installs it",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 412, "height": 915})
    opened = context.new_page()
    yield opened
    context.close()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, server: Server, path: str, username: str) -> None:
    page.goto(server.url + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in")


def test_apply_offer_accept_then_the_operator_sees_the_loan(server: Server, page: Page) -> None:
    sign_in(page, server, "/me/login", "borrower-1")
    expect(page).to_have_url(server.url + "/me")
    page.click("#apply-link")
    page.fill("input[name=amount]", "8000")
    page.check("#consent-data")
    page.check("#consent-bureau")
    page.click("#apply")
    apr = page.locator("#apr strong")
    expect(apr).to_contain_text("%")
    # the APR is the most prominent rate on the page
    apr_size = apr.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    other_sizes = page.locator("td, .small").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert apr_size > max(other_sizes)
    expect(page.locator("#instalments tr")).to_have_count(13)  # header + 12 instalments
    shoot(page, "applicant-offer")
    page.click("#accept")
    expect(page.locator("#paid-out")).to_be_visible()
    loan_id = page.locator("#loan-id").inner_text()
    shoot(page, "applicant-paid-out")

    operator = page.context.browser.new_context(locale="zh-CN").new_page()  # type: ignore[union-attr]
    sign_in(operator, server, "/console/login", "operations")
    expect(operator.locator("#approval-rate")).to_be_visible()
    operator.goto(f"{server.url}/console/loans/{loan_id}")
    expect(operator.locator("#loan-status")).to_have_text("active")
    expect(operator.locator("#schedule tr")).to_have_count(13)
    expect(operator.locator("#postings")).to_contain_text("disbursal")
    expect(operator.locator("h2").first).to_have_text("还款计划")  # Chinese for a zh browser
    shoot(operator, "console-loan")
    operator.goto(server.url + "/console?lang=en")
    expect(operator.locator("h1")).to_contain_text("Dashboard")
    expect(operator.locator("#chart-funnel[data-drawn='1']")).to_be_attached()
    shoot(operator, "console-dashboard")


def test_a_declined_applicant_sees_reasons_and_can_ask_for_a_person(
    server: Server, page: Page
) -> None:
    borrower = server.client("borrower")
    for consent in borrower.get(f"/customers/{server.applicant}/consents").json():
        borrower.delete(f"/customers/{server.applicant}/consents/{consent['consent_id']}")
    sign_in(page, server, "/me/login", "borrower-1")
    page.goto(server.url + "/apply")
    page.click("#apply")  # consent withdrawn and not given again: declined, nothing fetched
    expect(page.locator("#declined")).to_be_visible()
    expect(page.locator("#reasons")).to_contain_text("consent")
    page.click("#request-review")
    expect(page.locator("#review-requested")).to_be_visible()
    shoot(page, "applicant-declined")


def test_checkout_statement_and_instalment_conversion(server: Server, page: Page) -> None:
    with SqlUnitOfWork(server.database) as uow:
        opened = lines.open_line(
            uow,
            borrower_ref=f"applicant-{server.applicant}",
            facts=BorrowerFacts(30, False, 1_500_000, 1, 0),
            product_code="credit-line",
            requested_limit_minor=2_000_000,
            statement_day=5,
            as_of=ON,
            idempotency_key="browser-line",
            net_assets_minor=1_000_000_000_00,
        )
        uow.commit()
    checkout = server.client("checkout")
    held = checkout.post(
        f"/lines/{opened.line_id}/authorisations",
        json={"order_id": "SHOP-1", "amount_minor": 600_000},
        headers={"Idempotency-Key": "shop-1"},
    )
    assert held.status_code == 201, held.text
    captured = checkout.post(
        f"/lines/{opened.line_id}/orders/SHOP-1/capture",
        json={"amount_minor": 600_000},
        headers={"Idempotency-Key": "shop-1-capture"},
    )
    assert captured.status_code == 200, captured.text
    statement_day = date(2025, 6, 5)
    with SqlUnitOfWork(server.database) as uow:
        CalendarRepository(uow.connection).mark_closed(date(2025, 6, 4))
        lines.cut_statement(uow, line_id=opened.line_id, as_of=statement_day)
        uow.commit()

    sign_in(page, server, "/me/login", "borrower-1")
    card = page.locator(f"#line-{opened.line_id}")
    expect(card.locator(".available")).to_contain_text("14,000.00")
    expect(card.locator(".options tr")).to_have_count(5)  # header + 3/6/9/12 parts, each an APR
    shoot(page, "line-statement-options")
    card.locator("button.convert[data-periods='6']").click()
    expect(card.locator(".plans")).to_contain_text("6 ×")
    shoot(page, "line-converted")
    with SqlUnitOfWork(server.database) as uow:
        statements = uow.lines.statements(opened.line_id)
    assert statements[0]["statement_balance_minor"] == 600_000
