"""Every route is classified by who may use it, and consultants see only their own municipalities.

A new route that is not classified fails ``test_every_route_is_classified``,
so nobody adds a page without deciding who may see it. What each role gets
from every route and method (login redirects for visitors, 404 for other
roles and for another municipality's participants) is the matrix in
``test_attack.py``.
"""

import re

from tests.helpers import csrf_token

# Routes anyone may use: the participant's own pages work by signed link or session, not by login.
PARTICIPANT_ENDPOINTS = {
    "main.index",
    "main.set_language",
    "main.robots",
    "static",
    "participant.welcome",
    "participant.start",
    "participant.chat",
    "participant.answer",
    "participant.opt_out",
}


def roles_of(app, endpoint):
    return getattr(app.view_functions[endpoint], "roles", None)


def test_every_route_is_classified(app):
    unclassified = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in PARTICIPANT_ENDPOINTS and roles_of(app, rule.endpoint) is None
    ]
    assert unclassified == []


def staff_rules(app, role):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if (roles_of(app, rule.endpoint) or ()) != ("public",)
        and rule.endpoint not in PARTICIPANT_ENDPOINTS
        and role in roles_of(app, rule.endpoint)
    ]


def url_for_rule(rule, participant_id=1, user_id=1):
    values = {
        "participant_id": participant_id,
        "user_id": user_id,
        "cluster_id": 1,
        "key": "sms_invitation",
        "code": "259",
        "fmt": "csv",
        "kind": "r",
        "round_id": 1,
        "review_id": 1,
        "scale": "ips25",
    }
    return rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]


def test_consultant_cannot_reach_another_municipality(app, login, add_participant, db):
    add_participant("KOGE-1", "259")
    koege_id = db.execute("SELECT id FROM participant WHERE code = 'KOGE-1'").fetchone()[0]
    naestved = login("consultant", ("370",))
    page = naestved.get("/konsulent/")
    token = csrf_token(page.text)
    assert "KOGE-1" not in naestved.get("/konsulent/deltagere").text
    checked = 0
    for rule in staff_rules(app, "consultant"):
        if "participant_id" not in rule.arguments:
            continue
        path = url_for_rule(rule, participant_id=koege_id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = naestved.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (rule, method)
            assert "KOGE-1" not in response.text
            checked += 1
    assert checked >= 6
    # Nothing happened to the participant.
    row = db.execute("SELECT withdrawn_at FROM participant WHERE id = ?", [koege_id]).fetchone()
    assert row[0] is None
    assert db.execute("SELECT COUNT(*) FROM invitation").fetchone()[0] == 0
    # The Køge consultant does see them.
    koege = login("consultant", ("259",))
    assert re.search(r">KOGE-1<", koege.get("/konsulent/deltagere").text)


def test_consultant_cannot_add_to_another_municipality(login, db):
    client = login("consultant", ("370",))
    page = client.get("/konsulent/deltagere/ny")
    assert 'value="259"' not in page.text
    response = client.post(
        "/konsulent/deltagere/ny",
        data={
            "csrf_token": csrf_token(page.text),
            "code": "X-1",
            "municipality": "259",
            "baseline": "2026-01-05",
            "phone": "20123456",
            "channel": "sms",
            "language": "da",
            "consent": "y",
        },
    )
    assert response.status_code == 422
    assert db.execute("SELECT COUNT(*) FROM participant").fetchone()[0] == 0
