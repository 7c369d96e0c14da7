"""Group unit-length sentence vectors into themes without being told how many there are."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

#: The label of texts that belong to no theme.
OTHER = -1


def cluster_vectors(
    vectors: np.ndarray,
    *,
    distance_threshold: float,
    min_size: int,
    refine_rounds: int = 0,
    outlier_distance: float | None = None,
) -> np.ndarray:
    """One theme number per row (0 = the largest theme), ``OTHER`` for outliers.

    Average-linkage agglomerative clustering on cosine distance, cut where merging would
    join groups further apart than ``distance_threshold`` on average: the number of themes
    follows from the data. Clusters smaller than ``min_size`` are outliers, never forced
    into a theme. ``refine_rounds`` > 0 then moves each text to its nearest theme centroid
    (k-means steps with the k found), which mends average linkage's early mistakes; a text
    further than ``outlier_distance`` (default ``distance_threshold``) from every centroid
    is an outlier.
    """
    n = len(vectors)
    if n < max(min_size, 2):
        return np.full(n, OTHER, dtype=np.int64)
    return cut(
        merge_tree(vectors), vectors, distance_threshold, min_size, refine_rounds, outlier_distance
    )


def merge_tree(vectors: np.ndarray) -> np.ndarray:
    """The average-linkage merge tree of ``vectors`` on cosine distance (scipy's format)."""
    # float64 keeps scipy's distances exact enough that ties break the same way every run
    tree: np.ndarray = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    return tree


def cut(
    tree: np.ndarray,
    vectors: np.ndarray,
    distance_threshold: float,
    min_size: int,
    refine_rounds: int = 0,
    outlier_distance: float | None = None,
) -> np.ndarray:
    """Themes from a merge tree cut at ``distance_threshold`` (see :func:`cluster_vectors`)."""
    radius = distance_threshold if outlier_distance is None else outlier_distance
    raw = fcluster(tree, t=distance_threshold, criterion="distance")
    labels = _drop_small(raw, min_size)
    for _ in range(refine_rounds):
        kept = sorted(set(labels.tolist()) - {OTHER})
        if not kept:
            break
        centroids = _unit(np.stack([vectors[labels == k].mean(axis=0) for k in kept]))
        similarity = vectors @ centroids.T
        best = similarity.argmax(axis=1)
        moved = np.asarray(kept, dtype=np.int64)[best]
        moved[similarity.max(axis=1) < 1.0 - radius] = OTHER
        moved = _drop_small(moved, min_size)
        if np.array_equal(moved, labels):
            break
        labels = moved
    return _by_size(labels)


def centroids_of(vectors: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Unit-length mean vector of each theme (``OTHER`` left out)."""
    out: dict[int, np.ndarray] = {}
    for theme in sorted(set(labels.tolist()) - {OTHER}):
        out[theme] = _unit(vectors[labels == theme].mean(axis=0, keepdims=True))[0]
    return out


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a zero row stays zero
        return np.where(norms > 0, matrix / np.where(norms > 0, norms, 1.0), 0.0)


def _drop_small(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Clusters of fewer than ``min_size`` texts become ``OTHER``."""
    out = labels.astype(np.int64).copy()
    values, counts = np.unique(out[out != OTHER], return_counts=True)
    out[np.isin(out, values[counts < min_size])] = OTHER
    return out


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber themes 0, 1, … from the largest; ties by first appearance (deterministic)."""
    kept = [int(v) for v in labels if v != OTHER]
    if not kept:
        return labels
    sizes: dict[int, int] = {}
    first: dict[int, int] = {}
    for i, v in enumerate(kept):
        sizes[v] = sizes.get(v, 0) + 1
        first.setdefault(v, i)
    order = sorted(sizes, key=lambda v: (-sizes[v], first[v]))
    mapping = {old: new for new, old in enumerate(order)}
    return np.asarray([mapping.get(int(v), OTHER) for v in labels], dtype=np.int64)
