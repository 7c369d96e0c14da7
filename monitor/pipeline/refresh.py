"""Keep the queue current: recompute the complaint items of the threads a write touched.

The full scorer (:func:`monitor.pipeline.score.score_days`) rebuilds every complaint of a
run of days on a schedule; this rebuilds only the threads holding the given posts, right
after they are stored or labeled, with the same loaders (:func:`thread_closure`,
:func:`to_facts`), the same analysis (:func:`analyze_items`) and the same stored row
shape. So a new complaint is in ``monitor unanswered`` as soon as its post is labeled, and
a brand reply stored later answers it at once; the periodic rescore still catches what no
write announces (a thread that goes silent long enough to count as resolved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import Settings
from monitor.pipeline.facts import brand_profile, scoring_params, to_facts
from monitor.pipeline.score import item_record  # one stored shape, the scorer's
from monitor.scoring import analyze_items
from monitor.scoring.model import require_aware
from monitor.storage.db import run_transaction, session_scope
from monitor.storage.scores import ComplaintRecord, drop_complaints_except, save_complaints
from monitor.storage.threads import rows_by_ids, thread_closure

Clock = Callable[[], datetime]


def refresh_items(
    engine: Engine, settings: Settings, *, clock: Clock, mention_ids: Iterable[int]
) -> int:
    """Recompute and store the complaints of the threads holding ``mention_ids``.

    Every configured brand with a post in those threads is analysed at ``clock()`` over
    the whole threads; their complaints are upserted and the threads' posts that are no
    longer complaints lose their rows. Returns how many complaints the threads hold now.
    Idempotent: the same stored posts refreshed at the same ``clock()`` store the same rows.
    """
    wanted = set(mention_ids)
    if not wanted:
        return 0
    now = require_aware(clock(), "clock()")
    params = scoring_params(settings)
    by_brand: dict[str, list[ComplaintRecord]] = {}
    with session_scope(engine) as session:
        closure = thread_closure(session, rows_by_ids(session, wanted))
        present = {row.brand for row in closure}
        for config in settings.config.brands:
            if config.name not in present:
                continue  # complaints of a brand come from its own posts only
            profile = brand_profile(settings, config)
            loaded = to_facts(session, profile, closure)
            found = analyze_items(loaded.facts, profile, params, loaded.resolutions, now)
            by_brand[config.name] = [item_record(c, loaded.ids[c.key]) for c in found]
    thread_ids = [row.id for row in closure]
    brands = [b.name for b in settings.config.brands]
    # its own short write transaction, run again should it lose a deadlock to the scorer
    run_transaction(engine, partial(_store, thread_ids, brands, by_brand, now))
    return sum(len(records) for records in by_brand.values())


def _store(
    thread_ids: list[int],
    brands: list[str],
    by_brand: dict[str, list[ComplaintRecord]],
    now: datetime,
    session: Session,
) -> None:
    keep = {r.mention_id for records in by_brand.values() for r in records}
    drop_complaints_except(session, thread_ids, keep, brands)
    for brand, records in by_brand.items():
        # an empty day window: nothing is rebuilt by date, only these records are upserted
        save_complaints(session, brand, now, now, records, now)
