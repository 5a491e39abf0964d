"""Sending the annual review letters by email, embargoed, with a log of every attempt.

Each council's newest archived PDF letter goes to its chief executive, copied to the link officer
and the monitoring officer where we have their addresses. Every attempt is written to the
`deliveries` table as it happens, so a run that is stopped part way can be run again: a letter
that was sent is never sent a second time.
"""

from __future__ import annotations

import smtplib
import ssl
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from typing import Literal

from sqlalchemy import Connection, Engine, select

from upheld.config import Settings, Smtp, YearConfig
from upheld.core.periods import ReviewYear
from upheld.core.wording import and_list, long_date
from upheld.errors import ConfigError, UpheldError
from upheld.letters import archive, versions
from upheld.letters.content import (
    Addressed,
    Contacts,
    addressed,
    addressees,
    chief_email,
    chief_executives_of,
    missing_email,
    other_councils,
)
from upheld.letters.typeset import file_name
from upheld.register import Council, Register
from upheld.store import engines, schema
from upheld.store.queries import all_contacts

Status = Literal[
    "sent",
    "would_send",
    "already_sent",
    "corrected",
    "not_approved",
    "uncertain",
    "no_address",
    "no_letter",
    "failed",
]
"""What happened to one council's letter in a run."""

PROBLEMS: frozenset[Status] = frozenset(
    {"corrected", "not_approved", "uncertain", "no_address", "no_letter", "failed"}
)
"""The outcomes that leave a council without its current letter, or without knowing whether it
has it."""

COPIED_ROLES = {"link_officer": "link officer", "monitoring_officer": "monitoring officer"}
"""The officers copied in on the letter, in the order they are listed."""


@dataclass(frozen=True)
class Recipient:
    """One person a letter is emailed to."""

    role: str
    name: str
    email: str
    council: str = ""
    """The council whose officer they are, when a letter goes to several."""

    @property
    def address(self) -> Address:
        """The name and address as they appear in the To or Cc header."""
        user, _, domain = self.email.rpartition("@")
        return Address(display_name=self.name, username=user, domain=domain)


def recipients(contacts: Contacts) -> list[Recipient]:
    """The chief executive, then the officers copied in; none without the chief's address."""
    if not chief_email(contacts):
        return []
    found: list[Recipient] = []
    seen: set[str] = set()
    for role in ("chief_executive", *COPIED_ROLES):
        person = contacts.get(role) or {}
        email = (person.get("email") or "").strip()
        # One officer can hold two roles; they should still get one copy.
        if email and email.casefold() not in seen:
            seen.add(email.casefold())
            found.append(Recipient(role, str(person.get("name") or ""), email))
    return found


def letter_recipients(to: Addressed) -> list[Recipient]:
    """Everyone a letter is emailed to: the chief executive of each council it goes to, then the
    officers copied in; none unless every one of those chief executives has an address."""
    each = [recipients(contacts) for _council, contacts in to]
    if not all(each):
        return []
    if len(to) > 1:
        each = [
            [replace(p, council=c.name) for p in people]
            for (c, _), people in zip(to, each, strict=True)
        ]
    everyone = [p for people in each for p in people]
    ordered = [p for p in everyone if p.role == "chief_executive"]
    ordered += [p for p in everyone if p.role != "chief_executive"]
    # One officer can serve two councils that took over from the same one: one copy still.
    found: dict[str, Recipient] = {}
    for person in ordered:
        found.setdefault(person.email.casefold(), person)
    return list(found.values())


@dataclass(frozen=True)
class Replacing:
    """A corrected letter sent again: when the letter it replaces was sent, and why."""

    sent_at: datetime
    reason: str


def subject(council: Council, config: YearConfig, replacing: Replacing | None = None) -> str:
    """The email's subject: the letter, the council and the embargo."""
    corrected = "Corrected: " if replacing else ""
    return (
        f"{corrected}Annual Review letter {config.year.start_year + 1}: {council.name} "
        f"(embargoed until {config.embargo})"
    )


