"""The bench's lean HTTP client reads what a server sends, however the bytes arrive."""

from __future__ import annotations

import asyncio

import pytest
from bench.lean_client import LeanClient, ResponseError


async def serve(answers: list[list[bytes]]) -> tuple[asyncio.Server, int, list[bytes]]:
    """A server that answers each request on a connection with the next answer's pieces,
    sent one at a time (a response split anywhere, even inside its headers)."""
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for pieces in answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            requests.append(head + await reader.readexactly(length))
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.001)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], requests


def test_responses_split_anywhere_are_read_whole_over_one_connection() -> None:
    async def scenario() -> None:
        first = b'HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{"ok": "y"}'
        second = b"HTTP/1.1 409 Conflict\r\ncontent-length: 2\r\n\r\n{}"
        server, port, requests = await serve([[first[:20], first[20:47], first[47:]], [second]])
        client = LeanClient("127.0.0.1", port)
        try:
            created = await client.post("/a", {"x": 1}, {"Idempotency-Key": "k1"})
            conflict = await client.post("/b", None)
        finally:
            client.close()
            server.close()
        assert (created.status, created.json()) == (201, {"ok": "y"})
        assert (conflict.status, conflict.body) == (409, b"{}")
        assert len(client.everyone) == 1  # the connection was kept alive and reused
        assert requests[0].startswith(b"POST /a HTTP/1.1\r\n")
        assert b"Idempotency-Key: k1\r\n" in requests[0]
        assert requests[0].endswith(b'\r\n\r\n{"x": 1}')

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))  # a misread response hangs


def test_a_response_without_content_length_is_refused() -> None:
    async def scenario() -> None:
        chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        server, port, _ = await serve([[chunked]])
        client = LeanClient("127.0.0.1", port)
        try:
            with pytest.raises(ResponseError, match="no Content-Length"):
                await client.post("/c", {})
        finally:
            client.close()
            server.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))  # a misread response hangs


def test_a_request_on_a_connection_the_server_just_closed_is_sent_again_on_a_new_one() -> None:
    async def scenario() -> None:
        answer = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
        connections = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(2)
            writer.write(answer)
            if connections == 1:  # the next request meets the keep-alive timeout's close
                await reader.readuntil(b"\r\n\r\n")
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        client = LeanClient("127.0.0.1", server.sockets[0].getsockname()[1])
        try:
            first = await client.post("/a", {})
            second = await client.post("/a", {})
        finally:
            client.close()
            server.close()
        assert (first.status, second.status, connections) == (201, 201, 2)
        assert client.resent == 1

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))


def test_a_connection_dropped_mid_response_is_an_error_not_a_resend() -> None:
    async def scenario() -> None:
        answer = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
        server, port, _ = await serve([[answer], [answer[:20]]])  # then the server closes
        client = LeanClient("127.0.0.1", port)
        try:
            await client.post("/a", {})
            with pytest.raises(ResponseError, match="connection lost"):
                await client.post("/a", {})  # the server may have acted on it: not resent
        finally:
            client.close()
            server.close()
        assert client.resent == 0

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))
