"""A batch of statements in one round trip on PostgreSQL, laid straight into libpq's pipeline.

psycopg's pipeline mode flushes the socket and polls for answers after every statement it is
given, and it sends the transaction's implicit BEGIN on a round trip of its own. A checkout
sends a dozen statements in four batches: psycopg woke about five times per batch, and its
system calls and generator steps were a quarter of the server's CPU per checkout (py-spy).
Here a batch goes out as libpq builds it in pipeline mode — the BEGIN (when the transaction has
not started yet), every statement, the COMMIT when asked, then one Sync — in one write (a batch
over 64 KiB, an end-of-day's executemany, in several as it is built), and its answers are read
once PostgreSQL sends them, together, at the Sync.

Values are adapted by psycopg's own Transformer, so parameters and rows have exactly the types
psycopg would give them. Each statement is prepared on the server the first time a connection
sends it with those parameter types (psycopg types an int by its size, and a None as unknown,
so one statement may be prepared a few times); PostgreSQL then parses and plans it once per
connection instead of every time. A connection keeps at most MAX_PREPARED of them, dropping the
least recently used. psycopg's own preparing must be off on the connection (it is turned off
here): after any rollback psycopg deallocates every prepared statement of the connection.

This is written here rather than taken from psycopg because psycopg offers no way to queue
several statements without a flush and a poll after each one.
"""

from __future__ import annotations

import re
import select
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from itertools import count
from typing import Any

import psycopg
from psycopg import abc, pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq.abc import PGconn, PGresult

Statement = tuple[str, Any, bool]  # (SQL with %s marks, parameters or rows, executemany?)
Rows = list[tuple[Any, ...]] | None  # a statement's rows; None for one that returns none

MAX_PREPARED = 256
_TUPLES_OK = pq.ExecStatus.TUPLES_OK
_COMMAND_OK = pq.ExecStatus.COMMAND_OK
_FATAL_ERROR = pq.ExecStatus.FATAL_ERROR
_PIPELINE_SYNC = pq.ExecStatus.PIPELINE_SYNC
_PIPELINE_ABORTED = pq.ExecStatus.PIPELINE_ABORTED
_IDLE = pq.TransactionStatus.IDLE
_MARK = re.compile(r"%s|%%")


class _Session:
    """What a connection keeps between batches: its Transformer and its prepared statements."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.transformer: abc.Transformer = Transformer(connection)
        self.prepared: OrderedDict[tuple[bytes, tuple[int, ...]], bytes] = OrderedDict()
        self.to_deallocate: list[bytes] = []  # evicted, whose DEALLOCATE has not run yet
        self.names = count(1)
        self.poller = select.poll()
        self.polled: int | None = None  # the socket registered with the poller


_SESSION = "_puhui_batch_session"  # the attribute it is kept in, on the connection itself


def _session(connection: psycopg.Connection[Any]) -> _Session:
    """The connection's session. It is kept on the connection (a cycle through the Transformer,
    freed with it) rather than in a weak mapping, which the Transformer would keep alive."""
    session: _Session | None = getattr(connection, _SESSION, None)
    if session is None:
        connection.prepare_threshold = None  # (see the module's docstring)
        session = _Session(connection)
        setattr(connection, _SESSION, session)
    return session


def numbered(sql: str) -> bytes:
    """psycopg's `%s` marks as PostgreSQL's `$1, $2, …` (and `%%` as `%`)."""
    return _numbered(sql)[0]


@lru_cache(maxsize=4096)
def _numbered(sql: str) -> tuple[bytes, int]:
    """The numbered query and how many values it takes."""
    marks = count(1)
    query = _MARK.sub(lambda m: f"${next(marks)}" if m.group() == "%s" else "%", sql).encode()
    return query, next(marks) - 1


def begin_command(connection: psycopg.Connection[Any]) -> bytes:
    """The BEGIN psycopg itself would send, with the connection's transaction settings."""
    parts = [b"BEGIN"]
    if connection.isolation_level is not None:
        level = psycopg.IsolationLevel(connection.isolation_level)
        parts.append(b"ISOLATION LEVEL " + level.name.replace("_", " ").encode())
    if connection.read_only is not None:
        parts.append(b"READ ONLY" if connection.read_only else b"READ WRITE")
    if connection.deferrable is not None:
        parts.append(b"DEFERRABLE" if connection.deferrable else b"NOT DEFERRABLE")
    return b" ".join(parts)


