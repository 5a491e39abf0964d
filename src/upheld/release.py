"""Release checks, run before a review year is published (`upheld check`).

Four checks, each a pure function of what was read for the year (`Review`):

- `figures`: every figure shown is worked out again from the counts it divides, in the
  statistics the website and downloads publish and in each council's letter as it was written;
- `totals`: the parts add up to their totals, for each council and for the nation;
- `letters`: every council that existed in the year has a letter, approved or sent, that still
  gives the figures the data gives now, and an email address for its chief executive;
- `changes`: a council's key figures that rose or fell by more than a factor on the year before,
  listed for review (warnings, not errors).

Figures are rounded and written only by the statistics catalogue (`Unit.present_ratio`,
`Unit.text`): a check never rounds on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import Connection

from upheld.config import Settings, YearConfig
from upheld.core import output
from upheld.core.catalogue import CATALOGUE, PERCENT, UPHOLD_RATE, Statistic
from upheld.core.figures import YearFigures
from upheld.core.groups import TYPE
from upheld.core.periods import ReviewYear
from upheld.core.stats import Counts
from upheld.core.uncertainty import (
    CONFIDENCE,
    beyond_chance,
    difference_interval,
    poisson_interval,
)
from upheld.core.vocabulary import COMPLIANCE_OUTCOMES, OUTCOMES, SERVICE_AREAS
from upheld.core.wording import NOT_AVAILABLE, plural
from upheld.errors import UsageError
from upheld.letters import versions
from upheld.letters.content import addressed, figures_record, missing_email
from upheld.register import Council, Register
from upheld.store.queries import all_contacts, year_figures

Level = Literal["error", "warning"]
CHECKS: dict[str, str] = {
    "figures": "Every figure agrees with the counts it comes from",
    "totals": "The parts add up to the totals",
    "letters": "Letters approved, up to date, with an email address",
    "changes": "Large changes on the year before, for review",
}
"""Each check by name, with what it makes sure of, in the order they run."""
READY = ("approved", "sent")
"""The states a letter may be published in."""
NATIONAL = "National figures"
"""How a finding about the national totals begins."""


@dataclass(frozen=True)
class Finding:
    """One thing a check found: an error stops publication, a warning is for review."""

    level: Level
    check: str
    code: str
    """A stable name for what was found, for machines: "percentage_mismatch"."""
    council: str | None
    """The council's GSS code; None for the national figures or the year as a whole."""
    message: str
    """What was found, in plain words, naming the council and the figure."""

    def as_dict(self) -> dict[str, str | None]:
        """The finding as JSON fields."""
        return {
            "level": self.level,
            "check": self.check,
            "code": self.code,
            "council": self.council,
            "message": self.message,
        }


@dataclass(frozen=True)
class Review:
    """What the checks read for one year: its figures from the data now, the statistics as they
    are published, each council's newest letter, and the contacts."""

    figures: YearFigures
    """The year's figures, compared as the year's letters compare them, with the year before."""
    published: Mapping[str, Any]
    """The statistics output for the councils checked (`core.output.statistics`)."""
    codes: tuple[str, ...]
    """The councils checked, in name order."""
    names: Mapping[str, str]
    letters: Mapping[str, versions.Version]
    """The newest version of each council's letter for the year."""
    unreachable: Mapping[str, str]
    """Why a council's letter cannot be emailed, where it cannot: no address for the chief
    executive of a council it goes to (its successors', once it has been abolished)."""
    shown: frozenset[str]
    """The statistics the year's letters give (the catalogue keys)."""
    approval_required: bool = True
    configuration: str | None = None
    """Why the year's configuration cannot be used, when it cannot (letters are then not
    compared with the data, since how they compare councils is not known)."""

    @property
    def year(self) -> ReviewYear:
        """The review year checked."""
        return self.figures.year

    def existed(self, code: str) -> bool:
        """Whether a council existed on 1 April of the year, so should have a letter."""
        council = self.figures.councils.get(code)
        return council is not None and council.exists_in(self.year)


