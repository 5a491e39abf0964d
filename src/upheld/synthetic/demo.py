"""The demo: synthetic records for every council, imported into a fresh database like real ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from upheld.config import LETTER_OPTIONS, load_settings, load_year, year_path
from upheld.core.periods import ReviewYear
from upheld.ingest.imports import FileResult, import_files
from upheld.ingest.kinds import KINDS
from upheld.letters import versions
from upheld.letters.typeset import write_letters
from upheld.register import Register
from upheld.search import refresh_index
from upheld.store import engines, schema
from upheld.synthetic import KINDS as DEMO_KINDS
from upheld.synthetic import DemoSpec, write_demo_files

Say = Callable[[str], None]
DEMO_APPROVER = "the demo"
"""Who approves the demo's letters, so that its website shows them and `send` may send them."""


@dataclass
class Demo:
    """What was built: where, and what each import stored."""

    folder: Path
    database: Path
    files: dict[str, Path]
    imported: dict[str, FileResult] = field(default_factory=dict)
    letter_files: int = 0
    database_url: str | None = None
    """Another database than DIR/upheld.db, when one was given (an empty PostgreSQL one)."""

    @property
    def config(self) -> Path:
        """The demo's configuration folder."""
        return self.folder / "config"

    @property
    def letters(self) -> Path:
        """Where the demo's letters are written."""
        return self.folder / "letters"

    @property
    def url(self) -> str:
        """The demo database's URL."""
        return self.database_url or f"sqlite:///{self.database}"


def build(
    folder: Path,
    register: Register,
    spec: DemoSpec = DemoSpec(),
    say: Say = print,
    url: str | None = None,
) -> Demo:
    """Write the synthetic files, import them into a new DIR/upheld.db (or the empty database at
    url), write the latest letters."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "upheld.db"
    for stale in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    say(f"Writing synthetic records (seed {spec.seed}, scale {spec.scale:g}) to {folder / 'data'}")
    files = write_demo_files(register, folder / "data", spec)
    demo = Demo(folder, database, files, database_url=url)
    engine = engines.connect(demo.url)
    try:
        schema.upgrade(engine)
        for kind in DEMO_KINDS:
            result = import_files(engine, KINDS[kind], [files[kind]], register)
            demo.imported[kind] = result.files[0]
            say(f"Imported {result.rows:,} {kind} rows")
        with engines.writing(engine) as connection:
            indexed = refresh_index(connection)
        say(f"Indexed {indexed:,} decisions for the decision search")
        write_config(demo.config, spec.years)
        say(f"Wrote the demo's configuration to {demo.config}")
        latest = spec.last_year
        settings, config = load_settings(demo.config), load_year(demo.config, latest)
        codes = [c.code for c in register.in_year(latest)]
        run = write_letters(engine, register, settings, config, codes, demo.letters)
        with engines.writing(engine) as connection:
            versions.approve_drafts(connection, latest.start_year, codes, DEMO_APPROVER)
        say(
            f"Wrote {len(codes)} councils' {latest.label} letters (PDF and HTML) to "
            f"{demo.letters}, approved by {DEMO_APPROVER!r}"
        )
        demo.letter_files = len(run.written) + len(run.unchanged)
    finally:
        engine.dispose()
    return demo


SETTINGS = """\
# The demo's settings: a fictional organisation, and a mail server on this machine.
[organisation]
name = "Local Government Ombudsman"
short_name = "the Ombudsman"
address = ["PO Box 1234", "Example Town", "EX1 2MP"]
website = "https://ombudsman.example"
performance_url = "https://ombudsman.example/your-councils-performance"
phone = "0300 000 0000"
logo = "logo.png"

[smtp]
host = "localhost"
port = 8025
security = "none"
sender = "annual.review@ombudsman.example"
sender_name = "Local Government Ombudsman"

[web]
base_url = "http://127.0.0.1:8000"
# Signs preview links. A real deployment sets its own secret, e.g. in $UPHELD_SECRET_KEY.
secret_key = "demo-only-secret-do-not-use-in-production"
"""

YEAR = """\
# The demo's {label} letters (see docs/configuration.md).
[letter]
date = {letter_date}
signatory = "Alex Example"
signatory_title = "Local Government Ombudsman"
signature = "signature.png"
{options}
show_intervals = true

[publication]
date = {publication_date}
time = 10:00:00

[narrative]
opening = \"\"\"
I am writing with **{{council}}**'s annual review for {{year}}. This letter sets out our statistics
for the period {{period}} and what they tell us about how the council handles complaints.

Our role is to put things right for people when councils get things wrong, and to help councils
learn from the complaints we see, so that fewer people need to complain.
\"\"\"
closing = \"\"\"
# Sharing this letter

I hope this letter is a useful reflection on the council's complaint handling over the year. Please
share it with the leader of the council and the chair of the appropriate scrutiny committee.

This letter is part of a demonstration: every figure in it comes from synthetic data.
\"\"\"
"""


def write_config(folder: Path, years: list[ReviewYear]) -> None:
    """The demo's configuration: settings, and one file per year (letters each July)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "upheld.toml").write_text(SETTINGS, encoding="utf-8")
    for image in ("logo.png", "signature.png"):
        # The demo's own drawings: a roundel for the letterhead, a line for the signature.
        picture = resources.files("upheld") / "data" / "demo" / image
        (folder / image).write_bytes(picture.read_bytes())
    for year in years:
        text = YEAR.format(
            options="\n".join(f"{option} = true" for option in LETTER_OPTIONS),
            label=year.label,
            letter_date=date(year.start_year + 1, 7, 16).isoformat(),
            publication_date=date(year.start_year + 1, 7, 23).isoformat(),
        )
        year_path(folder, year).write_text(text, encoding="utf-8")
