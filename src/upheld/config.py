"""Configuration: the organisation and mail settings, and one TOML file per review year.

The folder is `--config DIR`, else $UPHELD_CONFIG, else `./config`. It holds `upheld.toml`
(organisation, SMTP) and a file per review year, `2024-25.toml` (letter date, publication date and
time, signatory, narrative, options). Everything is checked on load, with errors that name the file,
the section and the key.
"""

from __future__ import annotations

import contextlib
import os
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from upheld.core.catalogue import CATALOGUE, Statistic
from upheld.core.groups import BUILT_IN, DEFAULT_NEAREST, PeerGroup, built_in, custom
from upheld.core.judgement import MINIMUM_BASE
from upheld.core.periods import ReviewYear
from upheld.core.publication import DEFAULT_DELAY_MONTHS, TIMEZONE
from upheld.core.stats import AVERAGE_METHODS, AverageMethod
from upheld.core.wording import long_date
from upheld.errors import ConfigError

LETTER_OPTIONS = {s.option: s.key for s in CATALOGUE if s.in_letters == "optional"}
"""[letter] keys that show an optional statistic in the letters, each `show_<key>`."""
DEFAULT_FOLDER = Path("config")
ENVIRONMENT_VARIABLE = "UPHELD_CONFIG"
SECURITY = ("starttls", "ssl", "none")

PLACEHOLDERS = {
    "council": "the council's official name",
    "council_short": "the council's short name",
    "year": "the review year, e.g. 2024-25",
    "letter_year": "the year of the letter's title, e.g. 2025",
    "period": "the period in words, e.g. 1 April 2024 to 31 March 2025",
    "publication_date": "the publication date in words, e.g. 23 July 2025",
    "publication_time": "the publication time, e.g. 10:00",
    "organisation": "the organisation's name",
    "website": "the organisation's website",
    "signatory": "the signatory's name",
}
"""The placeholders narrative paragraphs may use, written {council}, {year}..."""

CITATION_PLACEHOLDERS = {
    "organisation": "the organisation's name",
    "title": "the website's title",
    "year": "the review year, e.g. 2024-25",
    "published": "the day the year's figures were published, e.g. 23 July 2025",
    "url": "the address of the website's downloads page",
}
"""The placeholders [organisation] citation may use."""


def config_folder(explicit: str | Path | None = None) -> Path:
    """The configuration folder: --config, else $UPHELD_CONFIG, else ./config."""
    return Path(explicit or os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_FOLDER)


@dataclass(frozen=True)
class Organisation:
    """Who writes the letters and publishes the figures."""

    name: str = "Local Government Ombudsman"
    short_name: str = "the Ombudsman"
    address: tuple[str, ...] = ()
    website: str = "https://ombudsman.example"
    performance_url: str = "https://ombudsman.example/your-councils-performance"
    phone: str = ""
    logo: str = ""
    """A PNG or JPEG file for the letterhead, relative to the configuration folder; read on load
    into the full path."""
    licence: str = "Open Government Licence v3.0"
    """The licence the open data downloads are published under, by name."""
    licence_url: str = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    citation: str = "{organisation}, {title}: data for {year}, published {published}. {url}"
    """How to cite a year's data; placeholders from CITATION_PLACEHOLDERS."""


@dataclass(frozen=True)
class Smtp:
    """Where letters are sent from. The password is best given in $UPHELD_SMTP_PASSWORD."""

    host: str = "localhost"
    port: int = 25
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "annual.review@localhost"
    sender_name: str = "Annual Review"
    timeout: float = 30.0


@dataclass(frozen=True)
class Web:
    """The public website. The secret key signs preview links: keep it out of version control."""

    title: str = "Your council's performance"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = field(default=None, repr=False)
    decision_delay_months: int = DEFAULT_DELAY_MONTHS
    preview_days: int = 14
    continuous_publication: bool = False
    """Publish decisions, improvements and reports as they fall due, even in a review year whose
    figures are not yet published (by default they wait for their year)."""
    concurrent_searches: int = 2
    """Decision searches worked on at once; more wait their turn, so pages stay quick."""
    cache_seconds: int = 60
    """How long a browser, proxy or CDN may keep a published page before asking again; never
    past the next moment something is published."""
    stale_seconds: int = 300
    """How long after that a cache may go on showing a page while it fetches it again."""
    search_cache_seconds: int = 30
    """How long a cache may keep the answer to a decision search."""
    purge: tuple[str, ...] = ()
    """Caches in front of the site (a reverse proxy or CDN) to empty after each change to the
    data: each address is sent a PURGE request."""


