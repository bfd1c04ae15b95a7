"""The Teams card pictures in the docs show the cards the bot sends now (no browser needed to check).

Each picture in docs/img/cards was drawn from a card built by the bot's own code (tools/cards/scenes.py);
docs/img/cards/cards.json keeps the hash of that card. The cards are built again here and compared: a
changed card whose picture was not redrawn fails, naming the command that redraws it.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tools.cards import pictures, scenes

ROOT = pictures.ROOT
READERS = ("docs/raising-a-concern.md", "docs/officer-guide.md")
SHOWN = re.compile(r"img/cards/([\w-]+)\.png")


@pytest.fixture(scope="module")
def built(sqlite_template, tmp_path_factory) -> dict[str, dict]:
    """Every pictured card as the bot builds it now, on a fresh SQLite database."""
    path = tmp_path_factory.mktemp("cards") / "cards.db"
    shutil.copy(sqlite_template, path)
    return scenes.cards(f"sqlite:///{path}")


def test_every_picture_shows_the_card_the_bot_sends(built):
    problems = pictures.out_of_date(built)
    assert not problems, f"Teams card pictures out of date; redraw them with `{pictures.COMMAND}`:\n" + "\n".join(
        problems
    )


def test_the_pictures_are_in_the_practitioner_and_officer_pages():
    shown = {page: set(SHOWN.findall((ROOT / page).read_text())) for page in (*READERS, "README.md")}
    assert all(shown.values()), f"each reader's page and the README show a Teams card: {shown}"
    assert len(set().union(*shown.values())) >= 3
    assert set().union(*shown.values()) <= set(pictures.recorded()), "a page shows a picture that is not drawn"


def test_a_card_changed_without_its_picture_is_named(built):
    changed = {**built, "harm-signpost": {**built["harm-signpost"], "version": "1.6"}}
    assert pictures.out_of_date(changed) == ["harm-signpost: the card changed since harm-signpost.png was drawn"]
