"""A throwaway PostgreSQL server for benchmarks, like the one CI starts for the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 54339


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return found[-1] if found else None


def _as_postgres(*command: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, stdout=subprocess.DEVNULL)


@contextmanager
def server() -> Iterator[str | None]:
    """A PostgreSQL URL: $UPHELD_BENCH_POSTGRES, else a fresh local server, else None."""
    given = os.environ.get("UPHELD_BENCH_POSTGRES")
    if given:
        yield given
        return
    binaries = _binaries()
    if binaries is None or shutil.which("runuser") is None:
        yield None
        return
    data = Path(tempfile.mkdtemp(prefix="upheld-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    _as_postgres(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
        "-E",
        "UTF8",
    )
    options = f"-c listen_addresses=127.0.0.1 -p {PORT} -k {data} -c fsync=off"
    _as_postgres(
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(data / "log"),
        "-w",
        "-o",
        options,
        "start",
    )
    try:
        _as_postgres(
            str(binaries / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(PORT),
            "-U",
            "postgres",
            "upheld_bench",
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{PORT}/upheld_bench"
    finally:
        _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(data, ignore_errors=True)