@dataclass(frozen=True)
class Statistics:
    """How councils are compared: small numbers, and the `nearest` peer group's size."""

    minimum_base: int = MINIMUM_BASE
    """A council with fewer cases than this behind a rate is "too few to compare"."""
    nearest: int = DEFAULT_NEAREST
    """How many councils of the same type, closest in population, make a `nearest` group."""


@dataclass(frozen=True)
class Check:
    """The release checks run before a year is published (`upheld check`)."""

    change_factor: float = 2.0
    """A council's key figure that rose or fell by more than this factor on the year before is
    listed for review."""


@dataclass(frozen=True)
class Settings:
    """The settings that apply to every year."""

    organisation: Organisation = Organisation()
    smtp: Smtp = Smtp()
    web: Web = Web()
    statistics: Statistics = Statistics()
    groups: Mapping[str, PeerGroup] = field(default_factory=dict)
    """The peer groups the organisation declares, by name, as `[groups.NAME]` sections."""
    check: Check = Check()

    def group(self, name: str) -> PeerGroup | None:
        """A peer group by name: one of upheld's own, or one declared in upheld.toml."""
        return built_in(name, self.statistics.nearest) or self.groups.get(name)

    @property
    def group_names(self) -> list[str]:
        """Every peer group that may be chosen."""
        return [*BUILT_IN, *self.groups]

    @property
    def group_labels(self) -> dict[str, str]:
        """Every peer group that may be chosen, by name, with its label."""
        chosen = (self.group(name) for name in self.group_names)
        return {group.name: group.label for group in chosen if group is not None}


PLACES = ("after_opening", "after_statistics", "before_closing")
"""Where a council's own paragraphs may go in its letter."""
COUNCIL_TEXT_FOLDER = "paragraphs"
"""The folder, inside the configuration folder, of each council's own paragraphs:
`paragraphs/2024-25/E08000002.md`."""
IMAGE_BYTES = 2 * 1024 * 1024
"""The largest logo or signature image a letter carries."""


@dataclass(frozen=True)
class Paragraphs:
    """The paragraphs a year's letters add for each council, as its data calls for them."""

    reports: bool = True
    """The public reports we issued about the council in the year."""
    compliance: bool = True
    """The cases in which the council did not comply, with the advice to scrutinise them."""
    improvements: bool = True
    """The service improvements the council agreed in the year, and any overdue."""
    predecessors: bool = True
    """For a council created by reorganisation, the councils it took over from."""
    own: str = "after_statistics"
    """Where a council's own hand-written paragraphs go: one of PLACES."""


@dataclass(frozen=True)
class YearConfig:
    """One review year's letters: dates, signatory, narrative and options."""

    year: ReviewYear
    letter_date: date
    publication_date: date
    publication_time: time
    signatory: str
    signatory_title: str
    opening: str
    closing: str
    shown: frozenset[str] = frozenset()
    """The optional statistics the letters show: those with `show_<key> = true` in [letter]."""
    average: AverageMethod = "mean"
    group: str = "type"
    """The peer group the letters compare each council with (see [groups] in upheld.toml)."""
    show_intervals: bool = False
    """Whether the letters give each rate's 95% interval."""
    require_approval: bool = True
    """Whether a letter must be approved before it is sent or shown on the website."""
    publication_time_set: bool = True
    """Whether [publication] time was given: without it, letters say the day alone."""
    signature: Path | None = None
    """A PNG or JPEG of the signatory's signature, placed above their name."""
    paragraphs: Paragraphs = Paragraphs()
    source: Path | None = None

    def shows(self, statistic: Statistic) -> bool:
        """Whether the year's letters show a statistic of the catalogue."""
        return statistic.in_letters == "always" or statistic.key in self.shown

    @property
    def published_at(self) -> datetime:
        """The moment the year's figures and letters become public (UK time)."""
        return datetime.combine(self.publication_date, self.publication_time, TIMEZONE)

    @property
    def embargo(self) -> str:
        """When the embargo ends, in words: "10:00 on 23 July 2025", or the day alone when no
        time is set (the year is public from the start of that day)."""
        day = long_date(self.publication_date)
        if not self.publication_time_set:
            return day
        return f"{self.publication_time.strftime('%H:%M')} on {day}"

    @property
    def council_texts(self) -> Path | None:
        """The folder of councils' own paragraphs for the year: `paragraphs/2024-25/`."""
        if self.source is None:
            return None
        return self.source.parent / COUNCIL_TEXT_FOLDER / self.year.label


