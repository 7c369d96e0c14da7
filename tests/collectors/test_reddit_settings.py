"""Reddit settings, the streams they ask for, keyword matching, and high-water marks."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from monitor.collectors.reddit.collector import keyword_matcher, streams_for
from monitor.collectors.reddit.settings import RedditBrandSettings, RedditSettings, search_query
from monitor.collectors.watermark import Mark, Walk
from monitor.config import expand_env


def test_brand_settings_normalise_names_and_need_keywords() -> None:
    settings = RedditBrandSettings(
        keywords=[" acme ", "acme mobile"], subreddits=["r/techsupport"], accounts=["u/AcmeSupport"]
    )
    assert settings.subreddits == ["techsupport"] and settings.accounts == ["AcmeSupport"]
    assert search_query(settings.keywords) == 'acme OR "acme mobile"'
    with pytest.raises(ValidationError, match="keywords"):
        RedditBrandSettings(keywords=[])
    with pytest.raises(ValidationError, match="not a subreddit name: 'tech support'"):
        RedditBrandSettings(keywords=["acme"], subreddits=["tech support"])
    with pytest.raises(ValidationError, match="not a Reddit username"):
        RedditBrandSettings(keywords=["acme"], accounts=["a"])
    with pytest.raises(ValidationError, match="Reddit takes 512"):
        RedditBrandSettings(keywords=[f"keyword{n}" for n in range(60)])
    with pytest.raises(ValidationError, match="a keyword is empty"):
        RedditBrandSettings(keywords=["acme", '  ""  '])


def test_source_settings_need_credentials_only_when_enabled() -> None:
    assert RedditSettings().enabled is False
    with pytest.raises(ValidationError, match="client_id and client_secret required when enabled"):
        RedditSettings(enabled=True)
    with pytest.raises(ValidationError, match="both username and password"):
        RedditSettings(username=SecretStr("bot"))
    with pytest.raises(ValidationError, match="limit"):
        RedditSettings(limit=101)


def test_config_secrets_come_from_the_environment() -> None:
    section = {"enabled": True, "client_id": "${REDDIT_ID}", "client_secret": "${REDDIT_SECRET}"}
    problems: list[str] = []
    env = {"REDDIT_ID": "id-123", "REDDIT_SECRET": "s3cret"}
    expanded = expand_env(section, env, ("sources", "reddit"), problems)
    reddit = RedditSettings.model_validate(expanded)
    assert problems == [] and reddit.client_secret is not None
    assert reddit.client_secret.get_secret_value() == "s3cret" and "s3cret" not in repr(reddit)
    expand_env({**section, "client_secret": "literal"}, env, ("sources", "reddit"), problems)
    assert problems == [
        "sources.reddit.client_secret: write credentials as an ${ENV_VAR} reference, not a literal"
    ]


def test_streams_cover_own_space_search_comments_and_brand_accounts() -> None:
    settings = RedditBrandSettings(
        keywords=["acme"],
        subreddits=["techsupport", "acmemobile"],
        own_subreddits=["AcmeMobile"],
        accounts=["AcmeSupport"],
    )
    names = [s.name for s in streams_for(settings)]
    assert names == [
        "new:r/AcmeMobile",
        "comments:r/AcmeMobile",
        "search:all",
        "search:r/techsupport",
        "comments:r/techsupport",
        "user:AcmeSupport",
    ]
    by_name = {s.name: s for s in streams_for(settings)}
    assert by_name["comments:r/techsupport"].keywords == ("acme",)
    assert by_name["comments:r/AcmeMobile"].keywords == ()  # own space: everything
    settings.sitewide = False
    assert "search:all" not in [s.name for s in streams_for(settings)]


def test_keywords_match_whole_words_case_insensitively() -> None:
    matches = keyword_matcher(("acme", "acme mobile", "c++"))
    assert matches("Thanks ACME!") and matches("my acme-mobile plan") and matches("I love C++")
    assert not matches("Acmetric benchmark") and not matches("macme")


def test_marks_tell_ties_apart_and_survive_bad_input() -> None:
    mark = Mark(100.0, frozenset({"t1_a"}))
    assert not mark.is_new(100.0, "t1_a") and mark.is_new(100.0, "t1_b")
    assert mark.is_new(101.0, "t1_a") and not mark.is_new(99.0, "t1_z")
    assert Mark.from_json(mark.to_json()) == mark
    bad_marks: list[object] = [None, [], {"ts": "x"}, {"ts": True}, {"ts": 1, "ids": [1]}]
    for bad in bad_marks:
        assert Mark.from_json(bad) is None


def test_walk_stops_below_the_mark_and_keeps_the_newest() -> None:
    walk = Walk(Mark(100.0, frozenset({"a"})))
    seen = [(105, "c"), (100, "b"), (100, "a")]
    assert [walk.see(ts, i) for ts, i in seen] == [True, True, False]
    assert not walk.reached_end
    assert walk.see(99, "z") is False and walk.reached_end
    assert walk.new_mark() == Mark(105.0, frozenset({"c"}))
    first = Walk(None, floor=50.0)
    assert first.see(60, "x") and not first.see(40, "y") and first.reached_end
    backfill = Walk(Mark(100.0), since=10.0, until=20.0)
    assert [backfill.see(ts, "i") for ts in (25, 15, 5)] == [False, True, False]
    assert backfill.reached_end and backfill.backfill