# What each request sent in a batch answers (its answers are read back in the same order):
# the index of the statement whose rows it returns, or one of these.
_COMMAND, _PREPARE, _DEALLOCATE = -1, -2, -3  # (an executemany's row is a command: no rows)
Sent = list[tuple[int, Any]]  # what each request of a batch answers, and its detail


def run(
    connection: psycopg.Connection[Any], statements: Sequence[Statement], *, commit: bool
) -> list[Rows]:
    """Send `statements` (and a COMMIT, with `commit`) in one round trip, inside the connection's
    transaction (begun here if it has not been); each statement's rows, None for one without.

    The first failing statement's error is raised after the whole batch has been answered;
    PostgreSQL skips everything after it, and the transaction is then failed. A value psycopg
    cannot adapt ends the batch where it stands: what was queued before it still runs, no
    COMMIT is sent, and its error is raised — the caller rolls the transaction back, as after
    any error. (Statements go out while later ones are adapted: PostgreSQL runs a long batch
    while it is still being written, as psycopg's executemany let it.) Rows are loaded after
    the whole batch is answered, so a batch with the COMMIT should carry no statement whose
    rows are wanted: the write-behind queue sends any such statement before its COMMIT."""
    session = _session(connection)
    pgconn = connection.pgconn
    sent: Sent = []
    unadaptable: Exception | None = None
    pgconn.enter_pipeline_mode()
    try:
        if not connection.autocommit and pgconn.transaction_status == _IDLE:
            pgconn.send_query_params(begin_command(connection), None)
            sent.append((_COMMAND, None))
        _deallocate_evicted(session, pgconn, sent)
        unadaptable = _send_statements(session, pgconn, statements, sent)
        if commit and unadaptable is None:
            pgconn.send_query_params(b"COMMIT", None)
            sent.append((_COMMAND, None))
        pgconn.pipeline_sync()
        _flush(session, pgconn)
        answers = [_answers(session, pgconn) for _ in sent]
        end = _next(session, pgconn)
        if end is None or end.status != _PIPELINE_SYNC:
            raise psycopg.OperationalError("PostgreSQL's answers did not end at the batch's end")
        pgconn.exit_pipeline_mode()
    except BaseException:
        # The batch was not read to its end: what libpq and the server hold for this connection
        # is unknown, so it is closed (PostgreSQL rolls its transaction back; SQLAlchemy's pool
        # sees a closed connection and replaces it).
        connection.close()
        raise
    rows = _rows(session, connection, sent, answers, len(statements))
    if unadaptable is not None:
        raise unadaptable
    return rows


def _send_statements(
    session: _Session, pgconn: PGconn, statements: Sequence[Statement], sent: Sent
) -> Exception | None:
    """Queue each statement (each row of an executemany); the error of a value that cannot
    be adapted, which stops the queueing."""
    for index, (sql, params, many) in enumerate(statements):
        query, marks = _numbered(sql)
        answers_rows = _COMMAND if many else index
        for values in params if many else (params,):
            try:
                if len(values or ()) != marks:
                    raise psycopg.ProgrammingError(
                        f"the query has {marks} placeholders but {len(values or ())} "
                        f"parameters were passed: {sql}"
                    )
                dumped, types, formats = _dump(session.transformer, values)
            except Exception as error:  # (a dumper may raise more than psycopg's own errors)
                return error
            name = _prepared_name(session, pgconn, query, types, sent)
            pgconn.send_query_prepared(name, dumped, param_formats=formats)
            sent.append((answers_rows, None))
    return None


def _dump(
    transformer: abc.Transformer, values: Sequence[Any] | None
) -> tuple[Sequence[Any] | None, tuple[int, ...], Sequence[pq.Format] | None]:
    """A statement's parameters as psycopg sends them: values, type oids and formats."""
    if not values:
        return None, (), None
    params = transformer.dump_sequence(values, [PyFormat.AUTO] * len(values))
    return params, tuple(transformer.types or ()), transformer.formats


