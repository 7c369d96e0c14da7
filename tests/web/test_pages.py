"""The queue and item pages for every role (SQLite and PostgreSQL): contents, filters,
escaping of hostile post text, security headers, the JSON API and the static files."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from monitor.web.headers import CSP
from tests.web.conftest import HOSTILE

ClientAs = Callable[[str], tuple[TestClient, str]]
ROLES = ["viewer", "agent", "admin"]
PAGES = ["/", "/queue/rows", "/api/queue", "/items/x:801", "/items/x:501"]


def keys_of(html: str) -> list[str]:
    """The queue rows' item ids, in order."""
    return re.findall(r'<tr data-key="([^"]+)"', html)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_every_page(client_as: ClientAs, role: str) -> None:
    client, _ = client_as(role)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
    queue = client.get("/").text
    assert keys_of(queue) == ["x:801", "x:900"]  # most urgent first
    can_act = role != "viewer"
    assert ('action="/items/x%3A801/resolve"' in queue) is can_act  # viewers see no forms
    assert ('action="/items/close"' in queue) is can_act
    assert f'<span class="role">{role}</span>' in queue


def test_the_queue_shows_kind_state_priority_age_reach_assignee(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    row = client.get("/").text.split('<tr data-key="x:801"')[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[1][:1] == ["complaint"] and cells[2][:1] == ["new"]
    assert cells[3] == ["2.11"] and cells[4] == ["30m"] and cells[5] == ["9"] and cells[6] == ["-"]


def test_queue_filters_are_read_from_the_url(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    assert keys_of(client.get("/?state=abandoned").text) == ["x:401", "x:800", "appstore:r1"]
    assert keys_of(client.get("/?state=abandoned&source=appstore").text) == ["appstore:r1"]
    assert keys_of(client.get("/?kind=question").text) == []
    assert keys_of(client.get("/?brand=Acme&kind=complaint").text) == ["x:801", "x:900"]
    assert keys_of(client.get("/?overdue=1").text) == []
    assert keys_of(client.get("/?assignee=bo").text) == []
    rows = client.get("/queue/rows?state=abandoned&source=appstore").text
    assert keys_of(rows) == ["appstore:r1"] and "<html" not in rows  # the partial alone
    page = client.get("/?state=abandoned&source=appstore").text
    assert 'hx-get="/queue/rows?brand=&amp;' not in page  # empty filters are left out
    assert 'hx-get="/queue/rows?source=appstore&amp;state=abandoned"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("brand=Nope", "no brand named &#39;Nope&#39;"),
        ("kind=rant", "unknown kind &#39;rant&#39;"),
        ("state=resolved", "state &#39;resolved&#39; is not listed"),
    ],
)
def test_a_bad_filter_says_what_is_wrong(client_as: ClientAs, query: str, message: str) -> None:
    client, _ = client_as("viewer")
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert client.get(f"/api/queue?{query}").status_code == 400


def test_hostile_post_text_is_shown_as_text(client_as: ClientAs) -> None:
    client, _ = client_as("agent")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}"
    for path in ("/", "/queue/rows", "/items/x:900"):
        html = client.get(path).text
        assert escaped in html, path
        assert "<script>alert(1)" not in html and ">49<" not in html, path
    assert client.get("/api/queue").json()[1]["text"] == HOSTILE


def test_security_headers_on_pages_forms_errors_and_static(app: Starlette) -> None:
    with TestClient(app) as client:
        for path in ("/login", "/", "/static/app.js", "/no/such/page"):
            headers = client.get(path, follow_redirects=False).headers
            assert headers["content-security-policy"] == CSP, path
            assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP
            assert headers["x-frame-options"] == "DENY", path
            assert headers["x-content-type-options"] == "nosniff", path


def test_no_inline_script_or_style_in_the_pages(client_as: ClientAs) -> None:
    client, _ = client_as("admin")
    for path in ("/", "/items/x:501", "/login"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and " onclick=" not in html, path


def test_static_files_are_served_from_the_package(app: Starlette) -> None:
    with TestClient(app) as client:
        htmx = client.get("/static/htmx-2.0.11.min.js")
        assert htmx.status_code == 200 and "htmx" in htmx.text[:200]
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/static/app.css").status_code == 200


def test_the_item_page_shows_the_thread_with_brand_replies_and_earlier_items(
    client_as: ClientAs,
) -> None:
    client, _ = client_as("viewer")
    gina = client.get("/items/x:503").text  # AcmeHelp's reply names gina's item
    assert "<h1>complaint x:501</h1>" in gina
    thread = gina.split('aria-label="thread"')[1].split("</section>")[0]
    assert re.search(
        r'<li class="brand">\s*<p class="meta"><span class="author">AcmeHelp</span> \(brand\)',
        thread,
    )
    assert '<li class="customer this">' in thread
    uma = client.get("/items/x:801").text
    earlier = uma.split('aria-label="earlier items"')[1].split("</section>")[0]
    assert 'href="/items/x%3A800"' in earlier and "login broken" in earlier
    assert '/resolve"' not in uma and 'name="text"' not in uma  # a viewer gets no forms


def test_an_unknown_item_is_404(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    missing = client.get("/items/x:nope")
    assert missing.status_code == 404 and "no stored post x:nope" in missing.text
    assert client.get("/items/x:i1").status_code == 404  # a post of no configured brand
    alone = client.get("/items/x:601")  # Acme's, but in no item: shown alone with its trail
    assert alone.status_code == 200 and "<h1>post x:601</h1>" in alone.text
    assert "not a needs-reply item" in alone.text
    assert client.get("/items/x601").status_code == 400
    assert client.get("/no/such/page").status_code == 404


def test_the_api_lists_the_queue_as_the_cli_does(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    items = client.get("/api/queue?state=abandoned").json()
    assert [i["id"] for i in items] == ["x:401", "x:800", "appstore:r1"]
    assert items[0]["state"] == "abandoned" and items[0]["followers"] == 999


def test_an_item_opened_from_a_filtered_queue_leads_back_to_it(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    queue = client.get("/?state=abandoned&source=appstore").text
    link = re.search(r'<a href="([^"]+)" class="open">appstore:r1</a>', queue)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert href == "/items/appstore%3Ar1?next=/%3Fsource%3Dappstore%26state%3Dabandoned"
    item = client.get(href).text
    assert '<a href="/?source=appstore&amp;state=abandoned" class="back">' in item


def test_a_queue_longer_than_a_page_says_how_many_are_shown(
    client_as: ClientAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.web import pages_queue

    monkeypatch.setattr(pages_queue, "MAX_ROWS", 1)  # the scenario's queue has 2 items
    client, _ = client_as("agent")
    for path in ("/", "/queue/rows"):
        html = client.get(path).text
        assert keys_of(html) == ["x:801"], path  # the most urgent one
        assert "1 of 2 shown, most urgent first: narrow the filters to see the rest." in html
    assert len(client.get("/api/queue").json()) == 2  # the API is not cut
