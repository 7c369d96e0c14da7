"""The fake X API itself: its search matching and wire details, so other tests can trust it."""

from __future__ import annotations

import pytest
import requests

from tests.collectors.fakes.x_query import QueryError, compile_query
from tests.collectors.fakes.x_server import FAKE_BEARER, SAMPLE_CORPUS, running_x_server


class Handles:
    """User lookup over the sample corpus."""

    def __init__(self) -> None:
        self.by_id = {u["id"]: u["username"].lower() for u in SAMPLE_CORPUS["users"]}

    def username(self, user_id: object) -> str | None:
        return self.by_id.get(user_id)


def texts(query: str) -> list[str]:
    match = compile_query(query)
    return [t["text"] for t in SAMPLE_CORPUS["tweets"] if match(t, Handles())]


def test_brand_query_matches_mentions_phrase_and_hashtag_only() -> None:
    found = texts(SAMPLE_CORPUS["brand"]["query"])
    assert any(t.startswith("the skylark air app logs me out") for t in found)  # phrase + tag
    assert any("#skylarkair #fail" in t for t in found)
    assert not any("watching a skylark" in t for t in found)  # a word is not the phrase
    assert not any(t.startswith("@NorthwindAir") for t in found)
    assert not any(t.startswith("@maria_travels") for t in found)  # brand reply, no mention


def test_operators() -> None:
    assert all(t.startswith("@") for t in texts("from:SkylarkAirHelp is:reply"))
    assert len(texts("from:SkylarkAirHelp is:reply")) == 5
    assert len(texts("from:SkylarkAirHelp -is:reply")) == 0
    assert {t[:20] for t in texts("lang:es")} == {
        t[:20] for t in texts("gracias OR check-in lang:es")
    }
    assert texts("@NorthwindAir to:SkylarkAir") == []
    with pytest.raises(QueryError):
        compile_query("(unbalanced")
    with pytest.raises(QueryError):
        compile_query("near:lisbon")


def test_wire_details() -> None:
    with running_x_server() as server:
        url = server.base_url + "/2/tweets/search/recent"
        auth = {"Authorization": f"Bearer {FAKE_BEARER}"}
        bad = requests.get(url, params={"query": "x"}, timeout=5)
        assert bad.status_code == 401 and bad.json()["title"] == "Unauthorized"
        small = requests.get(
            url, params={"query": "x", "max_results": "5"}, headers=auth, timeout=5
        )
        assert small.status_code == 400 and "max_results" in small.text
        unknown = requests.get(url, params={"query": "x", "page": "2"}, headers=auth, timeout=5)
        assert unknown.status_code == 400
        empty = requests.get(url, params={"query": "zeppelin"}, headers=auth, timeout=5)
        assert empty.json() == {"meta": {"result_count": 0}}
        assert empty.headers["x-rate-limit-limit"] == "450"
