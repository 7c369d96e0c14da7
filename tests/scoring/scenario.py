"""A hand-built scoring scenario with every KPI worked out by hand (reused by DB-backed tests).

Brand "Acme" in America/New_York (EDT, UTC−4 in October 2026), competitor "Globex".
Local day D = 2026-10-06 runs from 2026-10-06T04:00Z to 2026-10-07T04:00Z.
Scores are taken at NOW = 2026-10-08T14:00Z. SLA 60 min, abandonment 24 h, silence 48 h,
promoter confidence 0.9 (the defaults).

Threads (times UTC; "local" = New York):
- x:001 quinn (10-05 14:00, local day D−1) complains; follows up x:002 (10-06 12:30, day D,
  folded in, not a new complaint); AcmeHelp answers x:003 (10-06 13:00, to quinn's post):
  FRT 23 h = 1380 min; quinn then stays silent 48 h → resolved by silence at 10-06 13:00.
- x:005 sam (10-06 03:00 = 10-05 23:00 local: day D−1 although the UTC date is D);
  AcmeHelp replies x:006 (03:40, FRT 40); sam says thanks x:007 (05:00, positive 0.92, day D)
  → resolved by the author at 05:00 (120 min).
- x:101 carol, the customer who had to write three times: x:101 (12:00), x:102 (13:00),
  x:103 (15:00), all negative; AcmeHelp answers x:104 (15:30, FRT 210 > SLA); carol
  x:105 (16:00, positive 0.97) → resolved by the author, 240 min, effort 3.
- x:603 AcmeHelp announcement (09:00); x:201 dave replies to it negatively without naming
  the handle (13:00): a complaint because it replies to a brand post; AcmeHelp x:202
  (13:20, FRT 20) then silence → resolved at 13:20 (20 min) because 10-08 13:20 ≤ NOW.
- x:301 erin (14:00); AcmeHelp x:302 (14:45, FRT 45); erin x:303 (15:10, negative
  follow-up); AcmeHelp x:304 (16:00); the team marks x:301 resolved at 18:00 → manual,
  240 min, 2 brand replies (not first-contact), effort 2.
- x:401 frank (20:00, 999 followers) never answered.
- x:501 gina (10-07 03:00 = 10-06 23:00 local: day D); hank adds x:502 (thread context,
  brand=None, not a mention); AcmeHelp x:503 (10-08 04:00) replies to hank's post naming
  @gina → answered, FRT 25 h = 1500 min, beyond the 24 h abandonment window; unresolved.
- reddit:t3_a1 ivan posts in r/acme (16:00, the brand's own space); acme_support
  reddit:c_a2 (16:30, FRT 30); ivan reddit:c_a3 (17:00, neutral) → resolved, 60 min.
- Not complaints: x:602 paul negative but not directed; reddit:t3_b1 judy negative in
  r/gadgets; x:601 oscar neutral; reddit:t3_c1 kate positive 0.85 (not a promoter).
- appstore:r1 leo, 1-star review (21:00), not classified yet → complaint, never answered;
  appstore:r2 mia, 5-star positive 0.99.
- Globex (competitor): x:g6 (10-06 03:00 → day D−1), x:g1, x:g2, reddit:g3, x:g5
  (10-07 03:30 → day D), x:g4 by Globex's own account (not volume).
- Initech (an unrelated brand): x:i1 — ignored.
- Day D+1 (10-07 local): x:701 tina (10-07 20:00), AcmeHelp x:702 (20:30, FRT 30);
  its 24 h window ends 10-08 20:00 > NOW, so abandonment is still null.
- Day 10-08 local: x:801 uma (13:30, 30 min old at NOW): unanswered, not overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.scoring import BrandProfile, ManualResolution, MentionFacts, ScoringParams

NOW = datetime(2026, 10, 8, 14, 0, tzinfo=UTC)
DAY_BEFORE, DAY, DAY_AFTER, LAST_DAY = "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"

PROFILE = BrandProfile(
    name="Acme",
    timezone="America/New_York",
    accounts={"x": ["@AcmeHelp"], "reddit": ["acme_support"], "appstore": ["Acme Inc"]},
    own_spaces={"reddit": ["acme"]},
    competitors=("Globex",),
)
PARAMS = ScoringParams()


def at(stamp: str) -> datetime:
    """``"10-06 12:00"`` → 2026-10-06T12:00Z."""
    return datetime.strptime(f"2026-{stamp}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def post(
    source: str,
    external_id: str,
    author: str,
    stamp: str,
    text: str = "",
    *,
    brand: str | None = "Acme",
    label: str | None = None,
    conf: float | None = None,
    neg: float | None = None,
    reply: str | None = None,
    thread: str | None = None,
    sub: str | None = None,
    rating: int | None = None,
    followers: int | None = None,
    brand_post: bool = False,
) -> MentionFacts:
    """A terse MentionFacts builder for hand-written scenarios."""
    return MentionFacts(
        source=source,
        external_id=external_id,
        brand=brand,
        author=author,
        created_at=at(stamp),
        text=text,
        url=f"https://{source}.example/{external_id}",
        author_followers=followers,
        in_reply_to=reply,
        thread_id=thread,
        subreddit=sub,
        rating=rating,
        is_brand_post=brand_post,
        label=label,
        confidence=conf,
        negative_score=neg,
    )


def _x(eid: str, author: str, stamp: str, text: str, **kw: Any) -> MentionFacts:
    return post("x", eid, author, stamp, text, **kw)


def _acme(eid: str, stamp: str, text: str, reply: str, **kw: Any) -> MentionFacts:
    return post("x", eid, "AcmeHelp", stamp, text, reply=reply, brand_post=True, **kw)


def mentions() -> list[MentionFacts]:
    """Every post of the scenario (brand, context, competitor, unrelated brand)."""
    neg = {"label": "negative"}
    return [
        # quinn: complaint on D-1, follow-up on D, answered after 23 h, resolved by silence
        _x("001", "quinn", "10-05 14:00", "@AcmeHelp delivery late", thread="001", conf=0.8, **neg),
        _x("002", "quinn", "10-06 12:30", "@AcmeHelp any news??", reply="001", thread="001",
           conf=0.9, **neg),
        _acme("003", "10-06 13:00", "@quinn it ships today", reply="002", thread="001"),
        # rita: positive promoter on D-1 (01:00 local)
        _x("004", "rita", "10-05 05:00", "@AcmeHelp great service", label="positive", conf=0.95),
        # sam: 03:00Z is 23:00 local the day before
        _x("005", "sam", "10-06 03:00", "@AcmeHelp refund please", thread="005", conf=0.7, **neg),
        _acme("006", "10-06 03:40", "@sam done, refund sent", reply="005", thread="005"),
        _x("007", "sam", "10-06 05:00", "thanks!", reply="006", thread="005",
           label="positive", conf=0.92),
        # carol: wrote three times before the first reply
        _x("101", "carol", "10-06 12:00", "@AcmeHelp my order never arrived", thread="101",
           conf=0.95, neg=0.95, followers=99, **neg),
        _x("102", "carol", "10-06 13:00", "@AcmeHelp hello?? still waiting", reply="101",
           thread="101", conf=0.9, **neg),
        _x("103", "carol", "10-06 15:00", "@AcmeHelp third time asking, ridiculous",
           reply="102", thread="101", conf=0.97, **neg),
        _acme("104", "10-06 15:30", "@carol sorry! DM us your order number", reply="103",
              thread="101"),
        _x("105", "carol", "10-06 16:00", "@AcmeHelp thanks, sorted now", reply="104",
           thread="101", label="positive", conf=0.97),
        # dave: replies to the brand's announcement without naming the handle
        post("x", "603", "AcmeHelp", "10-06 09:00", "We're live with v5.2!", thread="603",
             brand_post=True),
        _x("201", "dave", "10-06 13:00", "app crashes on login since this update",
           reply="603", thread="603", conf=0.8, neg=0.8, followers=10, **neg),
        _acme("202", "10-06 13:20", "@dave try updating to 5.2.1", reply="201", thread="603"),
        # erin: two brand replies, then marked resolved by hand
        _x("301", "erin", "10-06 14:00", "@AcmeHelp you charged me twice", thread="301",
           conf=0.9, neg=0.9, followers=5000, **neg),
        _acme("302", "10-06 14:45", "@erin we're looking into it", reply="301", thread="301"),
        _x("303", "erin", "10-06 15:10", "still charged twice", reply="302", thread="301",
           conf=0.85, **neg),
        _acme("304", "10-06 16:00", "@erin refund issued", reply="303", thread="301"),
        # frank: never answered
        _x("401", "frank", "10-06 20:00", "@AcmeHelp worst support ever", thread="401",
           conf=0.99, neg=0.99, followers=999, **neg),
        # gina: late local evening of D; thread ids left out (derived through in_reply_to)
        _x("501", "gina", "10-07 03:00", "@AcmeHelp can't reset my password", conf=0.7,
           neg=0.7, followers=0, **neg),
        _x("502", "hank", "10-07 03:10", "same here", reply="501", brand=None,
           label="neutral", conf=0.6),
        _acme("503", "10-08 04:00", "@gina @hank password reset is fixed", reply="502"),
        # not complaints
        _x("601", "oscar", "10-06 10:00", "anyone tried acme's new plan?", label="neutral",
           conf=0.9),
        _x("602", "paul", "10-06 11:00", "acme prices went up again", conf=0.6, **neg),
        # reddit: ivan in the brand's own subreddit
        post("reddit", "t3_a1", "ivan", "10-06 16:00", "Acme sync is broken again",
             thread="t3_a1", sub="acme", label="negative", conf=0.85, neg=0.85),
        post("reddit", "c_a2", "acme_support", "10-06 16:30", "Sorry, a fix is rolling out",
             reply="t3_a1", thread="t3_a1", sub="acme", brand_post=True),
        post("reddit", "c_a3", "ivan", "10-06 17:00", "ok works now, thanks", reply="c_a2",
             thread="t3_a1", sub="acme", label="neutral", conf=0.6),
        post("reddit", "t3_b1", "judy", "10-06 18:00", "acme's new phone is meh, bad battery",
             thread="t3_b1", sub="gadgets", label="negative", conf=0.7),
        post("reddit", "t3_c1", "kate", "10-06 19:00", "love my acme watch", thread="t3_c1",
             sub="gadgets", label="positive", conf=0.85),
        # app store
        post("appstore", "r1", "leo", "10-06 21:00", "Crashes constantly", rating=1),
        post("appstore", "r2", "mia", "10-06 22:00", "Great app", rating=5, label="positive",
             conf=0.99),
        # competitor
        post("x", "g6", "vic", "10-06 03:00", "globex rocks", brand="Globex", label="positive"),
        post("x", "g1", "wes", "10-06 12:00", "globex is fine", brand="Globex", label="neutral"),
        post("x", "g2", "xena", "10-06 13:00", "globex down?", brand="Globex", label="negative"),
        post("reddit", "g3", "yan", "10-06 14:00", "globex vs acme", brand="Globex",
             sub="gadgets", label="neutral"),
        post("x", "g4", "GlobexCare", "10-06 15:00", "we're hiring", brand="Globex",
             brand_post=True),
        post("x", "g5", "zoe", "10-07 03:30", "globex support is slow", brand="Globex",
             label="negative"),
        # an unrelated brand: must change nothing
        post("x", "i1", "ann", "10-06 15:00", "@AcmeHelp @InitechCare both down",
             brand="Initech", label="negative", conf=0.99),
        # day D+1 and the last day
        _x("701", "tina", "10-07 20:00", "@AcmeHelp where is my parcel", thread="701",
           conf=0.88, **neg),
        _acme("702", "10-07 20:30", "@tina it's out for delivery", reply="701", thread="701"),
        _x("801", "uma", "10-08 13:30", "@AcmeHelp app down?", thread="801", conf=0.9,
           neg=0.9, followers=9, **neg),
    ]  # fmt: skip


def resolutions() -> list[ManualResolution]:
    """The team's manual marks (one for a post nobody passed: ignored)."""
    return [
        ManualResolution("x:301", at("10-06 18:00"), "refund confirmed by phone"),
        ManualResolution("x:999", at("10-06 18:00"), "not in this data"),
    ]


