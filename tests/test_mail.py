"""Sending letters, checked at a real SMTP server on loopback: who gets what, and the log."""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.cli import cli
from upheld.config import Organisation, Settings, Smtp, YearConfig, load_settings, load_year
from upheld.core.periods import ReviewYear
from upheld.core.wording import long_date
from upheld.errors import ConfigError, UpheldError
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.letters import archive, versions
from upheld.letters.mail import Delivery, build_message, recipients, send_letters
from upheld.letters.typeset import write_letters
from upheld.register import Council, Register
from upheld.store import schema

YEAR = ReviewYear(2021)
BOLTON, BURY, MANCHESTER, OLDHAM = "E08000001", "E08000002", "E08000003", "E08000004"
CODES = [BOLTON, BURY, MANCHESTER, OLDHAM]
SENDER = "annual.review@ombudsman.example"
SUBJECT = (
    "Annual Review letter 2022: Bury Metropolitan Borough Council "
    "(embargoed until 10:00 on 27 July 2022)"
)

YEAR_CONFIG = """
[letter]
date = 2022-07-20
signatory = "Alex Example"
signatory_title = "Local Government Ombudsman"

[publication]
date = 2022-07-27
time = 10:00:00

[narrative]
opening = "I write with {council}'s annual review for {year}."
closing = "We will publish on {publication_date} at {publication_time}."
"""

CONTACTS = [
    (BURY, "chief_executive", "Jane Smith", "ceo@bury.example", "Ms"),
    (BURY, "link_officer", "Sam Link", "link@bury.example", ""),
    (BURY, "monitoring_officer", "Mo Nitor", "monitoring@bury.example", "Dr"),
    (BOLTON, "chief_executive", "Siân Ellis", "chief.executive@bolton.example", ""),
    (BOLTON, "link_officer", "Lee Noemail", "", ""),
    (MANCHESTER, "chief_executive", "Joanne Roney", "", "Ms"),
    (MANCHESTER, "link_officer", "Pat Link", "link@manchester.example", ""),
    (OLDHAM, "chief_executive", "Harry Catherall", "ceo@oldham.example", "Dr"),
]


@dataclass(frozen=True)
class Received:
    """One message as the server took it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    peer: Any
    secure: bool
    login: bytes | None

    @property
    def message(self) -> EmailMessage:
        """The message parsed as a mail client would."""
        parsed = email.message_from_bytes(self.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MailServer:
    """A real SMTP server on loopback that keeps what it is given and refuses what it is told to."""

    def __init__(self, **options: Any) -> None:
        self.received: list[Received] = []
        self.refuse_rcpt: dict[str, str] = {}
        self.refuse_data: dict[str, str] = {}
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    async def handle_RCPT(  # noqa: N802  (the name aiosmtpd calls)
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802  (the name aiosmtpd calls)
        self, _server: Any, session: Any, envelope: Any
    ) -> str:
        for address in envelope.rcpt_tos:
            if address in self.refuse_data:
                return self.refuse_data[address]
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.content,
                session.peer,
                session.ssl is not None,
                session.auth_data.login if session.auth_data else None,
            )
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        """The messages whose envelope named this recipient."""
        return [r for r in self.received if address in r.rcpt_tos]


@pytest.fixture(autouse=True)
def _no_smtp_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own mail settings must not reach the tests."""
    for key in ("HOST", "PORT", "USER", "PASSWORD", "SECURITY", "SENDER", "SENDER_NAME"):
        monkeypatch.delenv(f"UPHELD_SMTP_{key}", raising=False)


@pytest.fixture
def server() -> Iterator[MailServer]:
    """A plain SMTP server on a free loopback port."""
    running = MailServer()
    yield running
    running.stop()


def write_settings(folder: Path, port: int, security: str = "none", extra: str = "") -> Path:
    """upheld.toml, pointing at a mail server on loopback."""
    folder.mkdir(exist_ok=True)
    (folder / "upheld.toml").write_text(
        f"""
[organisation]
name = "Local Government and Social Care Ombudsman"
performance_url = "https://ombudsman.example/your-councils-performance"

[smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
sender = "{SENDER}"
sender_name = "Annual Review Team"
timeout = 5
{extra}
""",
        encoding="utf-8",
    )
    return folder


