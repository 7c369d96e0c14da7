"""Load a sentiment model from a local folder or a hub name, once per process.

Two engines run it: torch (``monitor.classify.torch_engine``, transformers; what
``classify``, the daemon and ``sentiment eval`` use) and "light"
(``monitor.classify.numpy_bert``: a BERT classifier run with numpy, so a cold ``sentiment
predict`` never imports torch). This module imports neither until a model is loaded.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Literal, get_args

from monitor.classify.classifier import ENGLISH, Forward, SentimentClassifier
from monitor.classify.labels import label_mapping

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json")
BUNDLED_MODEL_NAME = "tweet-sentiment-minilm"
#: What runs a sentiment model: "torch" (transformers) or "light" (numpy, BERT only).
EngineName = Literal["torch", "light"]


def bundled_model_path() -> Path:
    """Folder of the model shipped in the repository's `models/` (source/editable installs)."""
    return Path(__file__).resolve().parents[2] / "models" / BUNDLED_MODEL_NAME


def model_key(model: str) -> str:
    """A model's cache key: a local folder's resolved path, else the hub name as given."""
    local = Path(model).expanduser()
    return str(local.resolve()) if local.is_dir() else model


def token_limit(tokenizer: Any, net: Any, max_length: int) -> int:
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
    engine: EngineName = "torch",
) -> SentimentClassifier:
    """Return the classifier for `model` (local path or hub name), loading it at most once.

    ``languages``: what the model was trained on (None: any); posts in others get no label.
    ``engine``: "torch", or "light" to run it with numpy (no torch or transformers import:
    seconds less to start) where ``monitor.classify.numpy_bert.supports`` the model folder
    and ``quantize`` is off; anything else silently runs on torch, with the same results.
    """
    if engine not in get_args(EngineName):
        raise ValueError(f"engine must be one of {get_args(EngineName)}, got {engine!r}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    key = model_key(model)
    if engine == "light" and not quantize:
        from monitor.classify import numpy_bert  # numpy, tokenizers, safetensors: light

        if numpy_bert.supports(Path(key)):
            numpy_bert.use_threads(threads)
            return _load(key, batch_size, max_length, quantize, languages, "light")
    from monitor.classify.torch_engine import use_threads  # torch: seconds to import

    use_threads(threads)
    return _load(key, batch_size, max_length, quantize, languages, "torch")


@functools.lru_cache(maxsize=4)
def _load(
    model: str,
    batch_size: int,
    max_length: int,
    quantize: bool,
    languages: tuple[str, ...] | None,
    engine: EngineName,
) -> SentimentClassifier:
    tokenizer: Any
    net: Any
    forward: Forward
    if engine == "light":
        from monitor.classify.numpy_bert import load_bert

        tokenizer, net = load_bert(Path(model))
        forward = net
    else:
        from monitor.classify.torch_engine import load_sequence_classifier

        tokenizer, net, forward = load_sequence_classifier(model, quantize=quantize)
    mapping = label_mapping(net.config.id2label, model)
    return SentimentClassifier(
        model_name=model,
        revision=functools.partial(_revision, model, net.config),  # hashed when first needed
        tokenizer=tokenizer,
        forward=forward,
        mapping=mapping,
        batch_size=batch_size,
        max_length=token_limit(tokenizer, net, max_length),
        languages=None if languages is None else frozenset(languages),
        engine=engine,
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