def body(
    council: Council,
    to: Addressed,
    people: Sequence[Recipient],
    settings: Settings,
    config: YearConfig,
    replacing: Replacing | None = None,
    register: Register | None = None,
) -> str:
    """The covering note: what is attached, the embargo, who else has it, and who sends it.
    `to` is the councils it goes to: the council itself, or those that took over from it."""
    greeting = addressees(to)
    others = other_councils(council, [c for c, _contacts in to], register or Register([council]))
    year = config.year
    paragraphs = [str(greeting["salutation"])]
    if replacing is not None:
        paragraphs.append(
            "This corrected letter replaces the letter we sent you on "
            f"{long_date(replacing.sent_at.date())}: {replacing.reason.rstrip('.')}. Please use "
            "this one and disregard the earlier letter."
        )
    paragraphs += [
        f"Please find attached our annual review letter for {council.name} for {year.label}, "
        f"the period {year.period}. It sets out the complaints and enquiries we received about "
        "the council, the decisions we made, and how the council compares with similar "
        "authorities.",
        *(
            [
                f"{council.name} has been abolished, so we are sending its letter to you as "
                f"{chief_executives_of([c.name for c in others])}, which took over its "
                "responsibilities."
            ]
            if others
            else []
        ),
        f"EMBARGO: the letter and its figures are embargoed until {config.embargo}, when we "
        f"will publish them on our website at {settings.organisation.performance_url}. Until "
        "then, please do not share the letter, or the figures in it, outside the council.",
    ]
    copied = [
        f"{p.name} ({COPIED_ROLES[p.role]}{f', {p.council}' if p.council else ''})"
        for p in people
        if p.role in COPIED_ROLES
    ]
    if copied:
        paragraphs.append(f"We have sent a copy of this email to {and_list(copied)}.")
    paragraphs.append("Yours sincerely" if greeting["known"] else "Yours faithfully")
    wrapped = [
        textwrap.fill(p, width=72, break_long_words=False, break_on_hyphens=False)
        for p in paragraphs
    ]
    signature = [config.signatory, config.signatory_title, settings.organisation.name]
    return "\n\n".join(wrapped) + "\n\n" + "\n".join(signature) + "\n"


def build_message(
    council: Council,
    to: Addressed,
    pdf: bytes,
    settings: Settings,
    config: YearConfig,
    *,
    now: datetime | None = None,
    replacing: Replacing | None = None,
    register: Register | None = None,
) -> EmailMessage:
    """One council's email: the covering note with its PDF letter attached, to the chief
    executive of each council it goes to."""
    people = letter_recipients(to)
    if not people:
        raise UpheldError(
            f"{council}: {missing_email(council, to, register or Register([council]))}"
        )
    smtp = settings.smtp
    sender_user, _, sender_domain = smtp.sender.rpartition("@")
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = Address(
        display_name=smtp.sender_name, username=sender_user, domain=sender_domain
    )
    chiefs = [p for p in people if p.role == "chief_executive"]
    copied = [p for p in people if p.role != "chief_executive"]
    message["To"] = [p.address for p in chiefs]
    if copied:
        message["Cc"] = [p.address for p in copied]
    message["Subject"] = subject(council, config, replacing)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    # Kept short so the header is not folded: some mail tools misread a folded Message-ID.
    message["Message-ID"] = make_msgid(domain=sender_domain or None)
    message.set_content(body(council, to, people, settings, config, replacing, register))
    message.add_attachment(
        pdf,
        maintype="application",
        subtype="pdf",
        filename=file_name(council.code, config.year.label, "pdf"),
    )
    return message


@dataclass(frozen=True)
class Delivery:
    """What happened to one council's letter in a run, as reported and logged."""

    code: str
    council: str
    status: Status
    recipients: tuple[str, ...] = ()
    message_id: str | None = None
    detail: str | None = None
    """Why it failed, what the mail server refused, or a note on an earlier delivery."""
    refused: tuple[str, ...] = ()
    """Addresses the mail server refused when it accepted the others."""
    at: datetime | None = None
    subject: str | None = None
    attachment: str | None = None
    """The attached letter: its file name and size."""

    @property
    def problem(self) -> bool:
        """Whether someone still has to act for this council's letter to arrive."""
        return self.status in PROBLEMS or bool(self.refused)


