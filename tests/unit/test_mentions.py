from __future__ import annotations

import pytest

from okrflow.domain.mentions import parse_mentions
from okrflow.domain.model import Person


def person(pid: str, name: str, handle: str) -> Person:
    return Person(id=pid, org_id="o", name=name, handle=handle)


PEOPLE = [
    person("p-zw", "张伟", "zhangwei"),
    person("p-zwm", "张伟明", "zwm"),
    person("p-ana", "Ana López", "ana.lopez"),
    person("p-an", "Ana", "ana"),
    person("p-bob", "Bob Stone", "bob"),
]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("@张伟请看一下", ["p-zw"]),
        ("请@张伟看一下", ["p-zw"]),
        ("@张伟明 你好", ["p-zwm"]),
        ("@张伟明请确认", ["p-zwm"]),
        ("＠张伟 全角也可以", ["p-zw"]),
        ("thanks @bob!", ["p-bob"]),
        ("ping @Bob Stone about it", ["p-bob"]),
        ("@ana.lopez please", ["p-ana"]),
        ("@Ana López please", ["p-ana"]),
        ("@ANA, can you?", ["p-an"]),
        ("@ana请看", ["p-an"]),
        ("@anabel is not Ana", []),
        ("write to ana@example.com or bob@example.com", []),
        ("no mentions here", []),
        ("trailing @", []),
    ],
)
def test_mentions_match_handles_and_names_in_english_and_chinese(text: str, ids: list[str]) -> None:
    assert parse_mentions(text, PEOPLE) == ids


def test_mentions_come_in_order_of_first_appearance_without_repeats() -> None:
    text = "@bob 和 @张伟 请看，@Bob Stone 再确认，@zhangwei 也看看"
    assert parse_mentions(text, PEOPLE) == ["p-bob", "p-zw"]


def test_the_longest_name_wins_over_a_shorter_one_it_starts_with() -> None:
    assert parse_mentions("cc @Ana López", PEOPLE) == ["p-ana"]
    without_longer = [p for p in PEOPLE if p.id != "p-ana"]
    assert parse_mentions("cc @Ana López", without_longer) == ["p-an"]


def test_a_chinese_name_without_its_longer_namesake_still_matches() -> None:
    only_short = [p for p in PEOPLE if p.id != "p-zwm"]
    assert parse_mentions("@张伟明天开会", only_short) == ["p-zw"]


def test_a_display_name_shared_by_two_people_mentions_both_but_a_handle_only_one() -> None:
    twins = [*PEOPLE, person("p-zw2", "张伟", "zhangwei2")]
    assert parse_mentions("@张伟 看下", twins) == ["p-zw", "p-zw2"]
    assert parse_mentions("@zhangwei2 看下", twins) == ["p-zw2"]
