"""Precision, recall and F1 of the question detector on the hand-labeled set.

Usage: python scripts/eval_questions.py [FILE] [--errors]
FILE: ``label<TAB>text`` lines (label question|other; # starts a comment), by default
tests/fixtures/questions/labeled.tsv. ``--errors`` lists every miss and false alarm.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELED = ROOT / "tests" / "fixtures" / "questions" / "labeled.tsv"


@dataclass(frozen=True)
class Scores:
    """Counts and figures of one evaluation."""

    n: int
    questions: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of detected questions that are questions."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of questions detected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_labeled(path: Path) -> list[tuple[bool, str]]:
    """(is a question, text) per line of ``path``."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, text = line.partition("\t")
        if not sep or label not in ("question", "other"):
            raise ValueError(f"{path}:{number}: expected question|other<TAB>text")
        rows.append((label == "question", text))
    return rows


def evaluate(rows: list[tuple[bool, str]]) -> tuple[Scores, list[str]]:
    """Scores of ``is_question`` on ``rows`` and the lines it got wrong."""
    from monitor.scoring.questions import is_question, question_reason

    tp = fp = fn = 0
    errors = []
    for truth, text in rows:
        got = is_question(text)
        tp += truth and got
        fp += got and not truth
        fn += truth and not got
        if got != truth:
            kind = "missed" if truth else f"false alarm ({question_reason(text)})"
            errors.append(f"{kind}: {text}")
    return Scores(len(rows), sum(t for t, _ in rows), tp, fp, fn), errors


def main() -> None:
    """Print the figures (and with --errors the wrong answers)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=LABELED)
    parser.add_argument("--errors", action="store_true", help="list the wrong answers")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    scores, errors = evaluate(read_labeled(args.file))
    print(
        f"{scores.n} posts ({scores.questions} questions): precision {scores.precision:.3f}, "
        f"recall {scores.recall:.3f}, F1 {scores.f1:.3f} (tp {scores.tp}, fp {scores.fp}, "
        f"fn {scores.fn})"
    )
    if args.errors:
        print("\n".join(errors))


if __name__ == "__main__":
    main()
