"""Credit lines, their orders (holds), history, statements and idempotent operations.

A line is loaded with its open holds, the orders of the last 30 days (spending caps and
prompts look at them) and any order the caller names; saving writes the line row, the orders
that changed and the new events. Plain SQL through the `Driver`: checkout authorisation is a
hot path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from puhui.lines.conversion import InstalmentPlan
from puhui.lines.errors import InvalidLineProduct, LineNotFound
from puhui.lines.line import CreditLine, Hold, HoldStatus, LineBalances, LineEvent, LineStatus
from puhui.lines.products import LineProduct, line_product_from_mapping, line_product_to_mapping
from puhui.storage.driver import Driver

SPENDING_WINDOW_DAYS = 30
_MONEY: tuple[str, ...] = tuple(LineBalances.__slots__)
_SCALARS = (
    "status",
    "granted_limit_minor",
    "monthly_income_minor",
    "self_set_limit_minor",
    "temporary_limit_minor",
    "temporary_until",
    "spending_cap_minor",
    "cooling_off_until",
    "accrued_through",
    "revolving",
    "last_statement_on",
    "due_on",
    "due_judged",
    "statement_due_minor",
    "minimum_due_minor",
    "minimum_charges_minor",
    "statement_charges_minor",
    "overdue_since",
    "stretch_start",
    "stretch_cash_minor",
    "stretch_purchase_minor",
    "stretch_interest_minor",
)
"""Line columns written on every save (`stretch_cash/purchase` are `CreditLine.stretch_base`)."""
_STRETCH_BASE = ("stretch_cash_minor", "stretch_purchase_minor")
_DATES = {
    "temporary_until",
    "cooling_off_until",
    "accrued_through",
    "last_statement_on",
    "due_on",
    "overdue_since",
    "stretch_start",
}
_FIXED = ("borrower_ref", "line_product_id", "funder", "currency", "opened_on", "statement_day")
_SELECT = (
    f"SELECT id, {', '.join(_FIXED)}, {', '.join(_SCALARS)}, {', '.join(_MONEY)}, plans "
    "FROM credit_lines"
)
_SELECT_WITH_PRODUCT = (  # one line and its product's settings, in one query
    f"SELECT id, {', '.join(_FIXED)}, {', '.join(_SCALARS)}, {', '.join(_MONEY)}, plans, "
    "(SELECT definition FROM line_products WHERE line_products.id = line_product_id) "
    "FROM credit_lines WHERE id = ?"
)
_UPDATE = (
    f"UPDATE credit_lines SET {', '.join(f'{c} = ?' for c in (*_SCALARS, *_MONEY))}, "
    "held_minor = ?, plans = ? WHERE id = ?"
)
_INSERT_COLUMNS = (*_FIXED, *_SCALARS, *_MONEY, "held_minor", "plans", "idempotency_key")
_ORDER_COLUMNS = (
    "order_id, amount_minor, authorised_on, expires_on, status, captured_minor, "
    "refunded_minor, plan_id, captured_on"
)
_ORDERS = (
    f"SELECT {_ORDER_COLUMNS} FROM line_orders WHERE line_id = ? "
    "AND (status = 'held' OR authorised_on >= ?)"
)
_ORDER = f"SELECT {_ORDER_COLUMNS} FROM line_orders WHERE line_id = ? AND order_id = ?"
_ORDERS_AND_ONE = (  # a checkout's usual read: the recent orders and the one it names, at once
    f"SELECT {_ORDER_COLUMNS} FROM line_orders WHERE line_id = ? "
    "AND (status = 'held' OR authorised_on >= ? OR order_id = ?)"
)
_UPSERT_ORDER = (
    "INSERT INTO line_orders (line_id, order_id, amount_minor, authorised_on, expires_on, "
    "status, captured_minor, refunded_minor, plan_id, captured_on) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (line_id, order_id) DO UPDATE SET status = excluded.status, "
    "captured_minor = excluded.captured_minor, refunded_minor = excluded.refunded_minor, "
    "plan_id = excluded.plan_id, captured_on = excluded.captured_on"
)
_EVENT = (
    "INSERT INTO line_events (line_id, kind, business_date, amount_minor, reason_code, detail) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_DUE_STATEMENT = (
    "statement_day = ? AND status <> 'closed' AND opened_on < ? "
    "AND (last_statement_on IS NULL OR last_statement_on < ?)"
)
_USED = "purchase_minor + cash_minor + converted_minor + held_minor"
_LIMIT = (
    "CASE WHEN temporary_until >= ? AND temporary_limit_minor > granted_limit_minor "
    "THEN temporary_limit_minor ELSE granted_limit_minor END"
)
COMMITTED_SQL = (
    f"CASE WHEN status = 'closed' THEN {_USED} WHEN {_LIMIT} > {_USED} THEN {_LIMIT} "
    f"ELSE {_USED} END"
)
"""A line's commitment (`CreditLine.committed_minor`); takes the date twice."""
_EXPOSURE = (
    f"SELECT COALESCE(SUM({_USED}), 0), COALESCE(SUM({COMMITTED_SQL}), 0) "
    "FROM credit_lines WHERE borrower_ref = ?"
)