@dataclass
class Review:
    """A 2021-22 review with letters archived for Bolton, Bury and Manchester, not Oldham."""

    engine: Engine
    register: Register
    folder: Path

    @property
    def settings(self) -> Settings:
        return load_settings(self.folder)

    @property
    def config(self) -> YearConfig:
        return load_year(self.folder, YEAR)

    def send(self, codes: list[str] = CODES, **options: Any) -> dict[str, Delivery]:
        report = send_letters(
            self.engine, self.register, self.settings, self.config, codes, **options
        )
        return {d.code: d for d in report.deliveries}

    def log(self) -> list[tuple[str, str, str | None, str | None]]:
        """The delivery log: council, status, recipients and error, oldest first."""
        deliveries = schema.deliveries
        with self.engine.connect() as connection:
            rows = connection.execute(select(deliveries).order_by(deliveries.c.id)).all()
        return [(r.authority, r.status, r.recipients, r.error) for r in rows]

    def pdf(self, code: str) -> bytes:
        with self.engine.connect() as connection:
            found = archive.content(connection, code, YEAR.start_year, "pdf")
        assert found is not None
        return found

    def plant(self, code: str, pdf: bytes) -> None:
        """Archive a letter for a council as an approved version, without writing it."""
        with self.engine.begin() as connection:
            newest = versions.current(connection, YEAR.start_year, [code]).get(code)
            made = versions.record(
                connection, code, YEAR.start_year, {"pdf": archive.digest(pdf)}, {}, None, newest
            )
            versions.approve(connection, made, "Alex Example")
            archive.store(connection, code, YEAR.start_year, "pdf", pdf, made.id)


@pytest.fixture
def review(engine: Engine, register: Register, tmp_path: Path, server: MailServer) -> Review:
    """Cases and contacts imported from files, and real letters written and archived."""
    rows = case_rows(BURY, {"upheld": 4, "not_upheld": 3}, year=2021, remedies=1)
    rows += case_rows(BOLTON, {"upheld": 2, "not_upheld": 2}, year=2021)
    rows += case_rows(MANCHESTER, {"upheld": 1, "advice_given": 1}, year=2021)
    cases = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows)
    contacts = write_csv(
        tmp_path / "contacts.csv", ("authority", "role", "name", "email", "title"), CONTACTS
    )
    import_files(engine, KINDS["cases"], [cases], register)
    import_files(engine, KINDS["contacts"], [contacts], register)
    folder = write_settings(tmp_path / "config", server.port)
    (folder / f"{YEAR.label}.toml").write_text(YEAR_CONFIG, encoding="utf-8")
    settings, config = load_settings(folder), load_year(folder, YEAR)
    write_letters(
        engine, register, settings, config, [BOLTON, BURY, MANCHESTER], tmp_path / "out", ["pdf"]
    )
    with engine.begin() as connection:
        versions.approve_drafts(connection, YEAR.start_year, None, "Alex Example")
    return Review(engine, register, folder)


def attachment(message: EmailMessage) -> tuple[str | None, str, bytes]:
    """The one attachment: its file name, media type and bytes."""
    (part,) = list(message.iter_attachments())
    content = part.get_content()
    assert isinstance(content, bytes)
    return part.get_filename(), part.get_content_type(), content