@dataclass(frozen=True)
class Report:
    """Every check's findings for a year."""

    year: ReviewYear
    checks: tuple[str, ...]
    findings: tuple[Finding, ...]
    councils: int
    """How many councils were checked."""
    existed: int
    """How many of them existed on 1 April of the year (the others were abolished before it,
    and are checked for the cases decided about them in the year)."""

    @property
    def errors(self) -> int:
        """Findings that stop publication."""
        return sum(1 for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> int:
        """Findings for review."""
        return sum(1 for f in self.findings if f.level == "warning")

    @property
    def affected(self) -> int:
        """How many councils have a finding."""
        return len({f.council for f in self.findings if f.council is not None})

    def of(self, check: str) -> list[Finding]:
        """One check's findings."""
        return [f for f in self.findings if f.check == check]

    def summary(self) -> str:
        """The findings counted: "2 errors, 3 warnings in 4 councils"."""
        return (
            f"{plural(self.errors, 'error')}, {plural(self.warnings, 'warning')} in "
            f"{plural(self.affected, 'council')}"
        )

    def as_json(self) -> dict[str, Any]:
        """The report for machines: the year, the checks run, the findings and their counts."""
        return {
            "year": self.year.label,
            "checks": list(self.checks),
            "findings": [f.as_dict() for f in self.findings],
            "errors": self.errors,
            "warnings": self.warnings,
        }


def gather(
    connection: Connection,
    register: Register,
    settings: Settings,
    year: ReviewYear,
    codes: Sequence[str] | None,
    config: YearConfig | None,
    problem: str | None = None,
) -> Review:
    """Read what the checks need for a year: the councils named (else every council in the
    year's figures or with a letter), figures computed as the year's letters compute them, the
    letters and the contacts. `problem` says why there is no usable `config`, if so."""
    group = TYPE
    if config is not None:
        found = settings.group(config.group)
        if found is None:
            problem = (
                f"{config.source}: [letter] group {config.group!r} is not a peer group; choose "
                f"{', '.join(settings.group_names)}"
            )
            config = None
        else:
            group = found
    figures = year_figures(
        connection,
        register,
        year,
        config.average if config else "mean",
        group,
        settings.statistics.minimum_base,
        previous=True,  # the changes check looks at the year before, published or not
    )
    letters = versions.current(connection, year.start_year)
    contacts = all_contacts(connection)
    names = {code: council.name for code, council in figures.councils.items()}
    for code in letters:
        if code not in names:
            known = register.get(code)
            names[code] = known.name if known else code
    if codes is None:
        chosen = set(figures.councils) | set(letters)
        if _empty(figures.national) and not letters:
            raise UsageError(
                f"there are no case records and no letters for {year.label}: nothing to check"
            )
    else:
        chosen = set(codes)
        for code in codes:
            if code not in figures.councils and code not in letters:
                council = register[code]
                raise UsageError(
                    f"{council.name} did not exist in {year.label} and had no decisions that "
                    "year: nothing to check"
                )
    ordered = tuple(sorted(chosen, key=lambda code: (names[code].casefold(), code)))
    # Without the year's letter date, the day after the year: councils change on 1 April.
    day = config.letter_date if config else date(year.start_year + 1, 4, 1)
    unreachable = {}
    for code in ordered:
        about = register.get(code) or Council(code, names[code], "", "")
        why = missing_email(about, addressed(about, register, day, contacts), register)
        if why is not None:
            unreachable[code] = why
    published = output.statistics(figures, [c for c in ordered if c in figures.councils])
    return Review(
        figures=figures,
        published=published,
        codes=ordered,
        names=names,
        letters={code: letters[code] for code in ordered if code in letters},
        unreachable=unreachable,
        shown=frozenset(s.key for s in CATALOGUE if config is None or config.shows(s)),
        approval_required=config.require_approval if config else True,
        configuration=problem,
    )


def _empty(counts: Counts) -> bool:
    return counts.received == counts.decided == counts.compliance_outcomes == 0


def run(review: Review, factor: float) -> Report:
    """Run every check over a year, in order."""
    findings = [
        *check_figures(review),
        *check_totals(review),
        *check_letters(review),
        *check_changes(review, factor),
    ]
    existed = sum(1 for code in review.codes if review.existed(code))
    return Report(review.year, tuple(CHECKS), tuple(findings), len(review.codes), existed)


# --- figures ---------------------------------------------------------------------------------


def check_figures(review: Review) -> list[Finding]:
    """Every rate shown, worked out again from its counts: in the published statistics of each
    council and the nation, and in each council's letter as it was written."""
    rows = {row["code"]: row for row in review.published["authorities"]}
    found: list[Finding] = []
    for code in review.codes:
        name = review.names[code]
        row = rows.get(code)
        if row is not None:
            found += shown_statistics(name, code, row, review.figures.counts[code])
        letter = review.letters.get(code)
        if letter is not None:
            found += letter_statistics(name, letter)
    found += shown_statistics(NATIONAL, None, review.published["national"], review.figures.national)
    return found


def shown_statistics(
    name: str, code: str | None, row: Mapping[str, Any], counts: Counts
) -> list[Finding]:
    """A row of the published statistics checked against the counts it comes from: each
    statistic, its figure to one decimal place, and each service area's uphold rate."""
    found: list[Finding] = []
    for statistic in CATALOGUE:
        numerator = counts.count(statistic.numerator)
        denominator = counts.count(statistic.denominator)
        shown = row.get(statistic.key)
        expected = statistic.unit.present_ratio(numerator, denominator)
        if _differs(shown, expected):
            found.append(
                _mismatch(
                    name,
                    code,
                    f"the statistics give {_the(statistic)} as",
                    statistic,
                    numerator,
                    denominator,
                    _text(statistic, shown),
                    statistic.unit.text(expected),
                )
            )
        if statistic.exact_key is not None:
            shown = row.get(statistic.exact_key)
            precise = statistic.exact_ratio(numerator, denominator)
            if _differs(shown, precise):
                found.append(
                    _mismatch(
                        name,
                        code,
                        f"the statistics give {_the(statistic)} to one decimal place as",
                        statistic,
                        numerator,
                        denominator,
                        _one_decimal(shown),
                        _one_decimal(precise),
                    )
                )
    for area, fields in (row.get("by_category") or {}).items():
        pairs = (
            ("the ", "upheld", "investigated", "uphold_rate"),
            (
                "similar authorities' ",
                "similar_upheld",
                "similar_investigated",
                "similar_uphold_rate",
            ),
        )
        for whose, upheld, investigated, rate in pairs:
            numerator, denominator = fields.get(upheld), fields.get(investigated)
            if not isinstance(numerator, int) or not isinstance(denominator, int):
                continue  # no peer group: nothing shown
            expected = UPHOLD_RATE.unit.present_ratio(numerator, denominator)
            if _differs(fields.get(rate), expected):
                found.append(
                    _mismatch(
                        name,
                        code,
                        f"the statistics give {whose}uphold rate for {area} as",
                        UPHOLD_RATE,
                        numerator,
                        denominator,
                        _text(UPHOLD_RATE, fields.get(rate)),
                        UPHOLD_RATE.unit.text(expected),
                    )
                )
    return found


def letter_statistics(name: str, letter: versions.Version) -> list[Finding]:
    """The figures a letter gives, as kept with its version, checked against the counts kept
    with them."""
    found: list[Finding] = []
    for key, entry in (letter.figures.get("statistics") or {}).items():
        if key not in CATALOGUE or not isinstance(entry, Mapping):
            continue  # a statistic since retired: nothing to work it out by
        statistic = CATALOGUE[key]
        numerator, denominator = entry.get("numerator"), entry.get("denominator")
        if not isinstance(numerator, int) or not isinstance(denominator, int):
            continue
        expected = statistic.unit.present_ratio(numerator, denominator)
        if _differs(entry.get("value"), expected):
            found.append(
                _mismatch(
                    name,
                    letter.code,
                    f"{_letter(letter)} gives {_the(statistic)} as",
                    statistic,
                    numerator,
                    denominator,
                    _text(statistic, entry.get("value")),
                    statistic.unit.text(expected),
                )
            )
    return found


def _mismatch(
    name: str,
    code: str | None,
    where: str,
    statistic: Statistic,
    numerator: int,
    denominator: int,
    shown: str,
    expected: str,
) -> Finding:
    kind = "percentage" if statistic.unit is PERCENT else "rate"
    return Finding(
        "error",
        "figures",
        f"{kind}_mismatch",
        code,
        f"{name}: {where} '{_counted(statistic, numerator, denominator)} = {shown}'; "
        f"it should be {expected}",
    )


def _differs(shown: object, expected: int | float | None) -> bool:
    """Whether a figure shown is not the one its counts give, at the precision it is shown."""
    if shown is None or expected is None:
        return shown is not expected
    if isinstance(shown, bool) or not isinstance(shown, int | float):
        return True
    return shown != expected


def _text(statistic: Statistic, value: object) -> str:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return statistic.unit.text(value)
    return repr(value)


def _one_decimal(value: object) -> str:
    # A percentage already to one decimal place, written as `Statistic.text` writes it.
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.1f}%"
    return repr(value)


