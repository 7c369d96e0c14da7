"""Score a classifier on a labeled TSV file (id<TAB>label<TAB>text), SemEval style."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.classify.classifier import SentimentClassifier
from monitor.classify.labels import SENTIMENTS


class LabeledFileError(ValueError):
    """A labeled TSV file is missing, unreadable or has a malformed line."""


@dataclass(frozen=True)
class LabeledText:
    """One line of a labeled TSV file."""

    id: str
    label: str
    text: str


def read_labeled_lines(
    path: str | Path, column: str = "label", allowed: Sequence[str] | None = None
) -> list[LabeledText]:
    """The ``id<TAB>{column}<TAB>text`` lines of ``path``, the one labeled-TSV reader.

    A first line naming the columns (any case) is a header; blank lines are skipped; a
    missing, unreadable or malformed file raises :class:`LabeledFileError` naming the file
    and line. ``label`` holds the stripped second field, whatever ``column`` is called;
    with ``allowed`` it is lower-cased and must be one of them.
    """
    path = Path(path)
    header = ("id", column, "text")
    rows: list[LabeledText] = []
    try:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                parts = line.split("\t", 2)
                if not rows and tuple(p.strip().lower() for p in parts) == header:
                    continue  # a spreadsheet export starts with the column names
                if len(parts) != 3:
                    raise LabeledFileError(
                        f"{path}:{lineno}: expected 3 tab-separated fields "
                        f"id<TAB>{column}<TAB>text, got {len(parts)}"
                    )
                label = parts[1].strip()
                if not label:
                    raise LabeledFileError(f"{path}:{lineno}: empty {column}")
                if allowed is not None:
                    label = label.lower()
                    if label not in allowed:
                        raise LabeledFileError(
                            f"{path}:{lineno}: {column} {parts[1]!r} is not one of "
                            f"{', '.join(allowed)}"
                        )
                rows.append(LabeledText(parts[0], label, parts[2]))
    except FileNotFoundError:
        raise LabeledFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise LabeledFileError(f"{path}: cannot read: {err}") from None
    if not rows:
        raise LabeledFileError(f"{path}: no labeled lines")
    return rows


def read_labeled_tsv(path: str | Path) -> list[LabeledText]:
    """Read id<TAB>label<TAB>text lines, each label a sentiment (a header line is skipped)."""
    return read_labeled_lines(path, allowed=SENTIMENTS)


@dataclass(frozen=True)
class EvalReport:
    """Evaluation figures; the official SemEval-2017 4A metric is `macro_recall`."""

    n: int
    macro_recall: float
    accuracy: float
    per_class: dict[str, dict[str, float]]
    confusion_matrix: dict[str, dict[str, int]]
    texts_per_second: float
    skipped: int
    model: str
    revision: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (confusion matrix: true label -> predicted label -> count)."""
        return {
            "model": self.model,
            "revision": self.revision,
            "n": self.n,
            "macro_recall": self.macro_recall,
            "accuracy": self.accuracy,
            "per_class": self.per_class,
            "confusion_matrix": self.confusion_matrix,
            "texts_per_second": self.texts_per_second,
            "skipped": self.skipped,
            **self.extra,
        }


def evaluate(classifier: SentimentClassifier, tsv_path: str | Path) -> EvalReport:
    """Classify every line of `tsv_path` and compare with its labels.

    Skipped texts (empty) count as wrong for recall/accuracy and appear under no predicted column.
    """
    rows = read_labeled_tsv(tsv_path)
    started = time.perf_counter()
    predictions = classifier.classify([r.text for r in rows])
    seconds = time.perf_counter() - started
    return score(
        [r.label for r in rows],
        [p.label for p in predictions],
        seconds=seconds,
        model=classifier.model_name,
        revision=classifier.revision,
    )


def score(
    gold: list[str],
    predicted: list[str | None],
    *,
    seconds: float,
    model: str = "",
    revision: str = "",
) -> EvalReport:
    """Compute the report from gold and predicted labels (None = skipped)."""
    matrix = {g: dict.fromkeys(SENTIMENTS, 0) for g in SENTIMENTS}
    for g, p in zip(gold, predicted, strict=True):
        if p is not None:
            matrix[g][p] += 1
    per_class: dict[str, dict[str, float]] = {}
    for label in SENTIMENTS:
        support = sum(1 for g in gold if g == label)
        hits = matrix[label][label]
        predicted_n = sum(matrix[g][label] for g in SENTIMENTS)
        per_class[label] = {
            "precision": hits / predicted_n if predicted_n else 0.0,
            "recall": hits / support if support else 0.0,
            "support": support,
        }
    present = [c for c in SENTIMENTS if per_class[c]["support"]]
    correct = sum(matrix[c][c] for c in SENTIMENTS)
    return EvalReport(
        n=len(gold),
        macro_recall=sum(per_class[c]["recall"] for c in present) / len(present)
        if present
        else 0.0,
        accuracy=correct / len(gold) if gold else 0.0,
        per_class=per_class,
        confusion_matrix=matrix,
        texts_per_second=len(gold) / seconds if seconds > 0 else 0.0,
        skipped=sum(1 for p in predicted if p is None),
        model=model,
        revision=revision,
    )
