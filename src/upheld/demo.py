"""The demo: synthetic records for every council, imported into a fresh database like real ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from upheld import db
from upheld.imports import FileResult, import_files
from upheld.kinds import KINDS
from upheld.register import Register
from upheld.synthetic import KINDS as DEMO_KINDS
from upheld.synthetic import DemoSpec, write_demo_files

Say = Callable[[str], None]


@dataclass
class Demo:
    """What was built: where, and what each import stored."""

    folder: Path
    database: Path
    files: dict[str, Path]
    imported: dict[str, FileResult] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The demo database's URL."""
        return f"sqlite:///{self.database}"


def build(folder: Path, register: Register, spec: DemoSpec = DemoSpec(), say: Say = print) -> Demo:
    """Write the synthetic files, then import them into a new DIR/upheld.db, in dependency order."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "upheld.db"
    for stale in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    say(f"Writing synthetic records (seed {spec.seed}, scale {spec.scale:g}) to {folder / 'data'}")
    files = write_demo_files(register, folder / "data", spec)
    demo = Demo(folder, database, files)
    engine = db.connect(demo.url)
    try:
        db.upgrade(engine)
        for kind in DEMO_KINDS:
            result = import_files(engine, KINDS[kind], [files[kind]], register)
            demo.imported[kind] = result.files[0]
            say(f"Imported {result.rows:,} {kind} rows")
    finally:
        engine.dispose()
    return demo
