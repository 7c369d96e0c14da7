"""Clustering finds the number of themes itself and leaves outliers in "other"."""

from __future__ import annotations

import numpy as np

from monitor.themes.cluster import OTHER, centroids_of, cluster_vectors
from monitor.themes.match import match_themes


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _groups(sizes: list[int], outliers: int, seed: int = 7) -> tuple[np.ndarray, list[int]]:
    """Tight groups around random directions plus scattered outliers (gold -1)."""
    rng = np.random.default_rng(seed)
    dim = 32
    rows, gold = [], []
    for g, size in enumerate(sizes):
        center = rng.normal(size=dim)
        rows.append(center + 0.05 * rng.normal(size=(size, dim)) * np.linalg.norm(center))
        gold += [g] * size
    rows.append(rng.normal(size=(outliers, dim)))
    gold += [OTHER] * outliers
    return _unit(np.vstack(rows)), gold


def test_finds_k_and_keeps_outliers_out() -> None:
    vectors, _ = _groups([12, 9, 6], outliers=4)
    labels = cluster_vectors(vectors, distance_threshold=0.45, min_size=3, refine_rounds=10)
    # themes numbered from the largest; each gold group is exactly one theme
    assert [int(v) for v in labels[:27]] == [0] * 12 + [1] * 9 + [2] * 6
    assert all(v == OTHER for v in labels[27:].tolist())


def test_groups_smaller_than_min_size_are_other() -> None:
    vectors, _ = _groups([10, 2], outliers=0)
    labels = cluster_vectors(vectors, distance_threshold=0.45, min_size=3)
    assert labels[:10].tolist() == [0] * 10
    assert labels[10:].tolist() == [OTHER, OTHER]


def test_too_few_texts_are_all_other() -> None:
    vectors, _ = _groups([2], outliers=0)
    assert cluster_vectors(vectors, distance_threshold=0.45, min_size=3).tolist() == [OTHER] * 2
    empty = np.zeros((0, 8), dtype=np.float32)
    assert cluster_vectors(empty, distance_threshold=0.45, min_size=3).tolist() == []


def test_same_input_same_themes() -> None:
    vectors, _ = _groups([8, 8, 5], outliers=3, seed=11)
    first = cluster_vectors(vectors, distance_threshold=0.45, min_size=3, refine_rounds=10)
    again = cluster_vectors(vectors.copy(), distance_threshold=0.45, min_size=3, refine_rounds=10)
    assert first.tolist() == again.tolist()


def test_centroids_are_unit_length_and_match_their_theme() -> None:
    vectors, _ = _groups([6, 6], outliers=0, seed=3)
    labels = cluster_vectors(vectors, distance_threshold=0.45, min_size=3)
    centroids = centroids_of(vectors, labels)
    assert sorted(centroids) == [0, 1]
    for c in centroids.values():
        assert abs(float(np.linalg.norm(c)) - 1.0) < 1e-6
    # each centroid is closer to its own members than to the other theme's
    assert float(vectors[labels == 0].mean(axis=0) @ centroids[0]) > float(
        vectors[labels == 0].mean(axis=0) @ centroids[1]
    )


def test_matching_is_one_to_one_above_the_threshold() -> None:
    a, b, c = np.eye(3)
    near_a = _unit(np.array([[1.0, 0.1, 0.0]]))[0]
    known = {10: a, 20: b}
    # two clusters near theme 10: only the closer keeps its id; c is new
    clusters = {0: near_a, 1: _unit(np.array([[1.0, 0.3, 0.0]]))[0], 2: c}
    assert match_themes(clusters, known, min_similarity=0.8) == {0: 10}
    assert match_themes(clusters, known, min_similarity=0.999) == {}
    assert match_themes({}, known, min_similarity=0.5) == {}


def test_outlier_distance_sets_who_joins_a_theme_after_the_cut() -> None:
    # a tight theme of 6 along e0, and one text at cosine 0.5 from it (distance 0.5):
    # outside the 0.45 cut, so "other" after the tree, then judged by the outlier radius
    base = np.zeros((7, 4))
    base[:6, 0] = 1.0
    base[:6, 1] = np.linspace(-0.01, 0.01, 6)
    base[6] = [0.5, 0.0, np.sqrt(0.75), 0.0]
    vectors = _unit(base)
    strict = cluster_vectors(vectors, distance_threshold=0.45, min_size=3, refine_rounds=5)
    assert strict.tolist() == [0] * 6 + [OTHER]  # radius = the cut by default
    loose = cluster_vectors(
        vectors, distance_threshold=0.45, min_size=3, refine_rounds=5, outlier_distance=0.55
    )
    assert loose.tolist() == [0] * 7
    far = cluster_vectors(
        vectors, distance_threshold=0.45, min_size=3, refine_rounds=5, outlier_distance=0.4
    )
    assert far.tolist() == [0] * 6 + [OTHER]
