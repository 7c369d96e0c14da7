"""Score theme discovery on a labeled file (id<TAB>theme<TAB>text) without reading the labels."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from monitor.themes.cluster import OTHER
from monitor.themes.discover import ClusterParams, Encoder, discover


class LabeledThemesError(ValueError):
    """A labeled themes file is missing, unreadable or has a malformed line."""


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
    """``(gold themes, texts)`` of ``path``; a first line ``id<TAB>theme<TAB>text`` is a header."""
    themes: list[str] = []
    texts: list[str] = []
    try:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                parts = line.split("\t", 2)
                if lineno == 1 and [p.strip().lower() for p in parts] == ["id", "theme", "text"]:
                    continue
                if len(parts) != 3:
                    raise LabeledThemesError(
                        f"{path}:{lineno}: expected id<TAB>theme<TAB>text, "
                        f"got {len(parts)} field(s)"
                    )
                if not parts[1].strip():
                    raise LabeledThemesError(f"{path}:{lineno}: empty theme")
                themes.append(parts[1].strip())
                texts.append(parts[2])
    except FileNotFoundError:
        raise LabeledThemesError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise LabeledThemesError(f"{path}: cannot read: {err}") from None
    if len(texts) < 2:
        raise LabeledThemesError(f"{path}: needs at least 2 labeled lines, found {len(texts)}")
    return themes, texts


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