@dataclass
class SendReport:
    """What `upheld send` did, council by council."""

    year: ReviewYear
    dry_run: bool
    deliveries: list[Delivery] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many councils' letters ended the run with this status."""
        return sum(1 for d in self.deliveries if d.status == status)

    @property
    def problems(self) -> list[Delivery]:
        """The councils whose letter did not reach everyone it should have."""
        return [d for d in self.deliveries if d.problem]


Progress = Callable[[Delivery], None]
"""Called as each council's letter is dealt with."""


def connect(smtp: Smtp) -> smtplib.SMTP:
    """An open connection to the mail server, secured and logged in as configured."""
    where = f"the mail server at {smtp.host}:{smtp.port}"
    if smtp.user and smtp.password is None:
        raise ConfigError(
            f"[smtp] user is {smtp.user!r} but no password is set; set $UPHELD_SMTP_PASSWORD"
        )
    step = "connect to"
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        try:
            if smtp.security == "starttls":
                step = "start TLS with"
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                step = f"log in as {smtp.user} to"
                client.login(smtp.user, smtp.password or "")
        except BaseException:
            client.close()
            raise
    except smtplib.SMTPNotSupportedError:
        advice = (
            'set [smtp] security to "ssl" or "none"'
            if step == "start TLS with"
            else "leave [smtp] user unset"
        )
        raise UpheldError(f"cannot {step} {where}: it does not offer that; {advice}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise UpheldError(
            f"cannot {step} {where} (security {smtp.security}): {_reason(exc)}; check the [smtp] "
            "settings in upheld.toml and the $UPHELD_SMTP_* environment variables"
        ) from None
    return client


