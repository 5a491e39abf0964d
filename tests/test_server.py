"""The server's own limits, over real sockets: header size, slow clients, several workers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import live_server
from tests.test_web_safety import BURY, CASE_HEADER, small_site
from upheld.web import create_app
from upheld.web.server import GuardedProtocol


class Strict(GuardedProtocol):
    """Limits small enough to reach quickly in a test."""

    max_header_bytes = 8 * 1024
    header_timeout = 0.5


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    folder = tmp_path_factory.mktemp("server")
    site = small_site(
        folder, {"cases": (CASE_HEADER, [["23-001", BURY, "2023-05-01", "Housing", "", "", ""]])}
    )
    with live_server(create_app(site), http=Strict) as base:
        parts = urlsplit(base)
        assert parts.hostname is not None
        assert parts.port is not None
        yield parts.hostname, parts.port


def exchange(address: tuple[str, int], data: bytes, *, wait: float = 5.0) -> bytes:
    """Send bytes on a new connection and read until the server closes it."""
    with socket.create_connection(address, timeout=wait) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_an_ordinary_request_is_answered(address: tuple[str, int]) -> None:
    answer = exchange(
        address, b"GET /static/site.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_huge_headers_are_refused(address: tuple[str, int]) -> None:
    padding = b"X-Padding: " + b"a" * 20_000 + b"\r\n"
    answer = exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\n" + padding + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    many = b"".join(b"X-%d: %d\r\n" % (n, n) for n in range(2000))
    assert exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").startswith(
        b"HTTP/1.1 431 "
    )
    long_address = b"GET /?q=" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert exchange(address, long_address).startswith(b"HTTP/1.1 431 ")


def test_a_request_whose_headers_never_finish_is_closed(address: tuple[str, int]) -> None:
    started = time.monotonic()
    answer = exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 4  # the 0.5 s limit, not the 5 s socket wait
    # A connection that sends nothing at all is closed too.
    assert exchange(address, b"").startswith(b"HTTP/1.1 408 ")


def test_a_kept_alive_connection_gets_the_limit_afresh(address: tuple[str, int]) -> None:
    request = b"GET /static/site.css HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(address, timeout=5) as connection:
        for _ in range(3):
            connection.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                head += connection.recv(65536)
            assert head.startswith(b"HTTP/1.1 200 ")
            length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
            body = head.split(b"\r\n\r\n", 1)[1]
            while len(body) < length:
                body += connection.recv(65536)
            time.sleep(0.3)  # idle between requests, under the keep-alive timeout


def test_several_worker_processes_serve_the_site(tmp_path: Path) -> None:
    import subprocess
    import sys
    import urllib.request

    from tests.servers import free_port

    site = small_site(
        tmp_path,
        {
            "cases": (
                CASE_HEADER,
                [["23-001", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", "Put right."]],
            )
        },
    )
    site.engine.dispose()
    port = free_port()
    command = [sys.executable, "-m", "upheld", "--db", str(tmp_path / "upheld.db"), "--config"]
    server = subprocess.Popen(
        [*command, str(tmp_path / "config"), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/years") as answer:
                    years = answer.read()
                break
            except OSError:
                time.sleep(0.2)
        assert b"2023-24" in years
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/decisions/23-001.json") as answer:
                assert answer.status == 200
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert b"with 2 worker processes" in err
    assert b"Traceback" not in err


def test_serve_refuses_a_missing_database_before_starting(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "upheld",
            "--db",
            str(tmp_path / "none.db"),
            "serve",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "upheld init" in done.stderr
    assert "Traceback" not in done.stderr
