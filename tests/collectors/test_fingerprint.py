"""Stream fingerprints: a stream whose settings changed loses its state, the others keep it."""

from __future__ import annotations

from monitor.collectors.fingerprint import FINGERPRINTS, check_streams, fingerprint

SETTINGS = {"mentions": {"user_id": "1"}, "search": {"query": "acme"}}
STATE = {"mentions": {"since_id": "10"}, "search": {"since_id": "20"}}


def stored(settings: dict[str, dict[str, str]]) -> dict[str, object]:
    """A cursor as the pipeline saves it under ``settings``."""
    fps = {name: fingerprint(values) for name, values in settings.items()}
    return {"streams": dict(STATE), "budget": {"reads": 3}, FINGERPRINTS: fps}


def test_unchanged_settings_keep_every_stream() -> None:
    check = check_streams(stored(SETTINGS), SETTINGS)
    assert check.changed == [] and check.cursor == stored(SETTINGS)


def test_a_changed_query_drops_that_stream_only_and_says_so() -> None:
    new = {**SETTINGS, "search": {"query": "acme OR globex"}}
    check = check_streams(stored(SETTINGS), new)
    assert check.cursor is not None
    assert check.cursor["streams"] == {"mentions": {"since_id": "10"}}
    assert check.cursor["budget"] == {"reads": 3}  # the rest of the cursor is kept
    assert [c.message() for c in check.changed] == [
        "search query changed, starting the search stream afresh"
    ]
    stamped = check.stamp({"streams": {"mentions": {"since_id": "11"}}})
    assert stamped[FINGERPRINTS]["search"] == fingerprint({"query": "acme OR globex"})
    # once stamped, the next pass sees no change
    assert check_streams(stamped, new).changed == []


def test_a_cursor_from_before_fingerprints_keeps_its_state() -> None:
    legacy = {"streams": dict(STATE)}
    check = check_streams(legacy, SETTINGS)
    assert check.changed == [] and check.cursor == legacy
    assert set(check.fingerprints) == {"mentions", "search"}


def test_a_removed_stream_added_back_with_other_settings_starts_afresh() -> None:
    only_search = check_streams(stored(SETTINGS), {"search": SETTINGS["search"]})
    cursor = only_search.stamp({"streams": dict(STATE)})  # X keeps unconfigured streams
    back = check_streams(cursor, {**SETTINGS, "mentions": {"user_id": "2"}})
    assert [c.name for c in back.changed] == ["mentions"]
    assert back.cursor is not None and "mentions" not in back.cursor["streams"]


def test_fingerprint_ignores_key_order_and_sees_list_order() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({"k": ["x", "y"]}) != fingerprint({"k": ["y", "x"]})
    assert len(fingerprint({})) == 16


def test_no_cursor_and_unreadable_fingerprints_start_plainly() -> None:
    assert check_streams(None, SETTINGS).cursor is None
    odd = {"streams": dict(STATE), FINGERPRINTS: ["not", "a", "dict"]}
    assert check_streams(odd, SETTINGS).changed == []