def _label(statistic: Statistic) -> str:
    """A statistic's name within a sentence: "uphold rate"."""
    return statistic.label[0].lower() + statistic.label[1:]


def _the(statistic: Statistic) -> str:
    """A statistic's name as a sentence's subject: "the uphold rate", "upheld per 100,000
    residents"."""
    return f"the {_label(statistic)}" if statistic.unit is PERCENT else _label(statistic)


def _counted(statistic: Statistic, numerator: int, denominator: int) -> str:
    """The counts behind a figure in a few words: "9 of 10", "40 for 190,990 residents"."""
    if statistic.unit is PERCENT:
        return f"{numerator:,} of {denominator:,}"
    return f"{numerator:,} for {plural(denominator, *statistic.denominator_noun)}"


def _letter(letter: versions.Version) -> str:
    return f"letter version {letter.number} ({letter.state})"


# --- totals ----------------------------------------------------------------------------------


def check_totals(review: Review) -> list[Finding]:
    """The parts add up to their totals: each council's, the nation's, and the councils' to the
    nation's; and a letter's counts agree with the counts its figures are worked out from."""
    rows = {row["code"]: row for row in review.published["authorities"]}
    found: list[Finding] = []
    for code in review.codes:
        name = review.names[code]
        row = rows.get(code)
        if row is not None:
            found += row_totals(name, code, row)
        letter = review.letters.get(code)
        if letter is not None:
            found += letter_totals(name, letter)
    found += row_totals(NATIONAL, None, review.published["national"])
    councils = [output.counts_fields(counts) for counts in review.figures.counts.values()]
    found += national_totals(councils, review.published["national"])
    return found


