"""A minimal HTTP/1.1 keep-alive client for the load generator, on asyncio protocols.

The load generator shares the machine's two cores with the server and the database, so every
microsecond it spends is taken from what it measures. aiohttp cost about 0.9 ms of CPU per
request here (bench/RESULTS.md); this client writes one prepared byte string per request and
parses only the status line, Content-Length and the body, which is all the bench needs. It is
not a general client: it speaks to one host, sends JSON POSTs, and refuses any response it does
not understand (no Content-Length, chunked) with an error rather than guessing.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, cast

HEADER_END = b"\r\n\r\n"


class ResponseError(Exception):
    """A response the lean client cannot read, or a connection lost mid-request."""


class ClosedUnanswered(ResponseError):
    """The connection closed before any byte of the response came."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, the response parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiting: asyncio.Future[Response] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiting is not None and not self.waiting.done():
            lost = ResponseError if self.buffer else ClosedUnanswered
            self.waiting.set_exception(lost(f"connection lost: {exc}"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(HEADER_END)
        if end < 0 or self.waiting is None:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        length = None
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            self.waiting.set_exception(ResponseError(f"no Content-Length in {head[0]!r}"))
            self.close()  # the rest of that response would be read as the next one
            return
        start = end + len(HEADER_END)
        if len(self.buffer) < start + length:
            return
        body = bytes(self.buffer[start : start + length])
        del self.buffer[: start + length]
        self.waiting.set_result(Response(int(head[0].split(" ", 2)[1]), body))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def send(self, request: bytes) -> Response:
        assert self.transport is not None
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        try:
            return await self.waiting
        finally:
            self.waiting = None


class LeanClient:
    """POSTs to one server over a pool of keep-alive connections, opened as needed up to
    `limit` requests at once (aiohttp's default limit, which the bench used before)."""

    def __init__(self, host: str, port: int, limit: int = 256) -> None:
        self.host, self.port = host, port
        self.idle: list[_Connection] = []
        self.everyone: list[_Connection] = []
        self.slots = asyncio.Semaphore(limit)
        self.resent = 0  # requests sent again after an idle connection closed under them

    async def post(
        self, path: str, body: object | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        async with self.slots:
            connection, reused = await self._connection()
            try:
                response = await connection.send(request)
            except ClosedUnanswered:
                if not reused:
                    raise
                # The server closed the idle connection as the request went out (its
                # keep-alive timeout): send it once more on a new one, as HTTP clients do.
                # The bench's POSTs carry idempotency keys, so a request that did arrive is
                # answered, not repeated; `resent` counts them.
                self.resent += 1
                connection, _ = await self._connection(fresh=True)
                response = await connection.send(request)
            if not connection.closed:
                self.idle.append(connection)
            return response

    async def _connection(self, *, fresh: bool = False) -> tuple[_Connection, bool]:
        """An idle connection (reused: True) or a new one."""
        while self.idle and not fresh:
            connection = self.idle.pop()
            if not connection.closed:
                return connection, True
        _, connection = await asyncio.get_running_loop().create_connection(
            _Connection, self.host, self.port
        )
        self.everyone.append(connection)
        return connection, False

    def close(self) -> None:
        for connection in self.everyone:
            connection.close()