def plain_text(message: EmailMessage) -> str:
    """The covering note with its line breaks undone."""
    part = message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def test_each_letter_goes_to_the_right_people_with_its_pdf(
    review: Review, server: MailServer
) -> None:
    outcome = review.send()
    assert {code: d.status for code, d in outcome.items()} == {
        BOLTON: "sent",
        BURY: "sent",
        MANCHESTER: "no_address",
        OLDHAM: "no_letter",
    }
    assert len(server.received) == 2

    (bury,) = server.to("ceo@bury.example")
    assert bury.mail_from == SENDER
    assert bury.rcpt_tos == ["ceo@bury.example", "link@bury.example", "monitoring@bury.example"]
    message = bury.message
    assert message["From"] == f"Annual Review Team <{SENDER}>"
    assert message["To"] == "Jane Smith <ceo@bury.example>"
    assert message["Cc"] == "Sam Link <link@bury.example>, Mo Nitor <monitoring@bury.example>"
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == outcome[BURY].message_id
    assert message["Message-ID"].endswith("@ombudsman.example>")
    assert message["Date"] is not None
    assert attachment(message) == ("E08000002-2021-22.pdf", "application/pdf", review.pdf(BURY))
    text = plain_text(message)
    assert text.startswith("Dear Ms Smith Please find attached our annual review letter for ")
    assert "Bury Metropolitan Borough Council for 2021-22" in text
    assert (
        "EMBARGO: the letter and its figures are embargoed until 10:00 on 27 July 2022, when we "
        "will publish them on our website at https://ombudsman.example/your-councils-performance."
        in text
    )
    assert "please do not share the letter, or the figures in it, outside the council" in text
    assert (
        "We have sent a copy of this email to Sam Link (link officer) and Mo Nitor "
        "(monitoring officer)." in text
    )
    assert text.endswith(
        "Yours sincerely Alex Example Local Government Ombudsman "
        "Local Government and Social Care Ombudsman"
    )

    # Bolton's link officer has no address: the chief executive alone, under a non-ASCII name.
    (bolton,) = server.to("chief.executive@bolton.example")
    assert bolton.rcpt_tos == ["chief.executive@bolton.example"]
    assert bolton.message["To"] == "Siân Ellis <chief.executive@bolton.example>"
    assert bolton.message["Cc"] is None
    assert plain_text(bolton.message).startswith("Dear Siân Ellis ")
    assert "copy of this email" not in plain_text(bolton.message)
    assert attachment(bolton.message)[2] == review.pdf(BOLTON)

    assert "run `upheld letters --year 2021-22 --out DIR` first" in str(outcome[OLDHAM].detail)
    assert outcome[MANCHESTER].detail == "no email address for the chief executive"
    # One connection carries every message.
    assert len({r.peer for r in server.received}) == 1


CUMBRIA, CUMBERLAND, WESTMORLAND = "E10000006", "E06000063", "E06000064"


def test_a_split_councils_letter_goes_to_every_council_that_took_over(
    engine: Engine, register: Register, tmp_path: Path, server: MailServer
) -> None:
    # Cumbria County Council existed all through 2022-23 and was abolished on 31 March 2023,
    # its work shared between two new councils: its letter, in July 2023, is for both.
    year = ReviewYear(2022)
    rows = case_rows(CUMBRIA, {"upheld": 2, "not_upheld": 2}, year=2022)
    import_files(
        engine, KINDS["cases"], [write_csv(tmp_path / "c.csv", CASE_COLUMNS, rows)], register
    )
    columns = ("authority", "role", "name", "email", "title")
    first = [(CUMBERLAND, "chief_executive", "Alex Brown", "ceo@cumberland.example", "Ms")]
    import_files(
        engine, KINDS["contacts"], [write_csv(tmp_path / "1.csv", columns, first)], register
    )
    folder = write_settings(tmp_path / "config", server.port)
    (folder / "2022-23.toml").write_text(YEAR_CONFIG.replace("2022-07", "2023-07"))
    settings, config = load_settings(folder), load_year(folder, year)
    write_letters(engine, register, settings, config, [CUMBRIA], tmp_path / "out", ["html", "pdf"])
    with engine.begin() as connection:
        versions.approve_drafts(connection, year.start_year, None, "Alex Example")

    # Until both chief executives can be written to, neither is.
    [unsent] = send_letters(engine, register, settings, config, [CUMBRIA]).deliveries
    assert (unsent.status, unsent.detail) == (
        "no_address",
        "no email address for the chief executive of Westmorland and Furness Council, who "
        "receives its letter",
    )
    assert server.received == []
    second = [
        (WESTMORLAND, "chief_executive", "Sam Green", "ceo@westmorland.example", "Mr"),
        (WESTMORLAND, "link_officer", "Lee Link", "link@westmorland.example", ""),
    ]
    import_files(
        engine, KINDS["contacts"], [write_csv(tmp_path / "2.csv", columns, second)], register
    )
    [sent] = send_letters(engine, register, settings, config, [CUMBRIA]).deliveries
    assert sent.status == "sent"
    (received,) = server.received
    assert received.rcpt_tos == [
        "ceo@cumberland.example",
        "ceo@westmorland.example",
        "link@westmorland.example",
    ]
    message = received.message
    assert (
        message["To"] == "Alex Brown <ceo@cumberland.example>, Sam Green <ceo@westmorland.example>"
    )
    assert message["Cc"] == "Lee Link <link@westmorland.example>"
    text = plain_text(message)
    assert text.startswith(
        "Dear Ms Brown and Mr Green Please find attached our annual review letter for Cumbria "
        "County Council for 2022-23"
    )
    assert (
        "Cumbria County Council has been abolished, so we are sending its letter to you as the "
        "chief executives of Cumberland Council and Westmorland and Furness Council, which took "
        "over its responsibilities." in text
    )
    assert (
        "We have sent a copy of this email to Lee Link (link officer, Westmorland and Furness "
        "Council)." in text
    )
    assert text.endswith("Local Government and Social Care Ombudsman")
    # The letter, written before Westmorland and Furness's chief executive was known, is
    # addressed to both councils all the same, and says why, once.
    html = (tmp_path / "out" / f"{CUMBRIA}-2022-23.html").read_text(encoding="utf-8")
    assert (
        "<p>Ms Alex Brown<br>Chief Executive<br>Cumberland Council<br><br>The Chief Executive"
        "<br>Westmorland and Furness Council</p>\n<p>Dear Chief Executives</p>" in html
    )
    flat = " ".join(html.split())
    assert (
        "Cumbria County Council was abolished on 31 March 2023, and Cumberland Council and "
        "Westmorland and Furness Council took over its responsibilities." in flat
    )
    assert "we are sending it to you as the chief executives of Cumberland Council and " in flat