def row_totals(name: str, code: str | None, row: Mapping[str, Any]) -> list[Finding]:
    """One row of the published statistics: its breakdowns add up to its totals."""
    by_outcome = row.get("decided_by_outcome") or {}
    sums = [
        (
            "received_total",
            "complaints received by service area",
            sum((row.get("received_by_category") or {}).values()),
            row.get("received"),
            "received",
        ),
        (
            "decided_total",
            "decisions by outcome",
            sum(by_outcome.values()),
            row.get("decided"),
            "decided",
        ),
        (
            "decided_total",
            "decisions by outcome group (not for us, assessed and closed, investigated)",
            sum((row.get("decided_by_outcome_group") or {}).values()),
            row.get("decided"),
            "decided",
        ),
        (
            "investigated_total",
            "upheld and not upheld decisions",
            by_outcome.get("upheld", 0) + by_outcome.get("not_upheld", 0),
            row.get("investigated"),
            "detailed investigations",
        ),
        (
            "upheld_total",
            "decisions with the outcome upheld",
            by_outcome.get("upheld", 0),
            row.get("upheld"),
            "upheld",
        ),
        (
            "compliance_total",
            "compliance outcomes (complied, complied late, not complied)",
            sum(row.get(t.key) or 0 for t in COMPLIANCE_OUTCOMES),
            row.get("compliance_outcomes"),
            "compliance outcomes",
        ),
    ]
    areas = row.get("by_category") or {}
    if areas:
        for count, noun in (
            ("received", "received"),
            ("decided", "decided"),
            ("investigated", "detailed investigations"),
            ("upheld", "upheld"),
        ):
            sums.append(
                (
                    "area_total",
                    f"the service areas' {COUNT_NOUNS[count]}",
                    sum(a.get(count) or 0 for a in areas.values()),
                    row.get(count),
                    noun,
                )
            )
    return [
        Finding(
            "error",
            "totals",
            kind,
            code,
            f"{name}: {parts} add up to {got:,}, not the {_n(total)} {noun}",
        )
        for kind, parts, got, total, noun in sums
        if got != total
    ]