@dataclass(frozen=True)
class ExpectedComplaint:
    """What the analysis must find for one complaint."""

    reason: str
    frt_min: float | None
    resolution: str | None
    resolution_min: float | None
    replies_before_resolution: int
    author_posts: int
    followups: tuple[str, ...] = ()


DIRECTED = "negative and directed at @AcmeHelp"

#: Every complaint, by key (follow-ups x:002, x:102, x:103, x:303 are not complaints).
EXPECTED_COMPLAINTS: dict[str, ExpectedComplaint] = {
    # 10-05 14:00 → 10-06 13:00 = 23 h = 1380 min; silence resolves at that reply
    "x:001": ExpectedComplaint(DIRECTED, 1380, "silence", 1380, 1, 2, ("x:002",)),
    # 03:00 → 03:40 = 40; resolved at sam's thanks 05:00 = 120
    "x:005": ExpectedComplaint(DIRECTED, 40, "author", 120, 1, 1),
    # 12:00 → 15:30 = 210; → 16:00 = 240; posts 101, 102, 103 = 3
    "x:101": ExpectedComplaint(DIRECTED, 210, "author", 240, 1, 3, ("x:102", "x:103")),
    # 13:00 → 13:20 = 20; silence resolves at 13:20 (10-08 13:20 ≤ NOW)
    "x:201": ExpectedComplaint("negative reply to @AcmeHelp", 20, "silence", 20, 1, 1),
    # 14:00 → 14:45 = 45; manual 18:00 = 240; replies 302, 304; posts 301, 303
    "x:301": ExpectedComplaint(DIRECTED, 45, "manual", 240, 2, 2, ("x:303",)),
    "x:401": ExpectedComplaint(DIRECTED, None, None, None, 0, 1),
    # 10-07 03:00 → 10-08 04:00 = 25 h = 1500; 10-08 04:00 + 48 h > NOW: unresolved
    "x:501": ExpectedComplaint(DIRECTED, 1500, None, None, 1, 1),
    # 16:00 → 16:30 = 30; → 17:00 = 60
    "reddit:t3_a1": ExpectedComplaint(
        "negative in the brand's space r/acme", 30, "author", 60, 1, 1
    ),
    "appstore:r1": ExpectedComplaint("1-star review", None, None, None, 0, 1),
    # 20:00 → 20:30 = 30; 20:30 + 48 h > NOW: unresolved
    "x:701": ExpectedComplaint(DIRECTED, 30, None, None, 1, 1),
    "x:801": ExpectedComplaint(DIRECTED, None, None, None, 0, 1),
}

