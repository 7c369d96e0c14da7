"""Theme labels: the most distinctive words and phrases of each theme (class-based TF-IDF)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from monitor.classify.preprocess import preprocess_tweet

#: Words that say nothing about a theme in social posts (placeholders, fillers, courtesy).
_NOISE = frozenset(
    {"user", "http", "https", "amp", "rt", "im", "ive", "dont", "cant", "just", "get", "got",
     "thanks", "thank", "please", "pls", "hi", "hello", "hey", "lol", "today", "yesterday",
     "really", "still", "guys", "u", "ur", "s", "t", "don", "didn", "doesn", "isn", "won",
     "wasn", "ve", "ll", "re", "m", "d", "y", "like", "know", "need", "want", "going"}
)  # fmt: skip
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | _NOISE)
#: Words and phrases per label.
LABEL_TERMS = 3
_TOKEN = r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b|\b[^\W\d_]\b"


def theme_labels(
    texts: Sequence[str],
    assignment: Sequence[int],
    *,
    terms: int = LABEL_TERMS,
    ignore: Iterable[str] = (),
) -> dict[int, str]:
    """``{theme: "refund · charged twice"}`` for every theme >= 0 in ``assignment``.

    c-TF-IDF: each theme's texts are one document; a term scores by its frequency in the
    theme times log(1 + mean words per theme / its frequency over all themes), so words every
    theme uses (the brand's name, "flight") sink and the theme's own words rise. Texts in
    "other" (-1) count as one more document, so what is common there is not distinctive.
    Words in ``ignore`` (the brand's name and handles) never appear in a label.
    """
    if len(texts) != len(assignment):
        raise ValueError(f"{len(texts)} texts but {len(assignment)} assignments")
    groups: dict[int, list[str]] = {}
    for text, theme in zip(texts, assignment, strict=True):
        groups.setdefault(int(theme), []).append(preprocess_tweet(text).lower())
    themes = sorted(t for t in groups if t >= 0)
    if not themes:
        return {}
    order = [*themes, *(t for t in groups if t < 0)]
    documents = [" ".join(groups[t]) for t in order]
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted({*STOP_WORDS, *_words(ignore)}),
        token_pattern=_TOKEN,
        lowercase=False,
    )
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:  # nothing but stop words anywhere
        return {t: f"theme {t}" for t in themes}
    vocabulary = vectorizer.get_feature_names_out()
    # hashtags glue the brand to other words (#UnitedAirlines): no term starting with it
    names = tuple(w for w in _words(ignore) if len(w) >= 4)
    if names:
        for i, term in enumerate(vocabulary):
            if any(w.startswith(names) for w in str(term).split()):
                counts[:, i] = 0.0
    return _pick(counts, vocabulary, themes, terms)


def _pick(
    counts: np.ndarray, vocabulary: np.ndarray, themes: Sequence[int], terms: int
) -> dict[int, str]:
    """Top terms per theme, a phrase replacing the words it contains."""
    words_per_doc = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(words_per_doc, 1.0)
    mean_words = float(words_per_doc.mean())
    idf = np.log1p(mean_words / np.maximum(counts.sum(axis=0), 1.0))
    scores = tf * idf
    labels: dict[int, str] = {}
    for row, theme in enumerate(themes):
        ranked = [int(i) for i in np.argsort(-scores[row], kind="stable") if counts[row, i] > 0]
        chosen: list[str] = []
        for i in ranked[: terms * 4]:
            term = str(vocabulary[i])
            words = _stems(term)
            if words <= {w for c in chosen for w in _stems(c)}:
                continue  # "charged twice" already says "charged"; "bag" says "bags"
            # a phrase replaces the single words it contains
            chosen = [c for c in chosen if not _stems(c) <= words]
            chosen.append(term)
            if len(chosen) == terms:
                break
        labels[theme] = " · ".join(chosen) if chosen else f"theme {theme}"
    return labels


def _words(names: Iterable[str]) -> set[str]:
    """Lower-case words of names and handles, joined and split ("United Airlines", "@united")."""
    out: set[str] = set()
    for name in names:
        parts = re.findall(r"[^\W_]+", name.lower())
        out.update(parts)
        if parts:
            out.add("".join(parts))
    return out


def _stems(term: str) -> set[str]:
    """The words of ``term`` with a plural "s" dropped (so "bags" repeats "bag")."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in term.split()}  # fmt: skip
