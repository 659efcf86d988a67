"""Choosing municipalities without Ctrl-click: checkboxes by region, which work without JavaScript."""

from __future__ import annotations

import re

import pytest

from tests.helpers import csrf_token


@pytest.fixture
def admin(login):
    return login("admin")


def _boxes(page: str) -> dict[str, bool]:
    """Every municipality checkbox of the page: code -> ticked."""
    return {
        code: bool(checked)
        for code, checked in re.findall(
            r'<input type="checkbox" name="municipalities" value="(\d+)"( checked)?>', page
        )
    }


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def _groups(page: str) -> list[tuple[bool, str]]:
    return [
        (bool(opened), re.sub(r"<[^>]+>", "", summary).strip())
        for opened, summary in re.findall(
            r'<details class="picker-group"( open)?>\s*<summary>(.*?)</summary>', page, re.S
        )
    ]


def test_the_user_form_groups_all_98_municipalities_by_region_in_details(admin, make_user):
    user = make_user(email="k@koege.dk", municipalities=("259", "370"))
    page = admin.get(f"/admin/brugere/{user['id']}").text
    assert "multiple" not in page and "Ctrl" not in page
    boxes = _boxes(page)
    assert len(boxes) == 98
    assert {code for code, ticked in boxes.items() if ticked} == {"259", "370"}
    groups = _groups(page)
    assert [name.split(" (")[0] for _open, name in groups] == [
        "Region Hovedstaden",
        "Region Midtjylland",
        "Region Nordjylland",
        "Region Sjælland",
        "Region Syddanmark",
    ]
    # Only the region with chosen municipalities is open; it says how many.
    assert (True, "Region Sjælland (2 valgt)") in groups
    assert sum(opened for opened, _name in groups) == 1
    assert "Valgt: Køge (259), Næstved (370)" in _text(page)
    # The filter needs JavaScript, so it is hidden until picker.js shows it.
    assert re.search(r'<div class="picker-filter" hidden>\s*<label for="municipalities-filter">', page)
    assert '<script src="/static/picker.js?v=' in page
    assert "data-picker-filter" in admin.get("/static/picker.js").text


def test_ticked_boxes_post_the_chosen_municipalities_without_javascript(admin, make_user, db):
    user = make_user(email="k@koege.dk", municipalities=("259",))
    page = admin.get(f"/admin/brugere/{user['id']}")
    # What a browser without JavaScript sends for three ticked boxes: one value each.
    saved = admin.post(
        f"/admin/brugere/{user['id']}",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "k@koege.dk",
            "role": "consultant",
            "municipalities": ["370", "101", "259"],
        },
    )
    assert saved.status_code == 303
    stored = [
        row[0]
        for row in db.execute(
            "SELECT municipality_code FROM user_municipality WHERE user_id = ? ORDER BY 1", [user["id"]]
        )
    ]
    assert stored == ["101", "259", "370"]
    again = admin.get(f"/admin/brugere/{user['id']}").text
    assert {code for code, ticked in _boxes(again).items() if ticked} == {"101", "259", "370"}


def test_an_unknown_code_is_refused_in_danish_and_the_ticks_are_kept(admin, db):
    page = admin.get("/admin/")
    refused = admin.post(
        "/admin/",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "ny@koege.dk",
            "role": "consultant",
            "municipalities": ["259", "9999"],
        },
    )
    assert refused.status_code == 422
    assert "Vælg kommunerne på listen." in refused.text
    assert _boxes(refused.text)["259"] is True
    assert db.execute("SELECT COUNT(*) FROM user WHERE email = 'ny@koege.dk'").fetchone()[0] == 0


def test_the_cluster_and_round_forms_use_the_picker_too(admin):
    clusters = admin.get("/admin/klynger").text
    assert "multiple" not in clusters and len(_boxes(clusters)) == 98
    assert "En kommune hører højst til én klynge." in clusters
    rounds = admin.get("/admin/runder/ny").text
    assert "multiple" not in rounds and "Ctrl" not in rounds
    assert len(_boxes(rounds)) == 98 and "Køge (259) – ingen teamkontakt" in rounds


def test_english_labels(admin):
    page = admin.get("/admin/")
    admin.post("/sprog", data={"csrf_token": csrf_token(page.text), "language": "en"})
    english = admin.get("/admin/").text
    assert "Chosen: none" in _text(english) and "Find a municipality by name or code" in english
    assert "Region Sjælland (0 chosen)" in [name for _open, name in _groups(english)]