def test_the_delivery_log_records_every_attempt(review: Review) -> None:
    outcome = review.send()
    assert review.log() == [
        (BOLTON, "sent", "chief.executive@bolton.example", None),
        (BURY, "sent", "ceo@bury.example, link@bury.example, monitoring@bury.example", None),
        (MANCHESTER, "no_address", None, "no email address for the chief executive"),
    ]
    with review.engine.connect() as connection:
        rows = {
            r.authority: r
            for r in connection.execute(
                select(schema.deliveries).where(schema.deliveries.c.year == 2021)
            )
        }
    assert rows[BURY].message_id == outcome[BURY].message_id
    assert rows[BURY].letter_sha256 == archive.digest(review.pdf(BURY))
    assert rows[BURY].at is not None
    assert rows[MANCHESTER].message_id is None


def test_rerunning_never_sends_a_letter_twice(review: Review, server: MailServer) -> None:
    review.send()
    assert len(server.received) == 2
    again = review.send()
    assert len(server.received) == 2
    assert again[BURY].status == "already_sent"
    assert again[BURY].recipients == (
        "ceo@bury.example",
        "link@bury.example",
        "monitoring@bury.example",
    )
    assert str(again[BURY].detail).startswith("sent at ")
    assert not again[BURY].problem
    assert again[BOLTON].status == "already_sent"
    assert again[MANCHESTER].status == "no_address"
    statuses = [(code, status) for code, status, _, _ in review.log()]
    assert statuses == [
        (BOLTON, "sent"),
        (BURY, "sent"),
        (MANCHESTER, "no_address"),
        (MANCHESTER, "no_address"),
    ]


