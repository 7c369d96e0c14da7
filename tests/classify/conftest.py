"""Fixtures: a tiny randomly initialised BERT classifier saved to a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *("good", "bad", "ok", "great", "awful", "the", "service", "was", "is", "not", "very"),
    *("i", "love", "hate", "it", "flight", "delay"),
    "@",
    "user",
    "http",
    "!",
    ".",
    ",",
]

TinyModelFactory = Callable[..., Path]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub access: everything must load from local files."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def make_tiny_model(tmp_path: Path, offline: None) -> TinyModelFactory:
    """Build and save a tiny BERT with the given `id2label`; returns its folder."""
    counter = iter(range(1000))

    def build(id2label: dict[int, str] | None = None, seed: int = 0) -> Path:
        labels = id2label or {0: "negative", 1: "neutral", 2: "positive"}
        folder = tmp_path / f"tiny-{next(counter)}"
        folder.mkdir()
        vocab_file = folder / "vocab.txt"
        vocab_file.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
        tokenizer = BertTokenizer(vocab_file=str(vocab_file), do_lower_case=True)
        tokenizer.save_pretrained(folder)
        config = BertConfig(
            vocab_size=len(VOCAB),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=32,
            num_labels=len(labels),
            id2label=labels,
            label2id={v: k for k, v in labels.items()},
        )
        torch.manual_seed(seed)
        BertForSequenceClassification(config).save_pretrained(folder)
        return folder

    return build
