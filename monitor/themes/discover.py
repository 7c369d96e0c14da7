"""Theme a list of texts: embed, cluster (k found from the data), label each theme."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from monitor.themes.cluster import centroids_of, cluster_vectors
from monitor.themes.labels import theme_labels

#: k-means steps, at most, after the agglomerative cut (banking77 train, docs/themes.md).
REFINE_ROUNDS = 40


class Encoder(Protocol):
    """Anything that turns texts into unit-length vectors (``SentenceEncoder``)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text."""
        ...


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """How texts are grouped: the cut distance, the smallest theme, the outlier radius."""

    distance_threshold: float = 0.45
    min_size: int = 5
    refine_rounds: int = REFINE_ROUNDS
    #: A text further than this (cosine distance) from every theme centroid is "other".
    outlier_distance: float = 0.55


@dataclass(frozen=True)
class Discovery:
    """Texts grouped into themes: ``assignment[i]`` is text i's theme (-1: "other")."""

    assignment: np.ndarray
    vectors: np.ndarray
    labels: dict[int, str] = field(default_factory=dict)
    centroids: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def themes(self) -> list[int]:
        """Theme numbers, the largest first."""
        return sorted(self.labels)


def discover(
    texts: Sequence[str], encoder: Encoder, params: ClusterParams, ignore: Iterable[str] = ()
) -> Discovery:
    """Group ``texts`` into themes with readable labels; outliers go to "other".

    Words in ``ignore`` (the brand's name and handles) stay out of the labels."""
    vectors = encoder.encode(list(texts))
    assignment = cluster_vectors(
        vectors,
        distance_threshold=params.distance_threshold,
        min_size=params.min_size,
        refine_rounds=params.refine_rounds,
        outlier_distance=params.outlier_distance,
    )
    return Discovery(
        assignment=assignment,
        vectors=vectors,
        labels=theme_labels(texts, assignment.tolist(), ignore=ignore),
        centroids=centroids_of(vectors, assignment),
    )
