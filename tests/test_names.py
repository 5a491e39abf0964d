"""How letters address and greet a chief executive, for the shapes names really come in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upheld.letters.names import (
    COURTESY_TITLES,
    NAME_SUFFIXES,
    POST_NOMINALS,
    STYLES,
    SURNAME_PARTICLES,
    TITLES,
    addressee_name,
    salutation,
)

# name, title, first line of the address, greeting
NAMES: list[tuple[str, str | None, str, str]] = [
    # honours stay in the address and out of the greeting
    ("Scott Logan CBE", "Mr", "Mr Scott Logan CBE", "Dear Mr Logan"),
    ("Priya Shah MBE", "Ms", "Ms Priya Shah MBE", "Dear Ms Shah"),
    ("Ms Mary-Jane van der Berg OBE DL", None, "Ms Mary-Jane van der Berg OBE DL",
     "Dear Ms van der Berg"),
    ("Angela Hutchings PhD", "Dr", "Dr Angela Hutchings PhD", "Dear Dr Hutchings"),
    ("Jane Smith BSc (Hons), MBA, CPFA", "Ms", "Ms Jane Smith BSc (Hons) MBA CPFA",
     "Dear Ms Smith"),
    ("Jane Smith C.B.E.", "Ms", "Ms Jane Smith C.B.E.", "Dear Ms Smith"),
    ("Henry Smith Jr.", "Mr", "Mr Henry Smith Jr.", "Dear Mr Smith"),
    # a post-nominal that is also a surname
    ("Jack Ma", "Mr", "Mr Jack Ma", "Dear Mr Ma"),
    ("JACK MA", "MR", "Mr JACK MA", "Dear Mr MA"),
    ("Amadou Ba", "Mr", "Mr Amadou Ba", "Dear Mr Ba"),
    ("Ayo Obe", "Ms", "Ms Ayo Obe", "Dear Ms Obe"),
    ("Wei Chen MA", "Dr", "Dr Wei Chen MA", "Dear Dr Chen"),
    # titles: never doubled, written in their usual form, the most telling one greeted
    ("Angela Hutchings", "Dr", "Dr Angela Hutchings", "Dear Dr Hutchings"),
    ("Dr Angela Hutchings", "Dr", "Dr Angela Hutchings", "Dear Dr Hutchings"),
    ("Dr. Angela Hutchings", "Dr", "Dr Angela Hutchings", "Dear Dr Hutchings"),
    ("Dr Angela Hutchings", "Dr.", "Dr Angela Hutchings", "Dear Dr Hutchings"),
    ("Dr Angela Hutchings", None, "Dr Angela Hutchings", "Dear Dr Hutchings"),
    ("DR ANGELA HUTCHINGS", None, "Dr ANGELA HUTCHINGS", "Dear Dr HUTCHINGS"),
    ("Mrs Jane Smith", "Dr", "Dr Jane Smith", "Dear Dr Smith"),
    ("Dr Jane Smith", "Mrs", "Dr Jane Smith", "Dear Dr Smith"),
    ("Jane Smith", "Prof", "Prof Jane Smith", "Dear Prof Smith"),
    ("Jane Smith", "PROF.", "Prof Jane Smith", "Dear Prof Smith"),
    ("Prof Jane Smith", "Professor", "Prof Jane Smith", "Dear Prof Smith"),
    ("Mr. J. R. Bloggs", None, "Mr J. R. Bloggs", "Dear Mr Bloggs"),
    ("J.R. Bloggs", "Mr", "Mr J.R. Bloggs", "Dear Mr Bloggs"),
    ("Jo Smith", "Mx", "Mx Jo Smith", "Dear Mx Smith"),
    ("Jane Smith", "Chief Superintendent", "Chief Superintendent Jane Smith",
     "Dear Chief Superintendent Smith"),
    ("Cllr Pat O'Neill", None, "Cllr Pat O'Neill", "Dear Cllr O'Neill"),
    ("Councillor Dr Jane Smith", None, "Councillor Dr Jane Smith", "Dear Dr Smith"),
    # knights, dames and peers
    ("Professor Sir John Smith", None, "Professor Sir John Smith", "Dear Professor Smith"),
    ("Sir John Smith", "Professor", "Professor Sir John Smith", "Dear Professor Smith"),
    ("Sir John Smith", "Mr", "Sir John Smith", "Dear Sir John"),
    ("John Smith KBE", "Sir", "Sir John Smith KBE", "Dear Sir John"),
    ("Dame Mary Okafor DBE", None, "Dame Mary Okafor DBE", "Dear Dame Mary"),
    ("Cllr Sir John Smith", None, "Cllr Sir John Smith", "Dear Sir John"),
    ("Sir J. R. Bloggs", None, "Sir J. R. Bloggs", "Dear Sir J. R. Bloggs"),
    ("Rt Hon Lord Smith", None, "Rt Hon Lord Smith", "Dear Lord Smith"),
    ("The Rt. Hon. the Lord Smith of Finsbury", None, "The Rt Hon the Lord Smith of Finsbury",
     "Dear Lord Smith"),
    ("Baroness Hale of Richmond", None, "Baroness Hale of Richmond", "Dear Lady Hale"),
    ("Rt Hon John Smith MP", "Mr", "Rt Hon John Smith MP", "Dear Mr Smith"),
    ("Rt Hon John Smith MP", None, "Rt Hon John Smith MP", "Dear John Smith"),
    # particles belong to the surname, in the case they were written
    ("Ann de la Cruz", "Ms", "Ms Ann de la Cruz", "Dear Ms de la Cruz"),
    ("ANN DE LA CRUZ", "MS", "Ms ANN DE LA CRUZ", "Dear Ms DE LA CRUZ"),
    ("Ursula von der Leyen", "Dr", "Dr Ursula von der Leyen", "Dear Dr von der Leyen"),
    ("Ana Da Silva", "Mrs", "Mrs Ana Da Silva", "Dear Mrs Da Silva"),
    ("Marco della Rovere", "Mr", "Mr Marco della Rovere", "Dear Mr della Rovere"),
    ("Mary St John", "Mrs", "Mrs Mary St John", "Dear Mrs St John"),
    ("Mr van der Berg", None, "Mr van der Berg", "Dear Mr van der Berg"),
    ("Van Morrison", "Mr", "Mr Van Morrison", "Dear Mr Morrison"),
    ("Tom Ben Smith", "Mr", "Mr Tom Ben Smith", "Dear Mr Smith"),
    # Welsh, Irish and Scottish
    ("Gareth ap Rhys", "Mr", "Mr Gareth ap Rhys", "Dear Mr ap Rhys"),
    ("Dafydd Llywelyn-Jones", "Dr", "Dr Dafydd Llywelyn-Jones", "Dear Dr Llywelyn-Jones"),
    ("Siobhán Ní Bhriain", "Ms", "Ms Siobhán Ní Bhriain", "Dear Ms Ní Bhriain"),
    ("Eoin Mac Cárthaigh", "Mr", "Mr Eoin Mac Cárthaigh", "Dear Mr Mac Cárthaigh"),
    ("Mary O'Brien-Doyle", None, "Mary O'Brien-Doyle", "Dear Mary O'Brien-Doyle"),
    ("Morag MacDonald", "Ms", "Ms Morag MacDonald", "Dear Ms MacDonald"),
    ("Fiona McGregor-Stewart", "Mrs", "Mrs Fiona McGregor-Stewart", "Dear Mrs McGregor-Stewart"),
    ("SARAH MCDONALD", "mrs", "Mrs SARAH MCDONALD", "Dear Mrs MCDONALD"),
    # South Asian, Arabic and African
    ("Rajesh Kumar Patel", "Mr", "Mr Rajesh Kumar Patel", "Dear Mr Patel"),
    ("Shabana Begum", None, "Shabana Begum", "Dear Shabana Begum"),
    ("Omar al-Hakim", "Dr", "Dr Omar al-Hakim", "Dear Dr al-Hakim"),
    ("Mohamed El Sayed", "Mr", "Mr Mohamed El Sayed", "Dear Mr El Sayed"),
    ("Tariq bin Rashid", "Mr", "Mr Tariq bin Rashid", "Dear Mr bin Rashid"),
    ("Kwame Mensah-Bonsu", "Mr", "Mr Kwame Mensah-Bonsu", "Dear Mr Mensah-Bonsu"),
    ("Chiamaka Okonkwo-Adeyemi", "Dr", "Dr Chiamaka Okonkwo-Adeyemi", "Dear Dr Okonkwo-Adeyemi"),
    # untidy typing
    ("  Scott   Logan  CBE ", "Mr", "Mr Scott Logan CBE", "Dear Mr Logan"),
    ("Scott Logan, CBE,", "Mr", "Mr Scott Logan CBE", "Dear Mr Logan"),
    ("Scott Logan,CBE , DL", " Mr ", "Mr Scott Logan CBE DL", "Dear Mr Logan"),
    ("Ann\u00a0de la\tCruz", "Ms", "Ms Ann de la Cruz", "Dear Ms de la Cruz"),
    ("Logan, Scott", "Mr", "Mr Scott Logan", "Dear Mr Logan"),
    ("de la Cruz, Ann", "Ms", "Ms Ann de la Cruz", "Dear Ms de la Cruz"),
    ("Jane Smith", "", "Jane Smith", "Dear Jane Smith"),
    # one name
    ("Cher", None, "Cher", "Dear Cher"),
    ("Cher", "Ms", "Ms Cher", "Dear Ms Cher"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "title", "address", "greeting"), NAMES)
def test_address_and_greeting(name: str, title: str | None, address: str, greeting: str) -> None:
    assert addressee_name(name, title) == address
    assert salutation(name, title) == greeting


def test_the_table_is_wide() -> None:
    assert len(NAMES) >= 40
    assert len({(name, title) for name, title, _, _ in NAMES}) == len(NAMES)


@pytest.mark.parametrize("honour", sorted(POST_NOMINALS | NAME_SUFFIXES))
def test_no_post_nominal_is_taken_for_a_surname(honour: str) -> None:
    assert salutation(f"Alex Smith {honour}", "Mx") == "Dear Mx Smith"
    assert salutation(f"ALEX SMITH, {honour.upper()}", "Mx") == "Dear Mx SMITH"
    assert addressee_name(f"Alex Smith, {honour}", "Mx") == f"Mx Alex Smith {honour}"


@pytest.mark.parametrize("particle", sorted(SURNAME_PARTICLES))
def test_particles_belong_to_the_surname(particle: str) -> None:
    assert salutation(f"Alex {particle} Smith", "Mx") == f"Dear Mx {particle} Smith"


@pytest.mark.parametrize("title", sorted(TITLES - STYLES))
def test_a_title_in_both_places_is_written_once(title: str) -> None:
    assert addressee_name(f"{title} Alex Smith", title.upper()) == f"{title} Alex Smith"
    assert addressee_name(f"{title}. Alex Smith", title.lower()) == f"{title} Alex Smith"


@pytest.mark.parametrize("courtesy", sorted(COURTESY_TITLES))
def test_a_courtesy_title_gives_way_to_any_other(courtesy: str) -> None:
    assert addressee_name("Sir Alex Smith", courtesy) == "Sir Alex Smith"
    assert addressee_name("Alex Smith", f"Dr {courtesy}") == "Dr Alex Smith"
    assert salutation("Alex Smith", f"Dr {courtesy}") == "Dear Dr Smith"


@pytest.mark.parametrize(
    ("written", "greeting"),
    [
        ("Dear Ms de la Cruz", "Dear Ms de la Cruz"),
        ("Ms de la Cruz", "Dear Ms de la Cruz"),
        ("  Ms   de la\nCruz ", "Dear Ms de la Cruz"),
        ("dear Ann", "dear Ann"),
        ("DEAR  Ann", "DEAR Ann"),
        ("Dear, Ann", "Dear, Ann"),
        ("Dearbhla", "Dear Dearbhla"),
        ("Chief Executive", "Dear Chief Executive"),
    ],
)
def test_a_written_salutation_is_used_as_written(written: str, greeting: str) -> None:
    assert salutation("Ann de la Cruz", "Mrs", written) == greeting


@pytest.mark.parametrize("written", [None, "", "   ", "\t\n"])
def test_a_blank_written_salutation_is_ignored(written: str | None) -> None:
    assert salutation("Ann de la Cruz", "Ms", written) == "Dear Ms de la Cruz"


def test_a_written_salutation_needs_no_name() -> None:
    assert salutation("", None, "Ms de la Cruz") == "Dear Ms de la Cruz"


@pytest.mark.parametrize("name", ["", "   ", "\t\n", " , ", "Dr", "Mrs.", "  Mr  "])
def test_no_name_to_address(name: str) -> None:
    with pytest.raises(ValueError, match="no name"):
        salutation(name, "Dr")
    with pytest.raises(ValueError, match="no name"):
        salutation(name, None, "   ")
    with pytest.raises(ValueError, match="no name"):
        addressee_name(name, None)


@given(st.text(max_size=40), st.one_of(st.none(), st.text(max_size=15)))
def test_any_text_is_greeted_or_refused(name: str, title: str | None) -> None:
    try:
        greeting = salutation(name, title)
        address = addressee_name(name, title)
    except ValueError:
        assert salutation(name, title, "Colleague") == "Dear Colleague"
        return
    assert greeting.startswith("Dear ")
    assert greeting == " ".join(greeting.split())
    assert address == " ".join(address.split())
    assert address
