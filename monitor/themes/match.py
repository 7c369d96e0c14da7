"""Keep theme ids stable: match this period's clusters to known themes by centroid similarity."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def match_themes(
    clusters: Mapping[int, np.ndarray],
    known: Mapping[int, np.ndarray],
    *,
    min_similarity: float,
) -> dict[int, int]:
    """``{cluster: known theme id}`` for the clusters that continue a known theme.

    Pairs are taken greedily from the most similar (cosine of unit centroids), each cluster
    and each known theme used once; a pair below ``min_similarity`` is no match, so that
    cluster is a new theme. Ties break by cluster number, then theme id (deterministic).
    """
    if not clusters or not known:
        return {}
    cluster_ids = sorted(clusters)
    theme_ids = sorted(known)
    a = np.stack([clusters[c] for c in cluster_ids]).astype(np.float64)
    b = np.stack([known[t] for t in theme_ids]).astype(np.float64)
    similarity = a @ b.T
    pairs = sorted(
        (
            (-float(similarity[i, j]), cluster_ids[i], theme_ids[j])
            for i in range(len(cluster_ids))
            for j in range(len(theme_ids))
            if similarity[i, j] >= min_similarity
        ),
    )
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, cluster, theme in pairs:
        if cluster in matched or theme in used:
            continue
        matched[cluster] = theme
        used.add(theme)
    return matched
