"""A live uvicorn server on a free port of this machine, for tests that need real sockets."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import uvicorn

from upheld.web.server import GuardedProtocol


def free_port() -> int:
    """A TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: Any, http: type[GuardedProtocol] = GuardedProtocol) -> Iterator[str]:
    """Serve an app in a thread as `upheld serve` does; yields its base address."""
    port = free_port()
    config = uvicorn.Config(app=app, host="127.0.0.1", port=port, log_level="warning", http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def upheld_serving(options: Sequence[str], serve: Sequence[str] = ()) -> Iterator[str]:
    """`upheld OPTIONS serve SERVE` in a process of its own on a free port, as it runs in
    production; yields its base address, and stops it at the end (it must not have crashed)."""
    port = free_port()
    command = [sys.executable, "-m", "upheld", *options, "serve", "--port", str(port), *serve]
    # A file, not a pipe: a server writing more than a pipe holds would stop until it was read.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    errors.seek(0)
                    raise AssertionError(f"the server stopped: {errors.read().decode()}")
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                try:
                    with urllib.request.urlopen(f"{base}/static/site.css", timeout=10):
                        break
                except OSError:
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)
        errors.seek(0)
        said = errors.read().decode()
    assert "Traceback" not in said, said