_ADDRESS = re.compile(r"https?://[A-Za-z0-9\-._~:/\[\]@!$&'()*+,;=%]+")
"""The characters an address may hold as written (RFC 3986), without ?query or #fragment."""
WEB_ADDRESS_RULE = (
    "is not a web address: write it as https://… with a host, and no ?query or #fragment"
)
"""What a site's address must be, said where one is refused."""


def is_web_address(value: str) -> bool:
    """Whether text is a site's address, to which upheld adds paths: http(s), a host, and no
    ?query, #fragment, quote or space to break the addresses made from it."""
    try:
        parts = urlsplit(value)
        fine = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False
    return fine and not parts.query and not parts.fragment and bool(_ADDRESS.fullmatch(value))


def load_settings(folder: Path) -> Settings:
    """The organisation and SMTP settings: upheld.toml if present, then environment variables."""
    path = folder / "upheld.toml"
    data = _read_toml(path) if path.exists() else {}
    _only(path, "", data, {"organisation", "smtp", "web", "statistics", "groups", "check"})
    organisation = _section(path, data, "organisation", Organisation)
    citation = organisation.citation
    check_placeholders(path, "[organisation] citation", citation, CITATION_PLACEHOLDERS)
    if not organisation.licence_url.startswith(("https://", "http://")):
        raise ConfigError(f"{path}: [organisation] licence_url must be a web address (https://...)")
    if organisation.logo:
        logo = image_file(path, "organisation", "logo", folder / organisation.logo)
        organisation = replace(organisation, logo=str(logo))
    web_data = dict(data.get("web", {}))
    if os.environ.get("UPHELD_SECRET_KEY"):
        web_data["secret_key"] = os.environ["UPHELD_SECRET_KEY"]
    web = _section(path, {"web": web_data}, "web", Web)
    if web.decision_delay_months < 0:
        raise ConfigError(f"{path}: [web] decision_delay_months must not be negative")
    if not 1 <= web.concurrent_searches <= 64:
        raise ConfigError(f"{path}: [web] concurrent_searches must be from 1 to 64")
    for key in ("cache_seconds", "stale_seconds", "search_cache_seconds"):
        if not 0 <= getattr(web, key) <= 86_400:
            raise ConfigError(f"{path}: [web] {key} must be from 0 to 86400 (a day)")
    if not is_web_address(web.base_url):
        raise ConfigError(f"{path}: [web] base_url {web.base_url!r} {WEB_ADDRESS_RULE}")
    for address in web.purge:
        # Looser: a cache's address is only asked, never written into pages, and one upheld
        # cannot ask is said when it is asked, without stopping the command that changed data.
        if not address.startswith(("http://", "https://")):
            raise ConfigError(f"{path}: [web] purge must list web addresses, not {address!r}")
    smtp_data = dict(data.get("smtp", {}))
    for key in ("host", "port", "security", "user", "password", "sender", "sender_name"):
        value = os.environ.get(f"UPHELD_SMTP_{key.upper()}")
        if value and key == "port":
            if not value.isdigit():
                raise ConfigError(f"UPHELD_SMTP_PORT must be a port number, not {value!r}")
            smtp_data[key] = int(value)
        elif value:
            smtp_data[key] = value
    smtp = _section(path, {"smtp": smtp_data}, "smtp", Smtp)
    if smtp.security not in SECURITY:
        raise ConfigError(
            f"{path}: [smtp] security must be one of {', '.join(SECURITY)}, not {smtp.security!r}"
        )
    statistics = _section(path, data, "statistics", Statistics)
    if statistics.minimum_base < 1 or statistics.nearest < 2:
        raise ConfigError(
            f"{path}: [statistics] minimum_base must be at least 1 and nearest at least 2"
        )
    check = _section(path, data, "check", Check)
    if check.change_factor <= 1:
        raise ConfigError(f"{path}: [check] change_factor must be more than 1")
    return Settings(
        organisation, smtp, web, statistics, _groups(path, data.get("groups", {})), check
    )


