"""Stored themes: stable ids, labels kept, per-period members replaced (idempotent)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import Mention, ThemeMention
from monitor.storage.themes import (
    add_theme,
    known_themes,
    period_members,
    replace_period,
    theme_labels_by_id,
    touch_theme,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


def _mentions(engine: Engine, n: int) -> list[int]:
    posts = [
        Post(source="x", external_id=str(i), author=f"a{i}", text=f"t{i}", created_at=NOW)
        for i in range(n)
    ]
    with session_scope(engine) as session:
        upsert_posts(session, posts, brand_of=lambda p: "Acme", is_brand_post=lambda p: False,
                     now=NOW)  # fmt: skip
    with session_scope(engine) as session:
        return [int(i) for i in session.execute(select(Mention.id).order_by(Mention.id)).scalars()]


def test_theme_keeps_id_and_label_and_follows_the_newest_centroid(engine: Engine) -> None:
    with session_scope(engine) as session:
        tid = add_theme(session, "Acme", "refund · charged twice", [1.0, 0.0], D2, NOW)
        other = add_theme(session, "Globex", "app crash", [0.0, 1.0], D2, NOW)
    with session_scope(engine) as session:
        touch_theme(session, tid, [0.6, 0.8], D3, NOW)
        touch_theme(session, tid, [0.0, 1.0], D1, NOW)  # an older period: centroid stays
    with session_scope(engine) as session:
        [theme] = known_themes(session, "Acme", D1)
        assert (theme.id, theme.label) == (tid, "refund · charged twice")
        assert theme.centroid == [0.6, 0.8]
        assert (theme.first_day, theme.last_day) == (D1, D3)
        assert known_themes(session, "Acme", date(2026, 11, 4)) == []
        assert theme_labels_by_id(session, [tid, other]) == {
            tid: "refund · charged twice",
            other: "app crash",
        }


def test_period_rows_are_replaced_not_added(engine: Engine) -> None:
    ids = _mentions(engine, 4)
    with session_scope(engine) as session:
        tid = add_theme(session, "Acme", "refund", [1.0], D2, NOW)
    first = {ids[0]: tid, ids[1]: tid, ids[2]: None}
    for _ in range(2):
        with session_scope(engine) as session:
            replace_period(session, "Acme", D2, D2, first, NOW)
    with session_scope(engine) as session:
        replace_period(session, "Acme", D1, D2, {ids[3]: tid}, NOW)  # another period
    with session_scope(engine) as session:
        assert period_members(session, "Acme", D2, D2) == first
        assert period_members(session, "Acme", D1, D2) == {ids[3]: tid}
        total = session.execute(select(func.count()).select_from(ThemeMention)).scalar_one()
        assert total == 4
    with session_scope(engine) as session:
        replace_period(session, "Acme", D2, D2, {ids[1]: None}, NOW)
    with session_scope(engine) as session:
        assert period_members(session, "Acme", D2, D2) == {ids[1]: None}