def _n(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


NATIONAL_COUNTS = {
    "received": "complaints received",
    "decided": "decisions",
    "investigated": "detailed investigations",
    "upheld": "upheld decisions",
    "satisfactory_remedies": "satisfactory remedies",
    "compliance_outcomes": "compliance outcomes",
}
"""The national counts that are the councils' added up, with how they read."""


def national_totals(
    councils: Iterable[Mapping[str, Any]], national: Mapping[str, Any]
) -> list[Finding]:
    """The councils' counts (every council in the year's figures) add up to the nation's."""
    rows = list(councils)
    checked: list[tuple[str, int, object]] = [
        (noun, sum(r.get(key) or 0 for r in rows), national.get(key))
        for key, noun in NATIONAL_COUNTS.items()
    ]
    for breakdown, terms, noun in (
        ("received_by_category", SERVICE_AREAS, "complaints received about {}"),
        ("decided_by_outcome", OUTCOMES, "decisions {}"),
    ):
        for term in terms:
            label = term.label if breakdown == "received_by_category" else f"'{term.label}'"
            checked.append(
                (
                    noun.format(label),
                    sum((r.get(breakdown) or {}).get(term.key, 0) for r in rows),
                    (national.get(breakdown) or {}).get(term.key),
                )
            )
    return [
        Finding(
            "error",
            "totals",
            "national_total",
            None,
            f"{NATIONAL}: the councils' {noun} add up to {got:,}, not the national {_n(total)}",
        )
        for noun, got, total in checked
        if got != total
    ]


def letter_totals(name: str, letter: versions.Version) -> list[Finding]:
    """A letter's counts (received, decided, investigated, upheld) agree with the counts its
    statistics are worked out from."""
    record = letter.figures
    found: list[Finding] = []
    for key, entry in (record.get("statistics") or {}).items():
        if key not in CATALOGUE or not isinstance(entry, Mapping):
            continue
        statistic = CATALOGUE[key]
        for part, count, noun in (
            ("numerator", statistic.numerator, statistic.numerator_noun),
            ("denominator", statistic.denominator, statistic.denominator_noun),
        ):
            given = record.get(count)
            used = entry.get(part)
            if isinstance(given, int) and isinstance(used, int) and given != used:
                found.append(
                    Finding(
                        "error",
                        "totals",
                        "letter_total",
                        letter.code,
                        f"{name}: {_letter(letter)} gives {plural(given, *noun)}, but works out "
                        f"its {_label(statistic)} from {used:,}",
                    )
                )
    return found


# --- letters ---------------------------------------------------------------------------------


def check_letters(review: Review) -> list[Finding]:
    """Every council that existed in the year has a letter ready to publish (approved or sent),
    an email address for its chief executive, and a letter that still gives the figures the data
    gives now."""
    found: list[Finding] = []
    label = review.year.label
    if review.configuration is not None:
        found.append(
            Finding(
                "error",
                "letters",
                "no_configuration",
                None,
                f"The letters for {label} cannot be checked against the data: "
                f"{review.configuration}",
            )
        )
    for code in review.codes:
        name = review.names[code]
        letter = review.letters.get(code)
        expected = review.existed(code)
        if letter is None:
            if expected:
                found.append(
                    Finding(
                        "error",
                        "letters",
                        "no_letter",
                        code,
                        f"{name}: no letter has been written for {label}",
                    )
                )
        elif letter.state not in READY and (review.approval_required or letter.state != "draft"):
            said = "still a draft" if letter.state == "draft" else letter.state
            found.append(
                Finding(
                    "error",
                    "letters",
                    "not_approved",
                    code,
                    f"{name}: the newest letter (version {letter.number}) is {said}, not approved",
                )
            )
        if expected and code in review.unreachable:
            found.append(
                Finding("error", "letters", "no_email", code, f"{name}: {review.unreachable[code]}")
            )
        if letter is not None and not letter.figures:
            # Letters archived before versions were kept have no figures to compare; written
            # again, they become a new version that has them.
            found.append(
                Finding(
                    "error",
                    "letters",
                    "letter_figures_unknown",
                    code,
                    f"{name}: {_letter(letter)} was written before letters kept their figures, "
                    "so it cannot be compared with the data",
                )
            )
        elif letter is not None and review.configuration is None:
            changed = changed_figures(review, code, letter)
            if changed:
                found.append(
                    Finding(
                        "error",
                        "letters",
                        "letter_out_of_date",
                        code,
                        f"{name}: {_letter(letter)} no longer matches the data: "
                        + "; ".join(changed),
                    )
                )
    return found


COUNT_NOUNS = {
    "received": "complaints received",
    "decided": "decisions",
    "investigated": "detailed investigations",
    "upheld": "upheld decisions",
}
"""The counts a letter gives, with how they read."""


def changed_figures(review: Review, code: str, letter: versions.Version) -> list[str]:
    """Each figure a letter gives that the data now gives otherwise, as "before → now"; only
    the figures the year's letters show (a figure they do not show cannot make a letter out of
    date)."""
    if code not in review.figures.counts:
        return [f"there are no figures for {review.year.label} now"]
    now = figures_record(review.figures, code)
    before = letter.figures
    changed: list[str] = []
    for key, noun in COUNT_NOUNS.items():
        if key in before and before[key] != now[key]:
            changed.append(f"{noun} {_n(before[key])} → {_n(now[key])}")
    for statistic in CATALOGUE:
        if statistic.key not in review.shown:
            continue
        was = (before.get("statistics") or {}).get(statistic.key)
        if not isinstance(was, Mapping):
            continue
        new = now["statistics"][statistic.key]
        label = _label(statistic)
        if any(was.get(part) != new[part] for part in ("value", "numerator", "denominator")):
            changed.append(f"{label} {_figure(statistic, was)} → {_figure(statistic, new)}")
        if was.get("similar") != new["similar"]:
            changed.append(
                f"similar authorities' {label} {_text(statistic, was.get('similar'))} → "
                f"{_text(statistic, new['similar'])}"
            )
    return changed


def _figure(statistic: Statistic, entry: Mapping[str, Any]) -> str:
    """A figure with its counts: "50% (11 of 22)"."""
    numerator, denominator = entry.get("numerator"), entry.get("denominator")
    shown = _text(statistic, entry.get("value"))
    if isinstance(numerator, int) and isinstance(denominator, int):
        return f"{shown} ({_counted(statistic, numerator, denominator)})"
    return shown


# --- changes ---------------------------------------------------------------------------------


def check_changes(review: Review, factor: float) -> list[Finding]:
    """Each council's key figures that rose or fell by more than `factor` on the year before:
    its complaints received and decided, and every statistic. Only changes the statistics would
    call more than chance are listed: neither year rests on too few cases (`[statistics]
    minimum_base`), and the change's 95% interval leaves out no change at all."""
    figures = review.figures
    rows = {row["code"]: row for row in review.published["authorities"]}
    before_label = review.year.previous().label
    limit = Fraction(factor).limit_denominator(1000)
    found: list[Finding] = []
    for code in review.codes:
        before = figures.previous.get(code)
        row = rows.get(code)
        if before is None or row is None or not review.existed(code):
            continue
        now = figures.counts[code]
        name = review.names[code]
        for noun, was, is_ in (
            ("complaints received", before.received, now.received),
            ("decisions", before.decided, now.decided),
        ):
            if _beyond(Fraction(was), Fraction(is_), limit) and count_changed(
                was, is_, figures.minimum_base
            ):
                found.append(
                    _change(
                        name, code, noun, f"{was:,}", f"{is_:,}", before_label, is_ > was, factor
                    )
                )
        for statistic in CATALOGUE:
            # The change as the statistics output gives it, judged by the methodology's rules.
            change = row.get(f"{statistic.key}_change")
            if not change or not change["beyond_chance"]:
                continue
            was_rate, now_rate = before.rate(statistic.key).value, now.rate(statistic.key).value
            if was_rate is None or now_rate is None or not _beyond(was_rate, now_rate, limit):
                continue
            found.append(
                _change(
                    name,
                    code,
                    _the(statistic),
                    _with_counts(statistic, before),
                    _with_counts(statistic, now),
                    before_label,
                    now_rate > was_rate,
                    factor,
                )
            )
    return found


def count_changed(was: int, now: int, minimum_base: int) -> bool:
    """Whether a count changed by more than chance would explain, judged as upheld per 100,000
    is (a count of events): at least `minimum_base` counted in the two years together, and the
    interval for the difference, from the two exact Poisson intervals, leaving out 0."""
    if was + now < minimum_base:
        return False
    first = (float(was), *poisson_interval(was, CONFIDENCE))
    second = (float(now), *poisson_interval(now, CONFIDENCE))
    return beyond_chance(difference_interval(first, second))


def _beyond(was: Fraction, now: Fraction, limit: Fraction) -> bool:
    """Whether a figure moved by more than a factor either way (from or to nothing counts)."""
    if was == now:
        return False
    if was == 0 or now == 0:
        return True
    return now / was > limit or was / now > limit


def _with_counts(statistic: Statistic, counts: Counts) -> str:
    numerator = counts.count(statistic.numerator)
    denominator = counts.count(statistic.denominator)
    shown = statistic.unit.text(statistic.unit.present_ratio(numerator, denominator))
    if statistic.unit is PERCENT:
        return f"{shown} ({numerator:,} of {denominator:,})"
    return f"{shown} ({plural(numerator, *statistic.numerator_noun)})"


def _change(
    name: str,
    code: str,
    what: str,
    was: str,
    now: str,
    before_label: str,
    rose: bool,
    factor: float,
) -> Finding:
    if rose:
        how = "twice" if factor == 2 else f"{factor:g} times"
        said = f"rose from {was} in {before_label} to {now}, more than {how} the year before"
    else:
        part = "half" if factor == 2 else f"1/{factor:g} of"
        said = f"fell from {was} in {before_label} to {now}, less than {part} the year before"
    return Finding("warning", "changes", "large_change", code, f"{name}: {what} {said}")
