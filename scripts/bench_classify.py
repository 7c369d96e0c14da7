"""Benchmark sentiment inference on dev tweets: texts/second and peak memory per way of running.

Modes, each in a fresh subprocess so its peak RSS (VmHWM from /proc/self/status) is its own:
  pipeline      (a) `transformers.pipeline` called one text at a time (the naive way)
  product       (b) `load_classifier(...).classify` in fp32, as the product runs it
  product-int8  (b) the same with int8 dynamic quantization
  bare          (c) bare fp32 forward over pre-tokenized, length-sorted batches (no tokenizing)
Throughput includes tokenization except for (c); each mode is timed `--repeat` times and the
fastest pass counts, because the machine is shared and a single pass is noisy. The product modes
also report dev macro recall on the full dev set, so int8 is only recommended when it stays
within 0.01 of fp32.

    .venv/bin/python scripts/bench_classify.py [--n 1000] [--model models/tweet-sentiment-minilm]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEV = REPO.parent / "shared" / "data" / "semeval2017-task4a" / "dev.tsv"
MODES = ("pipeline", "product", "product-int8", "bare")
WARMUP = 64


def peak_rss_mb() -> float:
    """Resident-set high-water mark of this process in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fastest(run: Callable[[], object], repeat: int) -> float:
    """Seconds of the fastest of `repeat` calls of `run`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def run_mode(
    mode: str, model: str, dev: Path, n: int, batch_size: int, threads: int, repeat: int
) -> dict:
    """Measure one mode in this process; return its figures."""
    import torch

    from monitor.classify import evaluate, load_classifier, preprocess_tweet, read_labeled_tsv

    torch.set_num_threads(threads)
    texts = [row.text for row in read_labeled_tsv(dev)][:n]
    result: dict = {"mode": mode, "n": len(texts)}

    if mode == "pipeline":
        from transformers import pipeline

        pipe = pipeline("text-classification", model=model, dtype=torch.float32, device=-1)
        cleaned = [preprocess_tweet(t) for t in texts]
        for text in cleaned[:WARMUP]:
            pipe(text, truncation=True)
        seconds = fastest(lambda: [pipe(text, truncation=True) for text in cleaned], repeat)
    elif mode in ("product", "product-int8"):
        classifier = load_classifier(
            model, batch_size=batch_size, threads=threads, quantize=mode == "product-int8"
        )
        classifier.classify(texts[:WARMUP])
        seconds = fastest(lambda: classifier.classify(texts), repeat)
        result["peak_rss_mb"] = peak_rss_mb()  # before the dev evaluation below
        report = evaluate(classifier, dev)
        result["dev_macro_recall"] = report.macro_recall
        result["dev_accuracy"] = report.accuracy
        result["dev_n"] = report.n
    elif mode == "bare":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model)
        net = AutoModelForSequenceClassification.from_pretrained(model, dtype=torch.float32).eval()
        # Same batching as the product (token-length sorted, padded per batch), done up front.
        encoded = tokenizer([preprocess_tweet(t) for t in texts], truncation=True, max_length=128)
        ids = sorted(encoded["input_ids"], key=len)
        batches = [
            tokenizer.pad({"input_ids": ids[i : i + batch_size]}, return_tensors="pt")
            for i in range(0, len(ids), batch_size)
        ]

        def forward_all() -> None:
            with torch.inference_mode():
                for batch in batches:
                    net(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])

        forward_all()  # warm-up
        seconds = fastest(forward_all, repeat)
    else:
        raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")

    result["repeat"] = repeat
    result["seconds"] = seconds
    result["texts_per_second"] = len(texts) / seconds
    result.setdefault("peak_rss_mb", peak_rss_mb())
    return result


def main() -> None:
    """Run every mode in its own subprocess and print the comparison."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default=str(REPO / "models" / "tweet-sentiment-minilm"))
    p.add_argument("--dev", type=Path, default=DEV)
    p.add_argument("--n", type=int, default=1000, help="number of dev texts to time")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3, help="timed passes per mode; fastest counts")
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--json-out", type=Path, help="also write the figures here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child:
        figures = run_mode(
            args.child, args.model, args.dev, args.n, args.batch_size, args.threads, args.repeat
        )
        print(json.dumps(figures))
        return

    results: dict[str, dict] = {}
    for mode in args.modes.split(","):
        cmd = [sys.executable, __file__, "--child", mode, "--model", args.model]
        cmd += ["--dev", str(args.dev), "--n", str(args.n), "--batch-size", str(args.batch_size)]
        cmd += ["--threads", str(args.threads), "--repeat", str(args.repeat)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"mode {mode} failed:\n{done.stderr[-3000:]}")
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        r = results[mode]
        extra = f"  dev macro recall {r['dev_macro_recall']:.4f}" if "dev_macro_recall" in r else ""
        print(
            f"{mode:13s} {r['texts_per_second']:8.1f} texts/s  peak RSS {r['peak_rss_mb']:7.1f} MiB"
            f"  ({r['n']} texts, {r['seconds']:.1f} s){extra}",
            flush=True,
        )

    summary: dict = {"model": args.model, "threads": args.threads, "results": results}
    summary["repeat"] = args.repeat
    if "pipeline" in results:
        base = results["pipeline"]["texts_per_second"]
        for mode in ("product", "product-int8", "bare"):
            if mode in results:
                ratio = results[mode]["texts_per_second"] / base
                summary[f"ratio_{mode}_vs_pipeline"] = ratio
                print(f"ratio {mode} / pipeline: {ratio:.2f}x (target for the product >= 2.5x)")
    if "product" in results and "product-int8" in results:
        fp32 = results["product"]["dev_macro_recall"]
        int8 = results["product-int8"]["dev_macro_recall"]
        keep = abs(fp32 - int8) <= 0.01
        summary["quantize_recommended"] = keep
        print(
            f"dev macro recall fp32 {fp32:.4f} vs int8 {int8:.4f} (diff {int8 - fp32:+.4f}): "
            f"int8 quantization {'OK as default' if keep else 'NOT within 0.01: keep fp32'}"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