class _Connection:
    """The one connection a run sends through, reopened once if the server drops it."""

    def __init__(self, smtp: Smtp) -> None:
        self.smtp = smtp
        self.client: smtplib.SMTP | None = connect(smtp)
        self.lost: str | None = None

    def send(self, message: EmailMessage, to: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """Send a message; the addresses refused when the others were accepted."""
        if self.client is None:
            if self.lost is not None:
                raise UpheldError(f"not attempted: {self.lost}")
            try:
                self.client = connect(self.smtp)
            except UpheldError as exc:
                # Trying again for every council would wait out the timeout each time.
                self.lost = f"lost the connection and could not reconnect: {exc}"
                raise UpheldError(self.lost) from None
        try:
            return self.client.send_message(message, from_addr=self.smtp.sender, to_addrs=to)
        finally:
            if self.client.sock is None:
                self.client = None

    def close(self) -> None:
        """Say goodbye to the server, if it is still there."""
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                self.client.close()
            self.client = None


def send_letters(
    engine: Engine,
    register: Register,
    settings: Settings,
    config: YearConfig,
    codes: Sequence[str],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
    resend_reason: str | None = None,
) -> SendReport:
    """Email each council the newest version of its letter for the year, once it is approved,
    logging every attempt as it happens. A letter already sent is never sent again, unless a
    corrected version has been made since and `resend_reason` says why it goes again.

    Each entry in the delivery log is written as the database's one writer (`on_wait` is
    called if another command is writing and this one has to wait for it).
    """
    year = config.year
    # Named twice on the command line is still one letter to send.
    codes = list(dict.fromkeys(codes))
    with engine.connect() as connection:
        everyone = all_contacts(connection)
        earlier = _earlier_deliveries(connection, year)
        newest = versions.current(connection, year.start_year, codes)
    # An abolished council's letter goes to the council that took over from it.
    sent_to = {
        code: addressed(register[code], register, config.letter_date, everyone) for code in codes
    }
    reached = {code: letter_recipients(sent_to[code]) for code in codes}
    plans = {
        code: _plan(
            code,
            newest.get(code),
            earlier.get(code),
            config.require_approval,
            resend_reason,
            year,
            bool(reached[code]),
        )
        for code in codes
    }
    report = SendReport(year, dry_run)
    to_send = [code for code, plan in plans.items() if plan is None and reached[code]]
    # Connect before writing anything, so a wrong host or password leaves no trace in the log.
    mailer = _Connection(settings.smtp) if to_send and not dry_run else None
    try:
        for code in codes:
            council = register[code]
            people = reached[code]
            version = newest.get(code)
            planned = plans[code]
            if planned is not None:
                delivery = replace(planned, council=council.name)
            elif not people:
                delivery = Delivery(
                    code,
                    council.name,
                    "no_address",
                    detail=missing_email(council, sent_to[code], register),
                )
                if not dry_run:
                    delivery = _log(engine, year, delivery, on_wait)
            else:
                assert version is not None
                with engine.connect() as connection:
                    pdf = versions.content(connection, version.id, "pdf")
                if pdf is None:
                    delivery = Delivery(
                        code,
                        council.name,
                        "no_letter",
                        detail=f"version {version.number} was not written as a PDF; run "
                        f"`upheld letters --year {year.label} --format pdf --out DIR`",
                    )
                else:
                    sent_before = earlier.get(code)
                    replacing = (
                        Replacing(sent_before.at, resend_reason)
                        if sent_before is not None and resend_reason
                        else None
                    )
                    message = build_message(
                        council,
                        sent_to[code],
                        pdf,
                        settings,
                        config,
                        replacing=replacing,
                        register=register,
                    )
                    if mailer is not None:
                        delivery = _send(
                            engine,
                            mailer,
                            year,
                            council,
                            people,
                            message,
                            pdf,
                            on_wait,
                            version,
                            resend_reason if replacing else None,
                        )
                    else:
                        delivery = Delivery(
                            code,
                            council.name,
                            "would_send",
                            tuple(p.email for p in people),
                            str(message["Message-ID"]),
                        )
                    delivery = replace(
                        delivery,
                        subject=str(message["Subject"]),
                        attachment=f"{file_name(code, year.label, 'pdf')} "
                        f"({len(pdf) / 1024:,.0f} KB, version {version.number})",
                    )
            report.deliveries.append(delivery)
            if progress is not None:
                progress(delivery)
    finally:
        if mailer is not None:
            mailer.close()
    return report


def _plan(
    code: str,
    version: versions.Version | None,
    earlier: _Earlier | None,
    approval_required: bool,
    resend_reason: str | None,
    year: ReviewYear,
    addressed: bool,
) -> Delivery | None:
    """Why a council's letter is not to be sent in this run, or None if it is."""
    if version is None:
        detail = (
            f"no letter is archived for {year.label}; run "
            f"`upheld letters --year {year.label} --out DIR` first"
        )
        if not addressed:
            detail += "; there is no email address for the chief executive either"
        return Delivery(code, "", "no_letter", detail=detail)
    if earlier is not None and earlier.status == "sending":
        return _earlier(code, earlier)
    if earlier is not None:
        if earlier.letter_version == version.id or (
            earlier.letter_version is None and version.state == "sent"
        ):
            return _earlier(code, earlier)
        if not resend_reason:
            return Delivery(
                code,
                "",
                "corrected",
                _addresses(earlier.recipients),
                earlier.message_id,
                f"sent at {_when(earlier.at)}; version {version.number} has been made since "
                f'({version.state}): send it with --resend --reason "..."',
                at=earlier.at,
            )
    if approval_required and version.state == "draft":
        return Delivery(
            code,
            "",
            "not_approved",
            detail=f"version {version.number} is a draft: approve it with `upheld letters "
            "approve` first",
        )
    return None


def _send(
    engine: Engine,
    mailer: _Connection,
    year: ReviewYear,
    council: Council,
    people: Sequence[Recipient],
    message: EmailMessage,
    pdf: bytes,
    on_wait: Callable[[], None] | None,
    version: versions.Version,
    reason: str | None,
) -> Delivery:
    addresses = tuple(p.email for p in people)
    attempt = Delivery(council.code, council.name, "failed", addresses, str(message["Message-ID"]))
    # Recorded as "sending" before the message goes, so that if the run dies before the
    # outcome is written, the next run knows the letter may have gone and does not resend it.
    with engines.writing(engine, on_wait) as connection:
        row = connection.execute(
            schema.deliveries.insert()
            .values(
                authority=council.code,
                year=year.start_year,
                status="sending",
                recipients=", ".join(addresses),
                letter_sha256=archive.digest(pdf),
                message_id=attempt.message_id,
                at=datetime.now(UTC),
                letter_version=version.id,
                reason=reason,
            )
            .returning(schema.deliveries.c.id)
        ).scalar_one()
    try:
        refused = mailer.send(message, addresses)
    except (OSError, smtplib.SMTPException, UpheldError) as exc:
        reason = _reason(exc)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            reason = f"lost the connection to the mail server: {reason}"
        outcome = replace(attempt, detail=reason, at=datetime.now(UTC))
    else:
        detail: str | None = None
        if refused:
            detail = "refused " + "; ".join(
                f"{address}: {_reply(code, text)}" for address, (code, text) in refused.items()
            )
        outcome = replace(
            attempt,
            status="sent",
            recipients=tuple(a for a in addresses if a not in refused),
            detail=detail,
            refused=tuple(refused),
            at=datetime.now(UTC),
        )
    with engines.writing(engine, on_wait) as connection:
        connection.execute(
            schema.deliveries.update()
            .where(schema.deliveries.c.id == row)
            .values(
                status=outcome.status,
                recipients=", ".join(outcome.recipients),
                error=outcome.detail,
                at=outcome.at,
            )
        )
        if outcome.status == "sent":
            assert outcome.at is not None
            versions.mark_sent(connection, version.id, outcome.at)
    return outcome


def _log(
    engine: Engine, year: ReviewYear, delivery: Delivery, on_wait: Callable[[], None] | None
) -> Delivery:
    at = datetime.now(UTC)
    with engines.writing(engine, on_wait) as connection:
        connection.execute(
            schema.deliveries.insert().values(
                authority=delivery.code,
                year=year.start_year,
                status=delivery.status,
                recipients=", ".join(delivery.recipients) or None,
                error=delivery.detail,
                at=at,
            )
        )
    return replace(delivery, at=at)


@dataclass(frozen=True)
class _Earlier:
    status: str
    recipients: str
    message_id: str | None
    letter_sha256: str | None
    at: datetime
    letter_version: int | None


def _earlier_deliveries(connection: Connection, year: ReviewYear) -> dict[str, _Earlier]:
    """The councils whose letter for the year went, or may have gone, in an earlier run."""
    deliveries = schema.deliveries
    rows = connection.execute(
        select(deliveries)
        .where(
            deliveries.c.year == year.start_year,
            deliveries.c.status.in_(("sent", "sending")),
        )
        .order_by(deliveries.c.id)
    )
    found: dict[str, _Earlier] = {}
    for row in rows:
        # The newest delivery counts (a corrected letter sent again replaces the first), but a
        # letter known to have gone outranks a later one whose outcome was never written.
        kept = found.get(row.authority)
        if kept is None or row.status == "sent" or kept.status == "sending":
            found[row.authority] = _Earlier(
                row.status,
                row.recipients or "",
                row.message_id,
                row.letter_sha256,
                _utc(row.at),
                row.letter_version,
            )
    return found


def _earlier(code: str, earlier: _Earlier) -> Delivery:
    when = _when(earlier.at)
    if earlier.status == "sending":
        return Delivery(
            code,
            "",
            "uncertain",
            _addresses(earlier.recipients),
            earlier.message_id,
            f"may have been sent: a run stopped while sending it at {when} (Message-ID "
            f"{earlier.message_id}); check the mail server's log",
            at=earlier.at,
        )
    return Delivery(
        code,
        "",
        "already_sent",
        _addresses(earlier.recipients),
        earlier.message_id,
        f"sent at {when}",
        at=earlier.at,
    )


def _addresses(logged: str) -> tuple[str, ...]:
    return tuple(a for a in logged.split(", ") if a)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back times without their zone; they were written in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _when(moment: datetime) -> str:
    return _utc(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()


def _reason(exc: BaseException) -> str:
    """An SMTP or network failure in a line: the server's reply where there is one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "refused every recipient: " + "; ".join(
            f"{address}: {_reply(code, text)}" for address, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