#: Expected KPI rows by (date, source), every key of docs/kpis.md.
EXPECTED_ROWS: dict[tuple[str, str], dict[str, Any]] = {
    # Day D, all sources. Inbound: x 13 (002, 007, 101, 102, 103, 105, 201, 301, 303, 401,
    # 501, 601, 602), reddit 4 (t3_a1, c_a3, t3_b1, t3_c1), appstore 2 (r1, r2) = 19.
    # positive: 007, 105, t3_c1, r2 = 4; neutral: 601, c_a3 = 2; unlabeled: r1 = 1;
    # negative: 19 − 4 − 2 − 1 = 12. Promoters (positive, conf ≥ 0.9): 007, 105, r2 = 3.
    # Complaints: 101, 201, 301, 401, 501, t3_a1, r1 = 7; answered: all but 401, r1 = 5.
    # FRTs sorted: 20, 30, 45, 210, 1500 → median 45; p90 rank ⌈0.9·5⌉ = 5 → 1500.
    # Within SLA (≤ 60): 20, 30, 45 → 3/7. Overdue at NOW: 401, r1 = 2.
    # Abandoned (no reply within 24 h): 401, 501 (1500 > 1440), r1 = 3/7; all windows
    # passed (latest 501: 10-08 03:00 ≤ NOW). Resolved: 101 (240), 201 (20), 301 (240),
    # t3_a1 (60) → sorted 20, 60, 240, 240 → median (60 + 240)/2 = 150;
    # FCR: one reply each except 301 → 3/4; effort (3 + 1 + 2 + 1)/4 = 7/4.
    # Globex inbound on D: g1, g2, g3, g5 = 4 (g4 is its own account, g6 is D−1).
    (DAY, "all"): {
        "volume": 19, "positive": 4, "neutral": 2, "negative": 12, "unlabeled": 1,
        "net_sentiment": 100 * (4 - 12) / (4 + 2 + 12),  # −44.44
        "csat_proxy": 100 * 4 / (4 + 12),  # 25.0
        "nps_proxy": 100 * (3 - 12) / (4 + 12),  # −56.25
        "complaints": 7, "answered": 5, "response_rate": 5 / 7,
        "frt_median_min": 45.0, "frt_p90_min": 1500.0,
        "answered_within_sla": 3 / 7, "unanswered_overdue": 2, "abandonment_rate": 3 / 7,
        "resolution_median_min": 150.0, "fcr_rate": 3 / 4, "effort_proxy": 7 / 4,
        "share_of_voice": 100 * 19 / (19 + 4),  # 82.61
    },
    # Day D, x: 13 inbound; positive 007, 105 (both promoters); neutral 601; negative 10.
    # Complaints 101, 201, 301, 401, 501 = 5; answered 4; FRTs 20, 45, 210, 1500 →
    # median (45 + 210)/2 = 127.5, p90 rank ⌈3.6⌉ = 4 → 1500; within SLA 20, 45 → 2/5;
    # overdue 401; abandoned 401, 501 → 2/5; resolved 101 (240), 201 (20), 301 (240) →
    # median 240; FCR 101, 201 → 2/3; effort (3 + 1 + 2)/3 = 2. Globex on x: g1, g2, g5.
    (DAY, "x"): {
        "volume": 13, "positive": 2, "neutral": 1, "negative": 10, "unlabeled": 0,
        "net_sentiment": 100 * (2 - 10) / 13, "csat_proxy": 100 * 2 / 12,
        "nps_proxy": 100 * (2 - 10) / 12,
        "complaints": 5, "answered": 4, "response_rate": 4 / 5,
        "frt_median_min": 127.5, "frt_p90_min": 1500.0,
        "answered_within_sla": 2 / 5, "unanswered_overdue": 1, "abandonment_rate": 2 / 5,
        "resolution_median_min": 240.0, "fcr_rate": 2 / 3, "effort_proxy": 2.0,
        "share_of_voice": 100 * 13 / (13 + 3),  # 81.25
    },
    # Day D, reddit: t3_a1 (neg), c_a3 (neu), t3_b1 (neg), t3_c1 (pos 0.85, no promoter).
    # One complaint t3_a1: FRT 30, resolved in 60 with one reply, effort 1. Globex: g3.
    (DAY, "reddit"): {
        "volume": 4, "positive": 1, "neutral": 1, "negative": 2, "unlabeled": 0,
        "net_sentiment": 100 * (1 - 2) / 4, "csat_proxy": 100 * 1 / 3,
        "nps_proxy": 100 * (0 - 2) / 3,
        "complaints": 1, "answered": 1, "response_rate": 1.0,
        "frt_median_min": 30.0, "frt_p90_min": 30.0,
        "answered_within_sla": 1.0, "unanswered_overdue": 0, "abandonment_rate": 0.0,
        "resolution_median_min": 60.0, "fcr_rate": 1.0, "effort_proxy": 1.0,
        "share_of_voice": 100 * 4 / (4 + 1),  # 80.0
    },
    # Day D, appstore: r1 (unlabeled 1-star, complaint, never answered), r2 (pos 0.99).
    (DAY, "appstore"): {
        "volume": 2, "positive": 1, "neutral": 0, "negative": 0, "unlabeled": 1,
        "net_sentiment": 100.0, "csat_proxy": 100.0, "nps_proxy": 100.0,
        "complaints": 1, "answered": 0, "response_rate": 0.0,
        "frt_median_min": None, "frt_p90_min": None,
        "answered_within_sla": 0.0, "unanswered_overdue": 1, "abandonment_rate": 1.0,
        "resolution_median_min": None, "fcr_rate": None, "effort_proxy": None,
        "share_of_voice": 100.0,  # no Globex reviews
    },
    # Day D−1: x:001 (neg), x:004 (pos 0.95, promoter), x:005 (neg, 23:00 local).
    # Complaints 001 (FRT 1380, silence 1380, 2 posts), 005 (FRT 40, author 120, 1 post).
    # FRT median (40 + 1380)/2 = 710, p90 rank ⌈1.8⌉ = 2 → 1380; within SLA 1/2;
    # abandoned: none (1380 ≤ 1440) → 0/2; resolution median (120 + 1380)/2 = 750;
    # FCR 2/2; effort (2 + 1)/2 = 1.5. Globex: g6 (03:00Z = 23:00 local).
    (DAY_BEFORE, "all"): {
        "volume": 3, "positive": 1, "neutral": 0, "negative": 2, "unlabeled": 0,
        "net_sentiment": 100 * (1 - 2) / 3, "csat_proxy": 100 * 1 / 3,
        "nps_proxy": 100 * (1 - 2) / 3,
        "complaints": 2, "answered": 2, "response_rate": 1.0,
        "frt_median_min": 710.0, "frt_p90_min": 1380.0,
        "answered_within_sla": 1 / 2, "unanswered_overdue": 0, "abandonment_rate": 0.0,
        "resolution_median_min": 750.0, "fcr_rate": 1.0, "effort_proxy": 1.5,
        "share_of_voice": 100 * 3 / (3 + 1),  # 75.0
    },
    # Day D+1: x:701 only (neg), answered in 30, window still open → abandonment null;
    # nothing resolved → resolution, FCR, effort null. No Globex → 100.
    (DAY_AFTER, "all"): {
        "volume": 1, "positive": 0, "neutral": 0, "negative": 1, "unlabeled": 0,
        "net_sentiment": -100.0, "csat_proxy": 0.0, "nps_proxy": -100.0,
        "complaints": 1, "answered": 1, "response_rate": 1.0,
        "frt_median_min": 30.0, "frt_p90_min": 30.0,
        "answered_within_sla": 1.0, "unanswered_overdue": 0, "abandonment_rate": None,
        "resolution_median_min": None, "fcr_rate": None, "effort_proxy": None,
        "share_of_voice": 100.0,
    },
    # Last day: x:801, 30 min old, unanswered but not overdue; nothing else measurable.
    (LAST_DAY, "all"): {
        "volume": 1, "positive": 0, "neutral": 0, "negative": 1, "unlabeled": 0,
        "net_sentiment": -100.0, "csat_proxy": 0.0, "nps_proxy": -100.0,
        "complaints": 1, "answered": 0, "response_rate": 0.0,
        "frt_median_min": None, "frt_p90_min": None,
        "answered_within_sla": 0.0, "unanswered_overdue": 0, "abandonment_rate": None,
        "resolution_median_min": None, "fcr_rate": None, "effort_proxy": None,
        "share_of_voice": 100.0,
    },
}  # fmt: skip
# D−1, D+1 and the last day have only x mentions: their x rows equal the "all" rows.
for _day in (DAY_BEFORE, DAY_AFTER, LAST_DAY):
    EXPECTED_ROWS[(_day, "x")] = dict(EXPECTED_ROWS[(_day, "all")])
