"""Load a sentiment model from a local folder or a hub name, once per process.

The pieces every transformer model of the product loads with (threads, cache key, loading
with a clear error, int8 quantization, the token limit) live here; the theme encoder
(``monitor.themes.encoders``) uses them too.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Collection
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from monitor.classify.classifier import ENGLISH, SentimentClassifier
from monitor.classify.labels import label_mapping

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json")
BUNDLED_MODEL_NAME = "tweet-sentiment-minilm"


def bundled_model_path() -> Path:
    """Folder of the model shipped in the repository's `models/` (source/editable installs)."""
    return Path(__file__).resolve().parents[2] / "models" / BUNDLED_MODEL_NAME


def use_threads(threads: int | None) -> None:
    """Let torch use ``threads`` CPU threads (``None``: leave it as it is)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        torch.set_num_threads(threads)


def model_key(model: str) -> str:
    """A model's cache key: a local folder's resolved path, else the hub name as given."""
    local = Path(model).expanduser()
    return str(local.resolve()) if local.is_dir() else model


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


def token_limit(tokenizer: Any, net: torch.nn.Module, max_length: int) -> int:
    """The most tokens a text may have: ``max_length``, capped by what the model can read."""
    config = getattr(net, "config", None)
    limits = [max_length, getattr(config, "max_position_embeddings", max_length)]
    if 0 < getattr(tokenizer, "model_max_length", 0) < 1_000_000:  # unset = huge sentinel
        limits.append(tokenizer.model_max_length)
    return int(min(limits))


def load_classifier(
    model: str,
    *,
    batch_size: int = 64,
    max_length: int = 128,
    threads: int | None = None,
    quantize: bool = False,
    languages: tuple[str, ...] | None = ENGLISH,
) -> SentimentClassifier:
    """Return the classifier for `model` (local path or hub name), loading it at most once.

    ``languages``: what the model was trained on (None: any); posts in others get no label.
    """
    use_threads(threads)
    return _load(model_key(model), batch_size, max_length, quantize, languages)


@functools.lru_cache(maxsize=4)
def _load(
    model: str,
    batch_size: int,
    max_length: int,
    quantize: bool,
    languages: tuple[str, ...] | None = ENGLISH,
) -> SentimentClassifier:
    tokenizer, net = load_pretrained(
        model, AutoModelForSequenceClassification, what="sentiment model"
    )
    mapping = label_mapping(net.config.id2label, model)
    if quantize:
        net = quantize_linear(net)
    return SentimentClassifier(
        model_name=model,
        revision=functools.partial(_revision, model, net.config),  # hashed when first needed
        tokenizer=tokenizer,
        model=net,
        mapping=mapping,
        batch_size=batch_size,
        max_length=token_limit(tokenizer, net, max_length),
        languages=None if languages is None else frozenset(languages),
    )


def _revision(model: str, config: object) -> str:
    """Hub commit when known, else a short sha256 of the local weights (or config)."""
    commit = getattr(config, "_commit_hash", None)
    folder = Path(model)
    if not folder.is_dir():
        return str(commit) if commit else "unknown"
    for name in _WEIGHT_FILES:
        path = folder / name
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            return "sha256:" + digest.hexdigest()[:12]
    return str(commit) if commit else "unknown"
