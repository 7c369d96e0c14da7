"""Actions on items through the web (SQLite and PostgreSQL): each a POST form working
without JavaScript, audited with the signed-in user's name; CSRF and roles enforced."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from monitor.storage.db import session_scope
from monitor.storage.models import LabelCorrection, TriageAudit

ClientAs = Callable[[str], tuple[TestClient, str]]
#: Every action with a valid form (besides the token) for item x:801.
ACTIONS: dict[str, dict[str, str]] = {
    "/items/x:801/resolve": {"note": "fixed"},
    "/items/x:801/reopen": {},
    "/items/x:801/snooze": {"hours": "4"},
    "/items/x:801/assign": {"to": "bo"},
    "/items/x:801/note": {"text": "called back"},
    "/items/close": {"id": "x:801"},
    "/items/x:801/label": {"sentiment": "neutral"},  # last: a neutral post is no item
}


def audit(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(TriageAudit).order_by(TriageAudit.id)).all()  # type: ignore[arg-type]
        return [(r.action, r.actor, r.detail, r.note) for r in rows]


def keys_of(html: str) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', html)


def test_resolve_from_the_queue_without_javascript(client_as: ClientAs, seeded: Engine) -> None:
    client, csrf = client_as("agent")
    response = client.post(
        "/items/x%3A801/resolve",
        data={"csrf_token": csrf, "next": "/?brand=Acme"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/" and parse_qs(target.query)["brand"] == ["Acme"]  # filters kept
    assert "x:801: resolve at 2026-10-08 14:00 UTC" in parse_qs(target.query)["notice"][0]
    page = client.get(response.headers["location"]).text
    assert keys_of(page) == ["x:900"]  # it left the queue
    assert "no longer needs a reply" in page
    assert audit(seeded) == [("resolve", "bo", "at 2026-10-08 14:00 UTC", None)]


def test_every_action_is_audited_with_the_signed_in_user(
    client_as: ClientAs, seeded: Engine
) -> None:
    client, csrf = client_as("admin")
    for path, form in ACTIONS.items():
        response = client.post(path, data={"csrf_token": csrf, **form}, follow_redirects=False)
        assert response.status_code == 303, (path, response.text[:300])
    assert [(a[0], a[1]) for a in audit(seeded)] == [
        (verb, "ann")
        for verb in ("resolve", "reopen", "snooze", "assign", "note", "close", "label")
    ]
    page = client.get("/items/x:801").text  # neutral now: no item, the post and its trail
    assert "<h1>post x:801</h1>" in page
    trail = page.split('aria-label="audit trail"')[1]
    assert "called back" in trail and "to bo" in trail and "neutral (model: negative)" in trail
    notes = client.get("/items/x:801").text.split('aria-label="notes"')[1].split("</section>")[0]
    assert "called back" in notes
    with session_scope(seeded) as s:
        correction = s.exec(select(LabelCorrection)).one()
        assert (correction.label, correction.actor) == ("neutral", "ann")


def test_snooze_and_assign_show_in_the_queue(client_as: ClientAs) -> None:
    client, csrf = client_as("agent")
    client.post("/items/x:900/assign", data={"csrf_token": csrf, "to": "cy"})
    assert keys_of(client.get("/?assignee=cy").text) == ["x:900"]
    client.post("/items/x:801/snooze", data={"csrf_token": csrf, "hours": "1"})
    assert keys_of(client.get("/").text) == ["x:900"]
    snoozed = client.get("/?state=snoozed").text
    assert keys_of(snoozed) == ["x:801"]


def test_bulk_close_closes_every_checked_item(client_as: ClientAs, seeded: Engine) -> None:
    client, csrf = client_as("agent")
    response = client.post(
        "/items/close",
        data={"csrf_token": csrf, "id": ["x:801", "x:900"], "next": "/"},
        follow_redirects=False,
    )
    assert "closed+2+items" in response.headers["location"]
    assert keys_of(client.get("/").text) == []
    assert [(a[0], a[1]) for a in audit(seeded)] == [("close", "bo"), ("close", "bo")]


def test_an_htmx_action_answers_with_an_empty_row_and_a_refresh(client_as: ClientAs) -> None:
    client, csrf = client_as("agent")
    response = client.post(
        "/items/x:801/resolve", headers={"HX-Request": "true", "X-CSRF-Token": csrf}
    )
    assert response.status_code == 200 and response.text == ""
    assert response.headers["hx-trigger"] == "queue-changed"


@pytest.mark.parametrize("path", list(ACTIONS))
def test_a_viewer_may_not_act(client_as: ClientAs, seeded: Engine, path: str) -> None:
    client, csrf = client_as("viewer")
    response = client.post(path, data={"csrf_token": csrf, **ACTIONS[path]})
    assert response.status_code == 403
    assert "your role (viewer) may not do this" in response.text
    assert audit(seeded) == []


def test_without_the_csrf_token_nothing_happens(client_as: ClientAs, seeded: Engine) -> None:
    client, csrf = client_as("admin")
    for path, form in ACTIONS.items():
        assert client.post(path, data=form).status_code == 403, path
        wrong = client.post(path, data={"csrf_token": csrf[:-1] + "x", **form})
        assert wrong.status_code == 403, path
        assert client.post(path, data=form, headers={"X-CSRF-Token": ""}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert audit(seeded) == []
    # another session's token is no token for this one
    other, other_csrf = client_as("agent")
    assert client.post("/items/x:801/resolve", data={"csrf_token": other_csrf}).status_code == 403
    assert (
        other.post("/items/x:801/resolve", headers={"X-CSRF-Token": other_csrf}).status_code == 200
    )


@pytest.mark.parametrize(
    ("path", "form", "code", "message"),
    [
        ("/items/x:801/snooze", {"hours": "soon"}, 400, "snooze hours &#39;soon&#39;"),
        ("/items/x:801/snooze", {"hours": "inf"}, 400, "snooze hours must be between"),
        ("/items/x:801/snooze", {"hours": "0"}, 400, "snooze hours must be between"),
        ("/items/x:801/label", {"sentiment": "angry"}, 400, "--sentiment &#39;angry&#39;"),
        ("/items/x:801/note", {"text": "  "}, 400, "the note is empty"),
        ("/items/x:nope/resolve", {}, 404, "no stored post x:nope"),
        ("/items/x:601/resolve", {}, 404, "not a needs-reply item"),
        ("/items/close", {}, 400, "no item chosen to close"),
    ],
)
def test_bad_action_input_is_a_clear_error(
    client_as: ClientAs, seeded: Engine, path: str, form: dict[str, str], code: int, message: str
) -> None:
    client, csrf = client_as("agent")
    response = client.post(path, data={"csrf_token": csrf, **form})
    assert response.status_code == code
    assert message in response.text
    assert audit(seeded) == []


def test_get_never_acts(client_as: ClientAs, seeded: Engine) -> None:
    client, _ = client_as("admin")
    assert client.get("/items/x:801/resolve").status_code in (404, 405)
    assert audit(seeded) == []