def _hold_state(hold: Hold) -> tuple[Any, ...]:
    """What decides whether an order row must be written (faster than `dataclasses.astuple`)."""
    return (hold.amount_minor, hold.status, hold.captured_minor, hold.refunded_minor, hold.plan_id)


class LineRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)
        self._products: dict[int, LineProduct] = {}
        self._product_ids: dict[tuple[str, int], int] = {}
        self._loaded: dict[int, dict[str, tuple[Any, ...]]] = {}

    # ---- products ------------------------------------------------------------------------

    def product_id(self, product: LineProduct) -> int:
        """The stored id of this product version, storing it on first use."""
        key = (product.code, product.version)
        if key not in self._product_ids:
            definition = json.dumps(line_product_to_mapping(product), sort_keys=True)
            row = self._driver.one(
                "SELECT id, definition FROM line_products WHERE code = ? AND version = ?", key
            )
            if row is None:
                new_id = self._driver.insert_id(
                    "INSERT INTO line_products (code, version, definition) VALUES (?, ?, ?)",
                    (*key, definition),
                )
                row = (new_id, definition)
            elif row[1] != definition:
                raise InvalidLineProduct(
                    f"line product {product.code} v{product.version} is stored with other "
                    "settings; a changed product needs a new version"
                )
            self._product_ids[key] = int(row[0])
        return self._product_ids[key]

    def _product(self, product_id: int) -> LineProduct:
        if product_id not in self._products:
            row = self._driver.one(
                "SELECT definition FROM line_products WHERE id = ?", (product_id,)
            )
            assert row is not None, f"line product {product_id} vanished"
            self._products[product_id] = _parsed_product(row[0])
        return self._products[product_id]

    # ---- lines ---------------------------------------------------------------------------

    def add(self, line: CreditLine, idempotency_key: str) -> int:
        """Store a new line and its opening events; returns its id (also set on `line`)."""
        line.line_id = self._driver.insert_id(
            f"INSERT INTO credit_lines ({', '.join(_INSERT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})",
            self._insert_values(line, idempotency_key),
        )
        self._loaded[line.line_id] = {}
        self._write_events([line])
        return line.line_id

    def add_many(self, lines: list[CreditLine], idempotency_keys: list[str]) -> None:
        """Store many new lines under the ids they carry (a migrated book), with their orders
        and events: one statement per table."""
        columns = ("id", *_INSERT_COLUMNS)
        self._driver.many(
            f"INSERT INTO credit_lines ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            [
                (line.line_id, *self._insert_values(line, key))
                for line, key in zip(lines, idempotency_keys, strict=True)
            ],
        )
        for line in lines:
            self._loaded[line.line_id] = {}
        self._write_orders(lines)
        self._write_events(lines)

    def _insert_values(self, line: CreditLine, idempotency_key: str) -> tuple[Any, ...]:
        fixed = (
            line.borrower_ref,
            self.product_id(line.product),
            line.funder,
            line.product.currency.code,
            self._driver.date(line.opened_on),
            line.statement_day,
        )
        return (*fixed, *self._scalar_values(line), idempotency_key)

    def get(
        self, line_id: int, *, on: date, orders: Iterable[str] = (), lock: bool = True
    ) -> CreditLine:
        """The line, locked for this transaction (unless `lock=False`, for pages that only
        show it), with the orders an operation may touch."""
        locking = lock and self._driver.postgres
        sql = _SELECT_WITH_PRODUCT + (" FOR UPDATE OF credit_lines" if locking else "")
        since = self._driver.date(on - timedelta(SPENDING_WINDOW_DAYS))
        named = list(orders)
        # The line (locked first) and its orders in one round trip: the orders are read by a
        # statement of their own, after the lock is granted, so they are current.
        if len(named) == 1:
            found, rows = self._driver.reads(
                (sql, (line_id,)), (_ORDERS_AND_ONE, (line_id, since, named[0]))
            )
        else:
            found, rows = self._driver.reads((sql, (line_id,)), (_ORDERS, (line_id, since)))
            for order_id in named:
                order = self._driver.one(_ORDER, (line_id, order_id))
                if order is not None:
                    rows.append(order)
        if not found:
            raise LineNotFound(f"no credit line {line_id}; check the line id")
        *row, definition = found[0]
        product_id = int(row[1 + _FIXED.index("line_product_id")])
        if product_id not in self._products:
            self._products[product_id] = _parsed_product(definition)
        line = self._line(tuple(row))
        self._attach_orders(line, rows)
        return line

    def due_for_statement(self, day: date, *, after_id: int, limit: int) -> list[CreditLine]:
        """Up to `limit` lines (ids above `after_id`) whose statement of `day` is not cut yet,
        locked, with their open holds (which the statement may expire)."""
        sql = (
            _SELECT + f" WHERE {_DUE_STATEMENT} AND accrued_through <= ? AND id > ? "
            "ORDER BY id LIMIT ?" + (" FOR UPDATE" if self._driver.postgres else "")
        )
        when = self._driver.date(day)
        lines = [
            self._line(row)
            for row in self._driver.all(sql, (day.day, when, when, when, after_id, limit))
        ]
        self._attach_held_orders(lines)
        return lines

    def statements_blocked(self, day: date) -> list[int]:
        """Lines whose statement of `day` is due but which already hold events of a later day:
        their statement cannot be cut without rewriting history (run the statement run at the
        end of each day, before the next day's events)."""
        when = self._driver.date(day)
        rows = self._driver.all(
            f"SELECT id FROM credit_lines WHERE {_DUE_STATEMENT} AND accrued_through > ? "
            "ORDER BY id",
            (day.day, when, when, when),
        )
        return [int(row[0]) for row in rows]

    def _attach_held_orders(self, lines: list[CreditLine]) -> None:
        if lines:
            held = self._driver.all(
                f"SELECT line_id, {_ORDER_COLUMNS} FROM line_orders WHERE status = 'held' "
                "AND line_id BETWEEN ? AND ?",
                (lines[0].line_id, lines[-1].line_id),
            )
            by_line: dict[int, list[tuple[Any, ...]]] = {}
            for order in held:
                by_line.setdefault(int(order[0]), []).append(order[1:])
            for line in lines:
                self._attach_orders(line, by_line.get(line.line_id, []))

    def due_for_daily_pass(self, day: date, *, after_id: int, limit: int) -> list[CreditLine]:
        """Up to `limit` lines (ids above `after_id`, not yet at `day`) whose due date has passed
        unjudged or that hold an authorisation past its expiry, locked, with their open holds."""
        when = self._driver.date(day)
        sql = (
            _SELECT + " WHERE id > ? AND status <> 'closed' AND accrued_through < ? AND ("
            "(due_judged = ? AND due_on < ?) OR (held_minor > 0 AND EXISTS (SELECT 1 FROM "
            "line_orders o WHERE o.line_id = credit_lines.id AND o.status = 'held' "
            "AND o.expires_on < ?))) ORDER BY id LIMIT ?"
            + (" FOR UPDATE" if self._driver.postgres else "")
        )
        lines = [
            self._line(row)
            for row in self._driver.all(sql, (after_id, when, False, when, when, limit))
        ]
        self._attach_held_orders(lines)
        return lines

    def events_since(
        self, first_id: int, last_id: int, since: date | None
    ) -> dict[int, list[LineEvent]]:
        """Events of lines `first_id`…`last_id` after `since` (all of them when None)."""
        rows = self._driver.all(
            "SELECT line_id, kind, business_date, amount_minor, reason_code, detail "
            "FROM line_events WHERE line_id BETWEEN ? AND ? AND business_date > ? ORDER BY id",
            (first_id, last_id, self._driver.date(since or date.min)),
        )
        events: dict[int, list[LineEvent]] = {}
        for line_id, *event in rows:
            events.setdefault(int(line_id), []).append(self._event(tuple(event)))
        return events

    def _line(self, row: tuple[Any, ...]) -> CreditLine:
        fixed = dict(zip(_FIXED, row[1 : 1 + len(_FIXED)], strict=True))
        offset = 1 + len(_FIXED)
        scalars = dict(zip(_SCALARS, row[offset : offset + len(_SCALARS)], strict=True))
        offset += len(_SCALARS)
        money = row[offset : offset + len(_MONEY)]
        for name in _DATES:
            scalars[name] = self._driver.read_date(scalars[name])
        scalars["status"] = LineStatus(scalars["status"])
        scalars["revolving"] = bool(scalars["revolving"])
        scalars["due_judged"] = bool(scalars["due_judged"])
        scalars["stretch_base"] = tuple(int(scalars.pop(name)) for name in _STRETCH_BASE)
        plans = {
            plan.plan_id: plan
            for plan in (InstalmentPlan.from_json(item) for item in json.loads(row[-1]))
        }
        return CreditLine(
            line_id=int(row[0]),
            borrower_ref=str(fixed["borrower_ref"]),
            product=self._product(int(fixed["line_product_id"])),
            funder=str(fixed["funder"]),
            opened_on=self._driver.read_date(fixed["opened_on"]) or date.min,
            statement_day=int(fixed["statement_day"]),
            balances=LineBalances(*(int(value) for value in money)),
            plans=plans,
            **scalars,
        )

    def _attach_orders(self, line: CreditLine, rows: list[tuple[Any, ...]]) -> None:
        loaded: dict[str, tuple[Any, ...]] = {}
        for order in rows:
            hold = self._hold(order)
            line.holds[hold.order_id] = hold
            loaded[hold.order_id] = _hold_state(hold)
        self._loaded[line.line_id] = loaded

    def save(self, line: CreditLine) -> None:
        """Write the line row, the orders that changed and the events it recorded."""
        self.save_many([line])

    def save_many(self, lines: list[CreditLine]) -> None:
        """`save` for many lines at once (executemany per table)."""
        rows = [(*self._scalar_values(line), line.line_id) for line in lines]
        self._driver.many_later(_UPDATE, rows)
        self._write_orders(lines)
        self._write_events(lines)

    def _write_orders(self, lines: list[CreditLine]) -> None:
        """Upsert the orders that changed since they were loaded."""
        orders = []
        for line in lines:
            loaded = self._loaded.get(line.line_id, {})
            orders += [
                (
                    line.line_id,
                    h.order_id,
                    h.amount_minor,
                    self._driver.date(h.authorised_on),
                    self._driver.date(h.expires_on),
                    h.status.value,
                    h.captured_minor,
                    h.refunded_minor,
                    h.plan_id,
                    self._driver.date(h.captured_on),
                )
                for h in line.holds.values()
                if loaded.get(h.order_id) != _hold_state(h)
            ]
            self._loaded[line.line_id] = {h.order_id: _hold_state(h) for h in line.holds.values()}
        self._driver.many_later(_UPSERT_ORDER, orders)

    def _scalar_values(self, line: CreditLine) -> tuple[Any, ...]:
        values: list[Any] = []
        for name in _SCALARS:
            if name in _STRETCH_BASE:
                values.append(line.stretch_base[_STRETCH_BASE.index(name)])
                continue
            value = getattr(line, name)
            if name in _DATES:
                value = self._driver.date(value)
            elif name == "status":
                value = value.value
            values.append(value)
        values += [getattr(line.balances, name) for name in LineBalances.__slots__]
        plans = json.dumps([plan.to_json() for plan in line.plans.values()])
        return (*values, line.held_minor, plans)

    def _write_events(self, lines: list[CreditLine]) -> None:
        self._driver.many_later(
            _EVENT,
            [
                (
                    line.line_id,
                    event.kind,
                    self._driver.date(event.business_date),
                    event.amount_minor,
                    event.reason_code,
                    json.dumps(event.detail, sort_keys=True),
                )
                for line in lines
                for event in line.new_events
            ],
        )
        for line in lines:
            line.new_events.clear()

    def _event(self, row: tuple[Any, ...]) -> LineEvent:
        kind, day, amount, reason, detail = row
        return LineEvent(
            str(kind),
            self._driver.read_date(day) or date.min,
            int(amount),
            str(reason),
            json.loads(detail),
        )

    def _hold(self, row: tuple[Any, ...]) -> Hold:
        return Hold(
            order_id=str(row[0]),
            amount_minor=int(row[1]),
            authorised_on=self._driver.read_date(row[2]) or date.min,
            expires_on=self._driver.read_date(row[3]) or date.min,
            status=HoldStatus(row[4]),
            captured_minor=int(row[5]),
            refunded_minor=int(row[6]),
            plan_id=row[7],
            captured_on=self._driver.read_date(row[8]),
        )

    # ---- exposure, history, statements, operations ---------------------------------------

    def exposure(self, borrower_ref: str, on: date) -> tuple[int, int]:
        """Over the borrower's lines: (principal owed + held, what the lines commit on `on` —
        each open line's granted or live temporary limit, or its use if larger)."""
        when = self._driver.date(on)
        row = self._driver.one(_EXPOSURE, (when, when, borrower_ref))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def history(self, line_id: int) -> list[LineEvent]:
        rows = self._driver.all(
            "SELECT kind, business_date, amount_minor, reason_code, detail FROM line_events "
            "WHERE line_id = ? ORDER BY id",
            (line_id,),
        )
        return [self._event(row) for row in rows]

    def add_statement(self, line_id: int, document: dict[str, Any]) -> None:
        self.add_statements([(line_id, document)])

    def add_statements(self, documents: list[tuple[int, dict[str, Any]]]) -> None:
        self._driver.many(
            "INSERT INTO line_statements (line_id, statement_date, due_date, "
            "statement_balance_minor, minimum_payment_minor, document) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    line_id,
                    self._driver.date(date.fromisoformat(document["statement_date"])),
                    self._driver.date(date.fromisoformat(document["due_date"])),
                    document["statement_balance_minor"],
                    document["minimum_payment_minor"],
                    json.dumps(document, sort_keys=True),
                )
                for line_id, document in documents
            ],
        )

    def statements(self, line_id: int) -> list[dict[str, Any]]:
        rows = self._driver.all(
            "SELECT document FROM line_statements WHERE line_id = ? ORDER BY statement_date",
            (line_id,),
        )
        return [json.loads(row[0]) for row in rows]

    def find_operation(self, idempotency_key: str) -> tuple[str, str, int] | None:
        """(request hash, outcome JSON, line id) of an operation already applied."""
        row = self._driver.one(
            "SELECT request_hash, outcome, line_id FROM line_operations WHERE idempotency_key = ?",
            (idempotency_key,),
        )
        return None if row is None else (str(row[0]), str(row[1]), int(row[2]))

    def record_operation(
        self,
        idempotency_key: str,
        *,
        line_id: int,
        kind: str,
        request_hash: str,
        outcome: str,
        entry_id: int | None,
    ) -> None:
        self._driver.run(
            "INSERT INTO line_operations (idempotency_key, line_id, kind, request_hash, outcome, "
            "entry_id) VALUES (?, ?, ?, ?, ?, ?)",
            (idempotency_key, line_id, kind, request_hash, outcome, entry_id),
        )


@lru_cache(maxsize=64)
def _parsed_product(definition: str) -> LineProduct:
    """A stored product definition, parsed once per process (keyed by its text, so a product
    of another database or a new version is never mistaken for it; LineProduct is frozen)."""
    return line_product_from_mapping(json.loads(definition))