def _prepared_name(
    session: _Session, pgconn: PGconn, query: bytes, types: tuple[int, ...], sent: Sent
) -> bytes:
    """The name `query` is prepared under on this connection, preparing it in this batch
    (and deallocating the least recently used statement) the first time."""
    key = (query, types)
    name = session.prepared.get(key)
    if name is not None:
        session.prepared.move_to_end(key)
        return name
    name = b"puhui_%d" % next(session.names)
    session.prepared[key] = name
    while len(session.prepared) > MAX_PREPARED:
        _, evicted = session.prepared.popitem(last=False)
        pgconn.send_query_params(b"DEALLOCATE " + evicted, None)
        sent.append((_DEALLOCATE, evicted))
    pgconn.send_prepare(name, query, param_types=types)
    sent.append((_PREPARE, key))
    return name


def _deallocate_evicted(session: _Session, pgconn: PGconn, sent: Sent) -> None:
    """Deallocate what an earlier batch evicted but could not deallocate (it failed first)."""
    for name in session.to_deallocate:
        pgconn.send_query_params(b"DEALLOCATE " + name, None)
        sent.append((_DEALLOCATE, name))
    session.to_deallocate = []


def _rows(
    session: _Session,
    connection: psycopg.Connection[Any],
    sent: Sent,
    answers: list[list[PGresult]],
    statement_count: int,
) -> list[Rows]:
    """Each statement's rows from the batch's answers; raises the first error among them."""
    rows: list[Rows] = [None] * statement_count
    error: psycopg.Error | None = None
    transformer = session.transformer
    for (what, key), results in zip(sent, answers, strict=True):
        if not results:
            raise psycopg.OperationalError("PostgreSQL did not answer a statement of the batch")
        result = results[-1]
        status = result.status
        if what == _PREPARE and status != _COMMAND_OK:
            session.prepared.pop(key, None)  # never made: prepared again next time
        elif what == _DEALLOCATE and status != _COMMAND_OK:
            session.to_deallocate.append(key)  # still on the server: dropped next time
        if status == _FATAL_ERROR and error is None:
            error = psycopg.errors.error_from_result(result, encoding=connection.info.encoding)
        elif status == _TUPLES_OK and what >= 0:
            transformer.set_pgresult(result)
            rows[what] = transformer.load_rows(0, result.ntuples, tuple)
        elif status == _PIPELINE_ABORTED and error is None:
            error = psycopg.errors.PipelineAborted("an earlier statement of the batch failed")
    if isinstance(error, psycopg.errors.InvalidSqlStatementName):
        # Someone ran DEALLOCATE ALL or DISCARD ALL on this connection: prepare afresh.
        session.prepared.clear()
        session.to_deallocate = []
    if error is not None:
        raise error
    return rows


def _answers(session: _Session, pgconn: PGconn) -> list[PGresult]:
    """The results of one request of the batch (libpq ends each with a null result)."""
    results = []
    while (result := _next(session, pgconn)) is not None:
        results.append(result)
    return results


def _next(session: _Session, pgconn: PGconn) -> PGresult | None:
    while pgconn.is_busy():
        _wait(session, pgconn.socket, select.POLLIN)
        pgconn.consume_input()
    return pgconn.get_result()


def _flush(session: _Session, pgconn: PGconn) -> None:
    """Write the batch out (the connection is non-blocking: a big batch takes several
    writes, and the server's answers are taken in meanwhile so that neither side blocks)."""
    while pgconn.flush():
        if _wait(session, pgconn.socket, select.POLLIN | select.POLLOUT) & select.POLLIN:
            pgconn.consume_input()


def _wait(session: _Session, socket: int, events: int) -> int:
    """Block until the socket is ready for `events` (poll: no limit on descriptor numbers)."""
    if session.polled != socket:
        if session.polled is not None:
            session.poller.unregister(session.polled)
        session.poller.register(socket, events)
        session.polled = socket
    else:
        session.poller.modify(socket, events)
    return session.poller.poll()[0][1]
