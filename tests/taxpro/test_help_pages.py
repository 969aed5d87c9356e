"""The public help pages: approved address abbreviations and CAF numbers.

Anyone may read them, signed in or not; the abbreviations come from the same Publication 28
tables the address comparison uses (R11), so the page and the comparison cannot disagree.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from scourgify import address_constants

from taxpro import help
from taxpro.addresses import PostalAddress, address_normalise, addresses_match
from tests.factories import PractitionerFactory, UserFactory
from tests.views.pro_support import practitioner, signed_in_as

pytestmark = pytest.mark.django_db

HELP_PAGES = ["help_abbreviations", "help_caf_numbers"]
RULE_ID = re.compile(r"\bR\d{1,2}[a-z]?\b")


class _TableReader(HTMLParser):
    """Each table's caption, its header cells with their scope, and its rows of cell text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "scopes": [], "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = []
            if tag == "th":
                self.tables[-1]["scopes"].append(dict(attrs).get("scope"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> list[dict]:
    reader = _TableReader()
    reader.feed(html)
    return reader.tables


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _html(client: Client, name: str) -> str:
    return client.get(reverse(name)).content.decode()


def _text(client: Client, name: str) -> str:
    """The page's words, markup taken out and runs of white space made one space."""
    return " ".join(_visible_text(_html(client, name)).split())


@pytest.mark.parametrize("name", HELP_PAGES)
def test_an_anonymous_visitor_can_read_the_help_page(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b'<main id="main-content"' in response.content


@pytest.mark.parametrize("name", HELP_PAGES)
def test_signed_in_users_of_each_kind_can_read_the_help_page(
    client: Client, name: str, practitioner_user, staff_clerk
) -> None:
    # A practitioner who has not set up a second factor yet may need help too: the help pages,
    # like the accessibility guide, hold no data and are not behind that step.
    for user in (practitioner_user, PractitionerFactory(), UserFactory(), staff_clerk):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 200, user


@pytest.mark.parametrize("name", HELP_PAGES)
def test_the_help_pages_are_linked_from_every_page_footer(client: Client, name: str) -> None:
    for page in ("/", "/accessibility/", "/no/such/page/"):
        assert f'href="{reverse(name)}"'.encode() in client.get(page).content, page


@pytest.mark.parametrize("name", HELP_PAGES)
def test_the_help_page_changes_nothing_on_post(client: Client, name: str) -> None:
    assert client.post(reverse(name)).status_code == 405


@pytest.mark.parametrize("name", HELP_PAGES)
def test_no_rule_id_reaches_the_reader_of_a_help_page(client: Client, name: str) -> None:
    text = _text(client, name)
    assert not RULE_ID.findall(text)


# --- Approved abbreviations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "must match the taxpayer's address of record",
        "St for Street, Ave for Avenue and Apt for Apartment are all accepted",
        "ask the taxpayer to check it in their online account or on a recent notice",
    ],
)
def test_r11_the_abbreviations_page_explains_the_match_and_what_to_ask_the_taxpayer(
    client: Client, phrase: str
) -> None:
    assert phrase in _text(client, "help_abbreviations")


def test_r11_the_abbreviations_are_accessible_tables_with_captions_and_scoped_headers(
    client: Client,
) -> None:
    tables = _tables(_html(client, "help_abbreviations"))
    assert [table["caption"] for table in tables] == [
        "Street suffixes and their abbreviations",
        "Secondary unit designators and their abbreviations",
        "Directions and their abbreviations",
    ]
    first_columns = ["Street suffix", "Unit designator", "Direction"]
    for table, first_column in zip(tables, first_columns, strict=True):
        header, *rows = table["rows"]
        assert header == [first_column, "Standard abbreviation", "Also accepted"]
        # Three column headers, then one row header per row: a screen reader names each cell.
        assert table["scopes"] == ["col"] * 3 + ["row"] * len(rows)
        assert rows and all(len(row) == 3 for row in rows)


def test_r11_the_street_suffix_table_is_the_address_librarys_whole_publication_28_table(
    client: Client,
) -> None:
    tables = _tables(_html(client, "help_abbreviations"))
    rows = tables[0]["rows"][1:]
    shown: dict[str, str] = {}
    for name, abbreviation, others in rows:
        spellings = {name.upper(), abbreviation} | (set(others.split(", ")) - {"None"})
        for spelling in spellings:
            shown[spelling] = abbreviation
    library = {
        spelling: abbreviation
        for spelling, abbreviation in address_constants.STREET_TYPE_ABBREVIATIONS.items()
        if " " not in spelling
    }
    # A standard abbreviation is kept as it is, whether or not the library lists it as a key.
    library |= {abbreviation: abbreviation for abbreviation in library.values()}
    # Every spelling the library knows is on the page, under the abbreviation it becomes, and
    # the page adds none of its own (a name is one of the library's spellings for that row).
    assert shown == library
    assert {"Street", "ST", "STR, STRT"} <= {cell for row in rows for cell in row}


def test_r11_the_unit_and_direction_tables_are_the_librarys_tables() -> None:
    units = {row.name.upper(): row.abbreviation for row in help.secondary_unit_designators()}
    assert units == {
        word: abbreviation
        for word, abbreviation in address_constants.OCCUPANCY_TYPE_ABBREVIATIONS.items()
        if word != "#"
    }
    assert units["APARTMENT"] == "APT" and units["SUITE"] == "STE"
    directions = {row.name.upper(): row.abbreviation for row in help.directions()}
    assert directions == address_constants.DIRECTIONAL_REPLACEMENTS


def test_r11_a_row_name_is_always_one_of_the_librarys_spellings_for_its_abbreviation() -> None:
    for row in help.street_suffixes():
        assert address_constants.STREET_TYPE_ABBREVIATIONS[row.name.upper()] == row.abbreviation
    # Publication 28 names the singular where the library's own full-name table has a plural.
    names = {row.abbreviation: row.name for row in help.street_suffixes()}
    assert names["PARK"] == "Park" and names["FRST"] == "Forest" and names["CV"] == "Cove"


@pytest.mark.parametrize(
    ("written_out", "abbreviated"),
    [
        # The examples the page gives are what the address comparison accepts.
        (("12 Harbor Street, Apartment 4", ""), ("12 Harbor St Apt 4", "")),
        (("12 Harbor Street", "Apartment 4"), ("12 Harbor St", "Apt 4")),
        (("12 Harbor Avenue", ""), ("12 harbor ave.", "")),
        (("12 North Harbor Road", "Suite 200"), ("12 N Harbor Rd", "Ste 200")),
    ],
)
def test_r11_the_pages_examples_match_in_the_address_comparison(
    written_out: tuple[str, str], abbreviated: tuple[str, str]
) -> None:
    record = address_normalise(
        PostalAddress(
            line1=written_out[0],
            line2=written_out[1],
            city="Portland",
            state="ME",
            zip_code="04101",
        )
    )
    entered = PostalAddress(
        line1=abbreviated[0],
        line2=abbreviated[1],
        city="PORTLAND",
        state="ME",
        zip_code="04101-1234",
    )
    assert addresses_match(entered, record)


# --- CAF numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        # What it is.
        "9-digit number that identifies a representative on the Centralized Authorization File",
        # How it is assigned: online at once, or by the CAF unit on a processed first form.
        "Online, at once, in this portal.",
        "When the CAF unit processes your first form.",
        # If it is lost: letters, forms, the Practitioner Priority Service; never a second one.
        "letters the CAF unit has sent you",
        f"Practitioner Priority Service line on {help.PRACTITIONER_PRIORITY_SERVICE_PHONE}",
        "Do not get a second CAF number.",
        # R9: the address of record is not changed online.
        "The address of record of a CAF number cannot be changed in this portal.",
        "write to the CAF unit, or send a Form 2848 or 8821",
    ],
)
def test_the_caf_help_page_says_what_a_caf_number_is_how_it_is_assigned_and_where_to_find_it(
    client: Client, phrase: str
) -> None:
    assert phrase in _text(client, "help_caf_numbers")


def test_the_caf_help_page_links_to_the_profile_where_numbers_are_got_and_linked(
    client: Client,
) -> None:
    html = _html(client, "help_caf_numbers")
    assert f'href="{reverse("caf_pro:profile")}"' in html
    assert 'href="tel:+1-866-860-4259"' in html


def test_the_help_pages_are_linked_where_people_get_stuck(client, db) -> None:
    rep = practitioner()
    client = signed_in_as(client, rep)
    profile = client.get(reverse("caf_pro:profile")).content.decode()
    assert f'href="{reverse("help_caf_numbers")}"' in profile
    start = client.post(reverse("authorizations_pro:wizard_start"))
    step = client.get(start["Location"]).content.decode()
    assert f'href="{reverse("help_caf_numbers")}#cannot-find-it"' in step
    taxpayer_step = client.get(start["Location"].replace("representative", "taxpayer"))
    assert f'href="{reverse("help_abbreviations")}"' in taxpayer_step.content.decode()
