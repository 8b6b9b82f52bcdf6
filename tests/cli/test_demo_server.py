"""The newcomer's path as a user runs it: `puhui demo --no-serve` writes the server's settings and
prints the sign-ins; `puhui serve` then serves the console and the API. A customer registered
with planted personal data is read, applied for and refused; afterwards neither the demo's nor
the server's output holds any of it (nor the demo's own synthetic customers' data)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from puhui.security.personal_data import PERSONAL_FIELDS
from puhui.sim.people import synthetic_person

PUHUI = str(Path(sys.executable).with_name("puhui"))
PLANTED = {
    "kind": "consumer",
    "name": "植入姓名乙",
    "id_number": "44030519850611733X",
    "phone": "13600001111",
    "bank_card": "6230580000123456789",
    "address": "植入市植入路7号",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_demo_then_serve_and_no_personal_data_in_any_log(tmp_path: Path) -> None:
    demo = subprocess.run(
        [PUHUI, "demo", "--no-serve", "--loans", "150", "--history", "2000", "--days", "40"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "puhui-admin-demo" in demo.stdout
    assert "phk_" in demo.stdout
    assert (tmp_path / "puhui-demo.env").stat().st_mode & 0o077 == 0  # secrets: owner only

    port = free_port()
    server_log = tmp_path / "server.log"
    with server_log.open("w") as sink:
        server = subprocess.Popen(
            [PUHUI, "serve", "--env-file", "puhui-demo.env", "--port", str(port)],
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/console/login").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, server_log.read_text()
                time.sleep(0.3)
            token = httpx.post(
                base + "/api/v1/auth/token",
                json={"username": "ops", "password": "puhui-ops-demo"},
            ).json()["access_token"]
            api = httpx.Client(
                base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token}"}
            )
            created = api.post("/customers", json=PLANTED)
            assert created.status_code == 201, created.text
            customer = created.json()["customer_id"]
            assert api.get(f"/customers/{customer}").json()["personal"]["phone"] == PLANTED["phone"]
            assert api.post("/customers", json={**PLANTED, "phone": "not-a-phone"}).status_code in (
                400,
                422,
            )
            listed = api.get("/customers", params={"limit": 200})
            assert listed.status_code == 200
            page = httpx.get(base + "/console", cookies={"puhui_session": token})
            assert page.status_code == 200
            assert "Dashboard" in page.text or "概览" in page.text
        finally:
            server.terminate()
            server.wait(timeout=30)
    logs = demo.stdout + demo.stderr + server_log.read_text()
    planted = [value for key, value in PLANTED.items() if key != "kind"]
    synthetic = [
        value
        for customer_id in range(1, 400)
        for field, value in synthetic_person(2025, customer_id).items()
        if field in PERSONAL_FIELDS
    ]
    leaked = [value for value in planted + synthetic if value in logs]
    assert leaked == []
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", logs)  # no mobile number of any kind