def _groups(path: Path, declared: Any) -> dict[str, PeerGroup]:
    if not isinstance(declared, dict):
        raise ConfigError(f"{path}: groups must be [groups.NAME] sections")
    found = {}
    for name, table in declared.items():
        where = f"groups.{name}"
        if name in BUILT_IN or not name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(
                f"{path}: [{where}] needs another name: letters, digits, - and _, and not "
                f"{', '.join(BUILT_IN)}"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {where} must be a [{where}] section")
        _only(path, where, table, {"label", "members"})
        members = table.get("members")
        if (
            not isinstance(members, list)
            or not members
            or not all(isinstance(m, str) for m in members)
        ):
            raise ConfigError(f"{path}: [{where}] members must be a list of council codes")
        label = _get(path, where, table, "label", str, name.replace("_", " "))
        found[name] = custom(name, label, members)
    return found


def year_path(folder: Path, year: ReviewYear) -> Path:
    """Where a review year's configuration lives."""
    return folder / f"{year.label}.toml"


def load_year(folder: Path, year: ReviewYear) -> YearConfig:
    """A review year's configuration, checked: every required key there, every placeholder known."""
    path = year_path(folder, year)
    if not path.exists():
        raise ConfigError(
            f"no configuration for {year.label}: {path} is missing; "
            "see docs/configuration.md for an example"
        )
    data = _read_toml(path)
    _only(path, "", data, {"letter", "publication", "narrative", "paragraphs"})
    letter = _table(path, data, "letter")
    publication = _table(path, data, "publication")
    narrative = _table(path, data, "narrative")
    _only(
        path,
        "letter",
        letter,
        {
            "date",
            "signatory",
            "signatory_title",
            "average",
            "group",
            "show_intervals",
            "require_approval",
            "signature",
        }
        | set(LETTER_OPTIONS),
    )
    _only(path, "publication", publication, {"date", "time"})
    _only(path, "narrative", narrative, {"opening", "closing"})
    paragraphs = _section(path, data, "paragraphs", Paragraphs)
    if paragraphs.own not in PLACES:
        raise ConfigError(
            f"{path}: [paragraphs] own must be one of {', '.join(PLACES)}, not {paragraphs.own!r}"
        )
    signature = _get(path, "letter", letter, "signature", str, None)
    average = _get(path, "letter", letter, "average", str, "mean")
    if average not in AVERAGE_METHODS:
        raise ConfigError(f"{path}: [letter] average must be mean or pooled, not {average!r}")
    config = YearConfig(
        year=year,
        letter_date=_get(path, "letter", letter, "date", date),
        publication_date=_get(path, "publication", publication, "date", date),
        publication_time=_get(path, "publication", publication, "time", time, time(0, 0)),
        signatory=_get(path, "letter", letter, "signatory", str),
        signatory_title=_get(path, "letter", letter, "signatory_title", str),
        opening=_get(path, "narrative", narrative, "opening", str),
        closing=_get(path, "narrative", narrative, "closing", str),
        shown=frozenset(
            key
            for option, key in LETTER_OPTIONS.items()
            if _get(path, "letter", letter, option, bool, False)
        ),
        average=average,
        group=_get(path, "letter", letter, "group", str, "type"),
        show_intervals=_get(path, "letter", letter, "show_intervals", bool, False),
        require_approval=_get(path, "letter", letter, "require_approval", bool, True),
        publication_time_set="time" in publication,
        signature=(
            image_file(path, "letter", "signature", folder / signature) if signature else None
        ),
        paragraphs=paragraphs,
        source=path,
    )
    for key in ("opening", "closing"):
        check_placeholders(path, f"[narrative] {key}", getattr(config, key))
        if not config.publication_time_set and "{publication_time}" in getattr(config, key):
            raise ConfigError(
                f"{path}: [narrative] {key} uses {{publication_time}}, but [publication] time "
                "is not set; set the time, or leave the placeholder out"
            )
    if config.publication_date < config.letter_date:
        raise ConfigError(
            f"{path}: [publication] date {config.publication_date} is before the letter date "
            f"{config.letter_date}; letters go out before publication"
        )
    if config.letter_date <= year.end:
        raise ConfigError(
            f"{path}: [letter] date {config.letter_date} is inside the review year {year.label}; "
            "a letter reviews a year that has ended"
        )
    return config


def image_file(path: Path, section: str, key: str, image: Path) -> Path:
    """A logo or signature named in the configuration, checked: a PNG or JPEG file that exists
    and is small enough to go in every letter."""
    where = f"{path}: [{section}] {key}"
    try:
        with image.open("rb") as handle:
            head = handle.read(8)
            size = image.stat().st_size
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {image}: {exc.strerror or exc}") from None
    if image_type(head) is None:
        raise ConfigError(f"{where}: {image} is not a PNG or JPEG image")
    if size > IMAGE_BYTES:
        raise ConfigError(
            f"{where}: {image} is {size / 1024 / 1024:.1f} MiB; a letter's image may be at most "
            f"{IMAGE_BYTES // 1024 // 1024} MiB"
        )
    return image.resolve()


def image_type(head: bytes) -> str | None:
    """The media type of a PNG or JPEG from its first bytes, None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def check_placeholders(
    path: Path, where: str, text: str, allowed: Mapping[str, str] = PLACEHOLDERS
) -> None:
    """Refuse a narrative (or a citation) that names a placeholder upheld does not fill."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(
            f"{path}: {where}: {exc}; write a literal brace as {{{{ or }}}}"
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            known = ", ".join(f"{{{p}}}" for p in allowed)
            raise ConfigError(
                f"{path}: {where}: unknown placeholder {{{name}}}; use one of {known}"
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def _table(path: Path, data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name)
    if table is None:
        raise ConfigError(f"{path}: the [{name}] section is missing")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {name} must be a [{name}] section")
    return table


def _only(path: Path, section: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            where = f"[{section}] " if section else ""
            raise ConfigError(
                f"{path}: {where}unknown key {key!r}; expected {', '.join(sorted(allowed))}"
            )


_MISSING: Any = object()


def _get(
    path: Path, section: str, table: dict[str, Any], key: str, kind: type, default: Any = _MISSING
) -> Any:
    value = table.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise ConfigError(f"{path}: [{section}] {key} is missing")
        return default
    if kind is time and isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = time.fromisoformat(value)
    wanted = {date: "a date like 2025-07-16", time: "a time like 10:00:00", bool: "true or false"}
    wrong_number = kind is int and isinstance(value, bool)
    if (
        (kind is date and isinstance(value, datetime))
        or not isinstance(value, kind)
        or wrong_number
    ):
        raise ConfigError(
            f"{path}: [{section}] {key} must be {wanted.get(kind, kind.__name__)}, not {value!r}"
        )
    if isinstance(value, str) and not value.strip():
        raise ConfigError(f"{path}: [{section}] {key} is empty")
    return value


def _section(path: Path, data: dict[str, Any], name: str, kind: type[Any]) -> Any:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {name} must be a [{name}] section")
    known = {f.name: f for f in fields(kind)}
    _only(path, name, table, set(known))
    values = {}
    for key, value in table.items():
        default = getattr(kind(), key)
        expected = type(default) if default is not None else str
        if expected is tuple and isinstance(value, list):
            value = tuple(str(v) for v in value)
        elif expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        # TOML's true is a Python int too: a number must be written as a number.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: [{name}] {key} must be {expected.__name__}, not {value!r}")
        values[key] = value
    return kind(**values)
