"""docs/production.md works as written: its shell commands run, in order, against a PostgreSQL
server of the test's own, and the few that serve until stopped are run by the tests it names."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import POSTGRES_URL, write_csv
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.store import engines
from upheld.synthetic import demo

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
SERVE = "upheld --db postgresql://upheld_web@/upheld serve --host 127.0.0.1 --port 8000 --workers 4"
VARNISH = "varnishd -a 127.0.0.1:6081 -f /etc/varnish/upheld.vcl -s malloc,256m"
ELSEWHERE = {
    SERVE: ("tests/test_readonly.py", "test_the_server_runs_as_the_role"),
    VARNISH: (
        "tests/test_caching.py",
        "test_a_reverse_proxy_carries_the_site_and_follows_imports_and_publication",
    ),
}
"""Commands that serve until stopped, and the test that runs each (on a free port)."""
BURY = "E08000002"


def blocks(language: str) -> list[str]:
    """The guide's fenced blocks in one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", GUIDE, flags=re.M | re.S)


def commands() -> list[str]:
    """Every command of the guide's `sh` blocks, in order, a continued line joined to its start."""
    found = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                found.append(line.strip())
    return found


def server_programs() -> Path | None:
    """Where PostgreSQL's own programs are (initdb, pg_ctl, pg_dump), if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: the postgres user runs it, as CI does.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL server, with nothing in it: the guide creates roles and databases
    by their names, which must not touch any other server. Yields the libpq settings for it."""
    if not POSTGRES_URL:
        pytest.skip("set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run")
    programs = server_programs()
    if programs is None:
        pytest.skip("needs PostgreSQL's server programs (initdb, pg_ctl)")
    from tests.servers import free_port

    # Not under pytest's own temporary folder, which the postgres user may not enter.
    data = Path(tempfile.mkdtemp(prefix="upheld-guide-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = str(free_port())

    def run(*command: str) -> None:
        program = [str(programs / command[0]), *command[1:]]
        done = subprocess.run(as_server_user(program), cwd="/", capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr

    run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
    options = f"-c listen_addresses='' -p {port} -k {data} -c fsync=off"
    run("pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w", "-o", options, "start")
    try:
        yield {"PGHOST": str(data), "PGPORT": port, "PGUSER": "postgres", "programs": str(programs)}
    finally:
        run("pg_ctl", "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(data, ignore_errors=True)


def test_every_command_is_run_here_or_by_the_test_named(server: dict[str, str]) -> None:
    for command, (module, name) in ELSEWHERE.items():
        assert command in commands(), f"{command!r} is no longer in the guide"
        assert f"def {name}(" in (ROOT / module).read_text(encoding="utf-8"), (module, name)


def test_the_guide_runs_as_written(server: dict[str, str], tmp_path: Path) -> None:
    # What the guide's commands name: the configuration folder and a cases file.
    config = tmp_path / "etc-upheld"
    demo.write_config(config, [ReviewYear(2024)])
    header = ["reference", "authority", "received", "category", "decided", "outcome", "summary"]
    rows = [
        [f"24-{n}", BURY, "2024-05-01", "Housing", "2024-09-01", "upheld", "Put right."]
        for n in range(3)
    ]
    write_csv(tmp_path / "cases-2024-25.csv", header, rows)
    lines = ["set -euo pipefail -x"]
    for command in commands():
        if command in ELSEWHERE:
            lines.append(f": run by {'::'.join(ELSEWHERE[command])}")
        else:
            lines.append(command.replace("/etc/upheld", str(config)))
    environment = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(Path(sys.executable).parent), server["programs"], os.environ["PATH"]]
        ),
        **{name: server[name] for name in ("PGHOST", "PGPORT", "PGUSER")},
    }
    for name in ("UPHELD_DB", "UPHELD_CONFIG", "UPHELD_READONLY_PASSWORD", "PGDATABASE"):
        environment.pop(name, None)
    done = subprocess.run(
        ["bash", "-c", "\n".join(lines)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "Traceback" not in said
    # The shell's own trace (lines "+ ...") shows the guide's commands; nothing else shows it.
    output = [line for line in said.splitlines() if not line.startswith("+")]
    assert not [line for line in output if "choose a long secret" in line]
    assert "is up to date" in said  # `upheld init` on the restored copy, and on the upgrade
    assert (tmp_path / "upheld.dump").stat().st_size > 0

    socket = f"host={server['PGHOST']}&port={server['PGPORT']}"
    for database in ("upheld", "upheld_restored"):
        # The website's role reads the original and the restored copy, and cannot write to them.
        engine = engines.connect(f"postgresql+psycopg://upheld_web@/{database}?{socket}")
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM cases")).scalar() == 3
                privileges = connection.execute(
                    text("SELECT has_table_privilege('cases', 'INSERT')")
                ).scalar()
                assert privileges is False
        finally:
            engine.dispose()


def test_the_unit_and_the_proxy_serve_what_the_guide_serves() -> None:
    (unit,) = blocks("ini")
    start = re.search(r"^ExecStart=(\S+) (.*)$", unit, flags=re.M)
    assert start is not None
    assert Path(start.group(1)).name == "upheld"
    assert f"upheld {start.group(2)}" == SERVE
    # The command line is one `upheld serve` accepts: parsed here, without serving.
    arguments = shlex.split(SERVE)[1:]
    at = arguments.index("serve")
    with cli.make_context("upheld", [*arguments[: at + 1]]) as context:
        serve = cli.get_command(context, "serve")
        assert serve is not None
        with serve.make_context("serve", arguments[at + 1 :], parent=context) as serving:
            given = {name: serving.params[name] for name in ("host", "port", "workers")}
            assert given == {"host": "127.0.0.1", "port": 8000, "workers": 4}
    (proxy,) = blocks("nginx")
    assert "proxy_pass http://127.0.0.1:8000;" in proxy


def test_the_guide_is_linked() -> None:
    assert "docs/production.md" in (ROOT / "README.md").read_text(encoding="utf-8")
