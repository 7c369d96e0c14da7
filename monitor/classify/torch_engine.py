"""The torch side of the product's transformer models: threads, loading, int8, padded forward.

Every transformer model of the product loads with these pieces (the sentiment classifier
and the theme encoder, ``monitor.themes.encoders``). Importing this module imports torch
and transformers (seconds on a small machine), so only the commands that run such a model
import it.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging


def use_threads(threads: int | None) -> None:
    """Let torch use ``threads`` CPU threads (``None``: leave it as it is)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        torch.set_num_threads(threads)


def load_pretrained(
    model: str, auto_class: Any, *, what: str, quiet: bool = False
) -> tuple[Any, Any]:
    """``(tokenizer, network)`` of ``model`` in eval mode and float32; ``OSError`` naming
    ``what`` could not load. ``quiet``: transformers logs errors only (no "unused weights")."""
    # A progress bar per load is noise in the daemon's one-line-per-job log.
    hf_logging.disable_progress_bar()
    verbosity = hf_logging.get_verbosity()
    if quiet:
        hf_logging.set_verbosity_error()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model)
        # fp16 weights on disk are for size only: CPU inference runs in fp32.
        net = auto_class.from_pretrained(model, dtype=torch.float32)
    except (OSError, ValueError) as err:
        # transformers raises either for a missing/incomplete folder or an unknown hub name.
        raise OSError(f"cannot load {what} {model!r}: {err}") from err
    finally:
        hf_logging.set_verbosity(verbosity)
    net.eval()
    return tokenizer, net


def quantize_linear(net: torch.nn.Module, only: Collection[str] | None = None) -> torch.nn.Module:
    """int8 dynamic quantization of the Linear layers (most of the compute); ``only``: of
    the Linear layers with these module names."""
    spec: Any = {torch.nn.Linear} if only is None else set(only)
    with warnings.catch_warnings():
        # torch announces the move of eager quantization to torchao; the API still works
        # in the pinned torch and torchao is not a dependency.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantized: torch.nn.Module = torch.ao.quantization.quantize_dynamic(
            net, spec, dtype=torch.qint8
        )
    return quantized


def pad_batch(batch: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` of token-id lists padded to the longest one."""
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention[row, : len(ids)] = 1
    return input_ids, attention


class TorchForward:
    """Class probabilities of a batch of token-id lists from a transformers classifier."""

    def __init__(self, model: torch.nn.Module, pad_id: int) -> None:
        self.model = model
        self.pad_id = pad_id

    def __call__(self, batch: list[list[int]]) -> list[list[float]]:
        """Forward one dynamically padded batch; softmax of the logits, one list per row."""
        input_ids, attention = pad_batch(batch, self.pad_id)
        with torch.inference_mode():
            logits = self.model(input_ids=input_ids, attention_mask=attention).logits
            probabilities: list[list[float]] = torch.softmax(logits.float(), dim=-1).tolist()
        return probabilities


def load_sequence_classifier(model: str, *, quantize: bool) -> tuple[Any, Any, TorchForward]:
    """``(tokenizer, network, forward)`` of a sequence-classification model (int8 Linear
    layers with ``quantize``); ``OSError`` when it cannot load."""
    tokenizer, net = load_pretrained(
        model, AutoModelForSequenceClassification, what="sentiment model"
    )
    if quantize:
        net = quantize_linear(net)
    pad = getattr(tokenizer, "pad_token_id", None)
    return tokenizer, net, TorchForward(net, 0 if pad is None else int(pad))