def test_a_corrected_letter_is_approved_then_sent_again_as_a_correction(
    review: Review, server: MailServer, tmp_path: Path
) -> None:
    first = review.send([BURY])
    assert first[BURY].status == "sent"
    # Two more decisions about Bury arrive after its letter was sent.
    more = write_csv(
        tmp_path / "more.csv",
        CASE_COLUMNS,
        [
            (f"LATE{n}", BURY, "2021-05-01", "Housing", "2021-09-01", "upheld", "yes")
            for n in range(2)
        ],
    )
    import_files(review.engine, KINDS["cases"], [more], review.register)

    def write(reason: str | None) -> None:
        write_letters(
            review.engine,
            review.register,
            review.settings,
            review.config,
            [BURY],
            tmp_path / "out",
            ["pdf"],
            reason=reason,
        )

    # Changing a letter already sent needs a reason, and without one nothing is written.
    with pytest.raises(UpheldError, match="would change after they were approved or sent"):
        write(None)
    with review.engine.connect() as connection:
        assert [v.number for v in versions.history(connection, YEAR.start_year, BURY)] == [1]
    write("Two more decisions were recorded")
    # A corrected draft is not sent, and not sent again without --resend.
    waiting = review.send([BURY])
    assert waiting[BURY].status == "corrected"
    assert "version 2 has been made since (draft)" in str(waiting[BURY].detail)
    assert review.send([BURY], resend_reason="Corrected")[BURY].status == "not_approved"
    with review.engine.begin() as connection:
        versions.approve_drafts(connection, YEAR.start_year, [BURY], "Alex Example")
    resent = review.send([BURY], resend_reason="Two more decisions were recorded")
    assert resent[BURY].status == "sent"
    assert len(server.received) == 2
    message = server.received[1].message
    assert str(message["Subject"]).startswith("Corrected: Annual Review letter 2022: Bury")
    with review.engine.connect() as connection:
        history = versions.history(connection, YEAR.start_year, BURY)
        log = connection.execute(select(schema.deliveries).order_by(schema.deliveries.c.id)).all()
    first_sent = history[0].sent_at
    assert first_sent is not None
    body = " ".join(message.get_body().get_content().split())  # type: ignore[union-attr]
    assert (
        "This corrected letter replaces the letter we sent you on "
        f"{long_date(first_sent.date())}: Two more decisions were recorded." in body
    )
    assert _filename(message) == f"{BURY}-2021-22.pdf"
    # Both versions and both deliveries are kept: the first superseded but known to be sent.
    assert [(v.number, v.state, v.reason) for v in history] == [
        (1, "superseded", None),
        (2, "sent", "Two more decisions were recorded"),
    ]
    assert [(r.status, r.letter_version, r.reason) for r in log] == [
        ("sent", history[0].id, None),
        ("sent", history[1].id, "Two more decisions were recorded"),
    ]
    # And it is not sent a third time.
    assert review.send([BURY])[BURY].status == "already_sent"
    assert len(server.received) == 2


def _filename(message: EmailMessage) -> str | None:
    return attachment(message)[0]


def test_a_council_named_twice_gets_one_letter(review: Review, server: MailServer) -> None:
    review.send([BURY, BURY])
    assert len(server.received) == 1


def test_dry_run_connects_to_nothing_and_writes_nothing(review: Review, server: MailServer) -> None:
    # Nothing listens on the configured port now: a connection attempt would fail the run.
    server.stop()
    outcome = review.send(dry_run=True)
    assert {code: d.status for code, d in outcome.items()} == {
        BOLTON: "would_send",
        BURY: "would_send",
        MANCHESTER: "no_address",
        OLDHAM: "no_letter",
    }
    assert outcome[BURY].recipients == (
        "ceo@bury.example",
        "link@bury.example",
        "monitoring@bury.example",
    )
    assert review.log() == []


def test_a_refused_recipient_fails_that_letter_and_the_run_goes_on(
    review: Review, server: MailServer
) -> None:
    server.refuse_rcpt["chief.executive@bolton.example"] = "550 5.1.1 No such mailbox here"
    outcome = review.send([BOLTON, BURY])
    assert outcome[BOLTON].status == "failed"
    assert outcome[BOLTON].problem
    assert outcome[BOLTON].detail == (
        "refused every recipient: chief.executive@bolton.example: 550 5.1.1 No such mailbox here"
    )
    assert outcome[BURY].status == "sent"
    assert [r.rcpt_tos[0] for r in server.received] == ["ceo@bury.example"]
    assert [(code, status) for code, status, _, _ in review.log()] == [
        (BOLTON, "failed"),
        (BURY, "sent"),
    ]
    # The failed letter is tried again next time; the sent one is not.
    server.refuse_rcpt.clear()
    again = review.send([BOLTON, BURY])
    assert (again[BOLTON].status, again[BURY].status) == ("sent", "already_sent")
    assert len(server.received) == 2


def test_a_copy_refused_still_counts_as_sent_but_is_reported(
    review: Review, server: MailServer
) -> None:
    server.refuse_rcpt["monitoring@bury.example"] = "550 Mailbox full"
    outcome = review.send([BURY])
    bury = outcome[BURY]
    assert bury.status == "sent"
    assert bury.recipients == ("ceo@bury.example", "link@bury.example")
    assert bury.refused == ("monitoring@bury.example",)
    assert bury.problem
    assert review.log() == [
        (
            BURY,
            "sent",
            "ceo@bury.example, link@bury.example",
            "refused monitoring@bury.example: 550 Mailbox full",
        )
    ]
    assert server.received[0].rcpt_tos == ["ceo@bury.example", "link@bury.example"]


