"""Why a post needs a reply: complaint reasons, directedness, questions, unreadable posts."""

from __future__ import annotations

from monitor.scoring.model import BrandProfile, MentionFacts, ScoringParams
from monitor.scoring.questions import is_question_in_language
from monitor.scoring.threads import BrandView, mentioned_handles

#: What an item is, by its first post (``follow_up`` is decided later, from its state).
KIND_COMPLAINT = "complaint"
KIND_QUESTION = "question"
KIND_UNKNOWN = "unknown"
#: The prefix of a classifier's skip reason for a language the model does not read.
UNSUPPORTED_LANGUAGE = "unsupported language"


def negative_score(mention: MentionFacts) -> float:
    """The classifier's negative probability; its confidence for a negative label; else 0."""
    if mention.negative_score is not None:
        return mention.negative_score
    if mention.label == "negative" and mention.confidence is not None:
        return mention.confidence
    return 0.0


def complaint_reason(mention: MentionFacts, view: BrandView, params: ScoringParams) -> str | None:
    """Why an inbound brand mention is a complaint (``"1-star review"``, …), else ``None``.

    Follow-ups are decided by :func:`analyze_complaints`, not here.
    """
    if view.is_brand(mention) or mention.brand != view.profile.name:
        return None
    if mention.rating is not None and mention.rating <= 2:
        return f"{mention.rating}-star review"
    if mention.label != "negative":
        return None
    directed = _directed_reason(mention, view)
    if directed is not None:
        return directed
    return None if params.require_directed else "negative mention"


def _directed_reason(mention: MentionFacts, view: BrandView) -> str | None:
    """How a negative post is directed at the brand, as the complaint reason."""
    how = directed_how(mention, view)
    if how is None:
        return None
    return f"negative and {how}" if how.startswith("directed") else f"negative {how}"


def directed_how(mention: MentionFacts, view: BrandView) -> str | None:
    """How a post is directed at the brand (``"directed at @AcmeHelp"``, ``"review"``…)."""
    profile: BrandProfile = view.profile
    named = sorted(profile.handles(mention.source) & mentioned_handles(mention.text))
    if named:
        return f"directed at @{profile.handle_display(mention.source, named[0])}"
    parent = view.parent(mention)
    if parent is not None and view.is_brand(parent):
        return f"reply to @{parent.author}"
    if profile.is_own_space(mention.source, mention.subreddit):
        where = f"r/{mention.subreddit}" if mention.source == "reddit" else mention.subreddit
        return f"in the brand's space {where}"
    if profile.is_review(mention):
        return "review"
    return None


def item_reason(
    mention: MentionFacts, view: BrandView, params: ScoringParams
) -> tuple[str, str] | None:
    """``(kind, reason)`` when an inbound post needs a reply as a new item, else ``None``.

    A complaint first (docs/kpis.md); else a question or request directed at the brand;
    else a directed post the model could not read (unsupported language): kind unknown.
    """
    reason = complaint_reason(mention, view, params)
    if reason is not None:
        return KIND_COMPLAINT, reason
    if view.is_brand(mention) or mention.brand != view.profile.name:
        return None
    unreadable = (mention.skipped_reason or "").startswith(UNSUPPORTED_LANGUAGE)
    # "unsupported language: de": the rules are English, so read a question mark there
    lang = (mention.skipped_reason or "").partition(":")[2].strip() if unreadable else None
    asks = is_question_in_language(mention.text, lang or None)
    if not asks and not unreadable:
        return None
    how = directed_how(mention, view)
    if how is None:
        return None
    if asks:
        joined = f"question {how}" if how.startswith("directed") else f"question, {how}"
        return KIND_QUESTION, joined
    return KIND_UNKNOWN, f"{mention.skipped_reason}, {how}"
