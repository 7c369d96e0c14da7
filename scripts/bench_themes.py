"""Benchmark theme discovery: 10,000 texts embedded and clustered on 2 CPU threads.

Texts are banking77 train.tsv (10,003 customer-service queries; the first ``--n`` taken),
themed exactly as the product does it (``monitor.themes.discover``: the configured default
encoder with int8 feed-forward layers unless ``--fp32``, length-sorted batches, no grad,
torch threads = 2; average-linkage cut, k-means
refinement, c-TF-IDF labels). Prints the seconds for loading, embedding, clustering and
labeling, the total (embedding included) against the 60 s target, texts/second, the CPU
seconds used (all threads), and the themes found. ``--eval FILE`` also scores a labeled
file (NMI/ARI as ``monitor themes eval``).

    .venv/bin/python scripts/bench_themes.py [--n 10000] [--eval ../shared/data/banking77/test.tsv]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TRAIN = REPO.parent / "shared" / "data" / "banking77" / "train.tsv"
TARGET_SECONDS = 60.0


def main() -> None:
    """Run the benchmark and print its figures (``--json``: one object)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=TRAIN, help="id<TAB>theme<TAB>text file")
    parser.add_argument("--n", type=int, default=10_000, help="texts to theme")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="", help="encoder folder (default: the pinned one)")
    parser.add_argument("--fp32", action="store_true", help="no int8 feed-forward layers")
    parser.add_argument("--eval", type=Path, default=None, help="also score this labeled file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import torch

    from monitor.themes.cluster import centroids_of, cluster_vectors
    from monitor.themes.discover import REFINE_ROUNDS, ClusterParams
    from monitor.themes.encoders import default_encoder_path, load_encoder
    from monitor.themes.evaluate import evaluate_file, read_themes_tsv
    from monitor.themes.labels import theme_labels

    torch.set_num_threads(args.threads)
    _, texts = read_themes_tsv(args.file)
    texts = texts[: args.n]
    params = ClusterParams()
    t0 = time.perf_counter()
    encoder = load_encoder(
        args.model or default_encoder_path(), threads=args.threads, quantize=not args.fp32
    )
    t1 = time.perf_counter()
    c1 = time.process_time()
    vectors = encoder.encode(texts)
    t2 = time.perf_counter()
    assignment = cluster_vectors(
        vectors,
        distance_threshold=params.distance_threshold,
        min_size=params.min_size,
        refine_rounds=REFINE_ROUNDS,
        outlier_distance=params.outlier_distance,
    )
    centroids_of(vectors, assignment)
    t3 = time.perf_counter()
    labels = theme_labels(texts, assignment.tolist())
    t4 = time.perf_counter()
    cpu = time.process_time() - c1
    total = t4 - t1
    doc: dict[str, object] = {
        "texts": len(texts),
        "threads": args.threads,
        "quantized": not args.fp32,
        "load_s": round(t1 - t0, 2),
        "embed_s": round(t2 - t1, 2),
        "cluster_s": round(t3 - t2, 2),
        "label_s": round(t4 - t3, 2),
        "total_s": round(total, 2),
        "texts_per_second": round(len(texts) / total, 1),
        # CPU seconds of all threads: on a shared, overloaded machine the wall clock
        # overstates; cpu_s / threads is what 2 idle cores would need at best
        "cpu_s": round(cpu, 2),
        "cpu_s_per_thread": round(cpu / args.threads, 2),
        "target_s": TARGET_SECONDS,
        "within_target": total < TARGET_SECONDS,
        "themes": len(labels),
        "other_share": round(float((assignment == -1).mean()), 4),
        "largest": [labels[t] for t in sorted(labels)[:5]],
    }
    if args.eval is not None:
        doc["eval"] = evaluate_file(args.eval, encoder, params).to_dict()
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    for key, value in doc.items():
        print(f"{key:>17}: {value}")


if __name__ == "__main__":
    main()