def test_a_message_the_server_rejects_is_logged_as_failed(
    review: Review, server: MailServer
) -> None:
    server.refuse_data["ceo@bury.example"] = "554 5.7.1 Message rejected as spam"
    outcome = review.send([BOLTON, BURY])
    assert outcome[BURY].status == "failed"
    assert outcome[BURY].detail == "554 5.7.1 Message rejected as spam"
    assert outcome[BOLTON].status == "sent"
    assert review.log()[1] == (
        BURY,
        "failed",
        "ceo@bury.example, link@bury.example, monitoring@bury.example",
        "554 5.7.1 Message rejected as spam",
    )


def test_a_server_that_goes_away_mid_run_fails_the_rest(review: Review, server: MailServer) -> None:
    seen: list[str] = []

    def stop_after_first(delivery: Delivery) -> None:
        seen.append(delivery.status)
        if delivery.status == "sent":
            server.stop()

    review.plant(OLDHAM, review.pdf(BURY))
    outcome = review.send([BOLTON, BURY, OLDHAM, MANCHESTER], progress=stop_after_first)
    assert seen == ["sent", "failed", "failed", "no_address"]
    assert (
        outcome[BURY].detail
        == "lost the connection to the mail server: Connection unexpectedly closed"
    )
    assert str(outcome[OLDHAM].detail).startswith(
        "lost the connection and could not reconnect: cannot connect to the mail server at "
        f"127.0.0.1:{server.port}"
    )
    assert [(code, status) for code, status, _, _ in review.log()] == [
        (BOLTON, "sent"),
        (BURY, "failed"),
        (OLDHAM, "failed"),
        (MANCHESTER, "no_address"),
    ]


def test_a_council_whose_letter_may_have_gone_is_not_resent(
    review: Review, server: MailServer
) -> None:
    # A run that died between handing the message over and writing the outcome leaves this.
    with review.engine.begin() as connection:
        connection.execute(
            schema.deliveries.insert().values(
                authority=BURY,
                year=YEAR.start_year,
                status="sending",
                recipients="ceo@bury.example",
                message_id="<1.2.3@ombudsman.example>",
                at=review.config.published_at,
            )
        )
    outcome = review.send([BURY])
    assert outcome[BURY].status == "uncertain"
    assert outcome[BURY].problem
    assert "<1.2.3@ombudsman.example>" in str(outcome[BURY].detail)
    assert server.received == []


def test_no_server_is_a_clear_error_and_logs_nothing(review: Review, server: MailServer) -> None:
    server.stop()
    with pytest.raises(UpheldError) as caught:
        review.send()
    assert f"cannot connect to the mail server at 127.0.0.1:{server.port}" in str(caught.value)
    assert review.log() == []