# No post of the scenario is a directed question that is not a complaint (x:002 folds into
# quinn's complaint, x:601 is not directed, x:801 is negative): questions are tested apart.
for _row in EXPECTED_ROWS.values():
    _row.update(questions=0, questions_answered=0)

#: Sources with a row per day (besides "all").
EXPECTED_SOURCES: dict[str, list[str]] = {
    DAY_BEFORE: ["x"],
    DAY: ["appstore", "reddit", "x"],
    DAY_AFTER: ["x"],
    LAST_DAY: ["x"],
}

#: The queue at NOW: (key, priority, overdue), most urgent first (docs/kpis.md):
#  priority = 2·min(wait/SLA, 1) + 1.5·min(log10(1 + followers)/7, 1) + negative score
#  (+ 1 for a follow-up; − 6 when abandoned, past abandon_after_hours = 24 h).
#  x:801: waiting 30 min → 2·0.5 + 1.5·log10(10)/7 + 0.9 = 2.1142857…
EXPECTED_QUEUE: list[tuple[str, float, bool]] = [
    ("x:801", 2 * 0.5 + 1.5 / 7 + 0.9, False),
]
#: The abandoned list at NOW (waiting longer than 24 h; never overdue, never above an open one).
#  x:401: 42 h → 2 + 1.5·log10(1000)/7 + 0.99 − 6; appstore:r1: 41 h → 2 + 0 + 0 − 6.
EXPECTED_ABANDONED: list[tuple[str, float, bool]] = [
    ("x:401", 2 + 1.5 * 3 / 7 + 0.99 - 6, False),
    ("appstore:r1", 2 - 6.0, False),
]


@dataclass(frozen=True)
class Scenario:
    """Everything a test needs to score the scenario and check the results."""

    profile: BrandProfile = PROFILE
    params: ScoringParams = PARAMS
    now: datetime = NOW
    mentions: list[MentionFacts] = field(default_factory=mentions)
    resolutions: list[ManualResolution] = field(default_factory=resolutions)
    expected_rows: dict[tuple[str, str], dict[str, Any]] = field(
        default_factory=lambda: EXPECTED_ROWS
    )
    expected_complaints: dict[str, ExpectedComplaint] = field(
        default_factory=lambda: EXPECTED_COMPLAINTS
    )
    expected_queue: list[tuple[str, float, bool]] = field(default_factory=lambda: EXPECTED_QUEUE)
    expected_abandoned: list[tuple[str, float, bool]] = field(
        default_factory=lambda: EXPECTED_ABANDONED
    )
    expected_sources: dict[str, list[str]] = field(default_factory=lambda: EXPECTED_SOURCES)


def build() -> Scenario:
    """The scenario, fresh lists each call."""
    return Scenario()
