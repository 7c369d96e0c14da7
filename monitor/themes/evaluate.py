"""Score theme discovery on a labeled file (id<TAB>theme<TAB>text) without reading the labels."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from monitor.classify.evaluation import LabeledFileError, read_labeled_lines
from monitor.themes.cluster import OTHER
from monitor.themes.discover import ClusterParams, Encoder, discover


@dataclass(frozen=True)
class EvalReport:
    """NMI and ARI against the gold themes ("other" counted as one cluster), and speed."""

    n: int
    nmi: float
    ari: float
    themes: int
    other_share: float
    texts_per_second: float
    gold_themes: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``monitor themes eval --json``."""
        return {
            "nmi": self.nmi,
            "ari": self.ari,
            "themes": self.themes,
            "other_share": self.other_share,
            "texts_per_second": self.texts_per_second,
            "n": self.n,
            "gold_themes": self.gold_themes,
        }


def read_themes_tsv(path: Path) -> tuple[list[str], list[str]]:
    """``(gold themes, texts)`` of ``path``: ``id<TAB>theme<TAB>text`` lines, header allowed."""
    rows = read_labeled_lines(path, column="theme")
    if len(rows) < 2:
        raise LabeledFileError(f"{path}: needs at least 2 labeled lines, found {len(rows)}")
    return [r.label for r in rows], [r.text for r in rows]


def evaluate_file(path: Path, encoder: Encoder, params: ClusterParams) -> EvalReport:
    """Theme the texts of ``path`` (labels unseen), then compare with its gold themes."""
    gold, texts = read_themes_tsv(path)
    started = time.perf_counter()
    found = discover(texts, encoder, params)
    elapsed = max(time.perf_counter() - started, 1e-9)
    predicted = found.assignment.tolist()
    return EvalReport(
        n=len(texts),
        nmi=float(normalized_mutual_info_score(gold, predicted)),
        ari=float(adjusted_rand_score(gold, predicted)),
        themes=len(found.labels),
        other_share=sum(1 for p in predicted if p == OTHER) / len(predicted),
        texts_per_second=len(texts) / elapsed,
        gold_themes=len(set(gold)),
    )