def test_the_environment_overrides_the_mail_settings(
    review: Review, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_settings(review.folder, free_port(), "ssl")
    monkeypatch.setenv("UPHELD_SMTP_PORT", str(server.port))
    monkeypatch.setenv("UPHELD_SMTP_SECURITY", "none")
    monkeypatch.setenv("UPHELD_SMTP_SENDER", "letters@lgo.example")
    monkeypatch.setenv("UPHELD_SMTP_SENDER_NAME", "Letters")
    assert review.send([BURY])[BURY].status == "sent"
    (received,) = server.received
    assert received.mail_from == "letters@lgo.example"
    assert received.message["From"] == "Letters <letters@lgo.example>"
    assert received.message["Message-ID"].endswith("@lgo.example>")


def test_starttls_to_a_server_without_it_is_refused_before_sending(
    review: Review, server: MailServer
) -> None:
    write_settings(review.folder, server.port, "starttls")
    with pytest.raises(UpheldError, match="does not offer that; set \\[smtp\\] security"):
        review.send()
    assert server.received == []
    assert review.log() == []


def test_a_login_is_made_only_when_a_user_is_set(review: Review, tmp_path: Path) -> None:
    def check(
        _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: LoginPassword
    ) -> AuthResult:
        known = (data.login, data.password) == (b"review", b"s3cret")
        return AuthResult(success=known, handled=False, auth_data=data if known else None)

    guarded = MailServer(authenticator=check, auth_require_tls=False)
    try:
        write_settings(review.folder, guarded.port, extra='user = "review"\npassword = "wrong"')
        with pytest.raises(UpheldError, match="cannot log in as review to the mail server"):
            review.send([BURY])
        write_settings(review.folder, guarded.port, extra='user = "review"\npassword = "s3cret"')
        assert review.send([BURY])[BURY].status == "sent"
        assert guarded.received[0].login == b"review"
        write_settings(review.folder, guarded.port, extra='user = "review"')
        with pytest.raises(ConfigError, match="UPHELD_SMTP_PASSWORD"):
            review.send([BOLTON])
    finally:
        guarded.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_letters_go_encrypted_when_asked(
    review: Review,
    certificate: tuple[Path, Path],
    security: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    options = {"ssl_context": context} if security == "ssl" else {"tls_context": context}
    secure = MailServer(**options, require_starttls=security == "starttls")
    # The client trusts the system's certificate authorities, found through $SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        write_settings(review.folder, secure.port, security)
        assert review.send([BURY])[BURY].status == "sent"
        (received,) = secure.received
        assert attachment(received.message)[2] == review.pdf(BURY)
        if security == "starttls":
            assert received.secure
    finally:
        secure.stop()
    # A certificate the client cannot check stops the run before anything is sent.
    monkeypatch.delenv("SSL_CERT_FILE")
    untrusted = MailServer(**options)
    try:
        write_settings(review.folder, untrusted.port, security)
        with pytest.raises(UpheldError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"):
            review.send([BOLTON])
        assert untrusted.received == []
    finally:
        untrusted.stop()


def test_fifty_letters_share_one_connection(
    review: Review, server: MailServer, register: Register
) -> None:
    pdf = review.pdf(BURY)
    councils = [c for c in register.in_year(YEAR) if c.type == "district"][:50]
    rows = [
        (c.code, "chief_executive", "Chief Executive", f"ceo@{c.code}.example", "")
        for c in councils
    ]
    path = write_csv(
        review.folder / "more-contacts.csv", ("authority", "role", "name", "email", "title"), rows
    )
    import_files(review.engine, KINDS["contacts"], [path], register)
    for council in councils:
        review.plant(council.code, pdf)
    outcome = review.send([c.code for c in councils])
    assert {d.status for d in outcome.values()} == {"sent"}
    assert len(server.received) == 50
    assert len({r.peer for r in server.received}) == 1


# The message on its own, without a database or a server.

COUNCIL = Council("E08000002", "Bury Metropolitan Borough Council", "Bury", "metropolitan")
YEAR_SETTINGS = YearConfig(
    year=YEAR,
    letter_date=date(2022, 7, 20),
    publication_date=date(2022, 7, 27),
    publication_time=time(10, 0),
    signatory="Alex Example",
    signatory_title="Local Government Ombudsman",
    opening="",
    closing="",
)
SETTINGS = Settings(Organisation(name="The Ombudsman"), Smtp(sender=SENDER, sender_name="Reviews"))


def person(name: str, email: str | None, title: str | None = None) -> dict[str, str | None]:
    return {"name": name, "email": email, "title": title}


def test_recipients_are_the_chief_executive_then_the_officers_once_each() -> None:
    contacts = {
        "monitoring_officer": person("Mo Nitor", "MO@bury.example"),
        "link_officer": person("Sam Link", "link@bury.example"),
        "leader": person("Lee Der", "leader@bury.example"),
        "chief_executive": person("Jane Smith", "mo@bury.example", "Ms"),
    }
    assert [(r.role, r.email) for r in recipients(contacts)] == [
        ("chief_executive", "mo@bury.example"),
        ("link_officer", "link@bury.example"),
    ]
    assert recipients({"link_officer": person("Sam Link", "link@bury.example")}) == []
    assert recipients({"chief_executive": person("Jane Smith", None)}) == []


def test_the_message_without_a_chief_executive_address_is_refused() -> None:
    with pytest.raises(UpheldError, match="no email address for the chief executive"):
        build_message(COUNCIL, ((COUNCIL, {}),), b"%PDF", SETTINGS, YEAR_SETTINGS)


def test_the_message_reads_well_in_plain_text() -> None:
    contacts = {"chief_executive": person("Jane Smith", "ceo@bury.example", "Ms")}
    message = build_message(
        COUNCIL, ((COUNCIL, contacts),), b"%PDF-1.7 letter", SETTINGS, YEAR_SETTINGS
    )
    raw = message.as_bytes()
    assert all(len(line) <= 78 for line in raw.splitlines())
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == SUBJECT
    assert parsed["From"] == f"Reviews <{SENDER}>"
    assert attachment(parsed) == ("E08000002-2021-22.pdf", "application/pdf", b"%PDF-1.7 letter")
    body = parsed.get_body(("plain",))
    assert body is not None
    lines = body.get_content().splitlines()
    assert lines[0] == "Dear Ms Smith"
    assert lines[-5:] == [
        "Yours sincerely",
        "",
        "Alex Example",
        "Local Government Ombudsman",
        "The Ombudsman",
    ]
    assert max(len(line) for line in lines) <= 72


# The command line.


def run(review: Review, *args: str) -> Result:
    url = review.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(
        cli, ["--db", url, "--config", str(review.folder), *args], catch_exceptions=False
    )


def test_send_prints_a_line_per_council_and_exits_1_when_any_is_left_unsent(
    review: Review,
) -> None:
    args = ["send", "--year", "2021-22"]
    result = run(review, *args, *[a for code in CODES for a in ("--authority", code)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert (
        f"{BURY}  Bury Metropolitan Borough Council: sent to ceo@bury.example, "
        "link@bury.example, monitoring@bury.example" in lines
    )
    assert (
        f"{MANCHESTER}  Manchester City Council: not sent: no email address for the chief "
        "executive" in lines
    )
    assert any(
        line.startswith(f"{OLDHAM}  Oldham Metropolitan Borough Council: not sent: no letter")
        for line in lines
    )
    assert lines[-1].startswith(
        "4 councils, 2021-22: 2 sent, 1 without an email address, 1 without a letter, in "
    )
    again = run(review, *args, "--authority", "Bury", "--authority", "Bolton")
    assert again.exit_code == 0, again.output
    assert f"{BURY}  Bury Metropolitan Borough Council: already sent to ceo@bury.example" in (
        again.output
    )
    assert "2 councils, 2021-22: 2 already sent, in " in again.output


def test_send_dry_run_says_who_would_receive_what(review: Review, server: MailServer) -> None:
    result = run(review, "send", "--year", "2021-22", "--authority", "Bury", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        f"{BURY}  Bury Metropolitan Borough Council: would send to ceo@bury.example, "
        "link@bury.example, monitoring@bury.example" in result.output
    )
    assert "1 would be sent" in result.output
    assert "Dry run: nothing was sent and nothing was logged." in result.output
    assert server.received == []
    assert review.log() == []


def test_send_covers_every_council_of_the_year_by_default(
    review: Review, server: MailServer
) -> None:
    result = run(review, "send", "--year", "2021-22")
    assert result.exit_code == 1
    assert len(server.received) == 2
    councils = len(review.register.in_year(YEAR))
    # Without a letter is reported first: writing the letters is the step that was missed.
    assert result.output.splitlines()[-1].startswith(
        f"{councils} councils, 2021-22: 2 sent, 1 without an email address, "
        f"{councils - 3} without a letter, in "
    )


def test_send_failures_and_mistakes_exit_codes(review: Review, server: MailServer) -> None:
    server.refuse_data["ceo@bury.example"] = "554 No"
    failed = run(review, "send", "--year", "2021-22", "--authority", "Bury")
    assert failed.exit_code == 1
    assert f"{BURY}  Bury Metropolitan Borough Council: failed: 554 No" in failed.output
    assert "1 failed" in failed.output
    assert run(review, "send").exit_code == 2
    assert run(review, "send", "--year", "2021-22", "--authority", "Nowhere").exit_code == 2
    server.stop()
    down = run(review, "send", "--year", "2021-22", "--authority", "Bury")
    assert down.exit_code == 1
    assert f"cannot connect to the mail server at 127.0.0.1:{server.port}" in down.output
