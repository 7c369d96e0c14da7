"""Run a BERT sequence classifier with numpy: the forward of transformers'
``BertForSequenceClassification``, with no torch or transformers import.

A cold ``monitor sentiment predict`` spent most of its ~10 s importing torch and
transformers; numpy, tokenizers and safetensors import in a fraction of a second. This module
runs what the bundled model is (a local folder: ``config.json`` of a BERT classifier with
absolute positions and exact GELU, ``model.safetensors``, a fast ``tokenizer.json``) in
float32 on the CPU, as the torch engine does; `supports` tells whether a folder is such a
model, and `monitor.classify.load_classifier` falls back to torch for anything else.
Probabilities match the torch engine's within 1e-4 (tests/classify/test_numpy_bert.py).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import safe_open
from tokenizers import Tokenizer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
ARCHITECTURE = "BertForSequenceClassification"
#: transformers' ``model_max_length`` when a tokenizer names none (VERY_LARGE_INTEGER).
NO_LIMIT = int(1e30)
#: Weight dtypes numpy reads (bfloat16 it cannot: such a model runs on torch).
_NUMPY_DTYPES = frozenset({"F16", "F32", "F64"})
#: BertConfig's defaults, for what a config.json leaves out.
_DEFAULTS: dict[str, Any] = {
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 512,
    "layer_norm_eps": 1e-12,
    "hidden_act": "gelu",
    "position_embedding_type": "absolute",
}


# -- the error function -------------------------------------------------------------------
# numpy has no erf, and importing scipy.special for it costs ~0.35 s of a cold start (measured:
# `import numpy` 0.25 s, with scipy.special 0.60 s). These are W. J. Cody's rational Chebyshev
# approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23,
# 1969, pp. 631-638; the coefficients of netlib's specfun CALERF), evaluated in float64: erf
# itself below 0.46875, erfc = exp(-x^2) * P(x) / Q(x) above. Cody's third interval (x > 4)
# is not needed at erf's float64 resolution: there the second one is within 3e-23 of
# math.erfc (measured on [4, 6]), and erfc(6) = 2e-17 is below half an ulp of 1, so erf is
# +-1 from 6 on. Largest difference from Python's math.erf measured over 200,001 points of
# [-10, 10]: 2.2e-16 (one float64 ulp at 1), far below the 1e-7 a float32 GELU needs.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)  # fmt: skip
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
#: Where Cody's first interval (erf) ends and his second (erfc) begins.
_ERF_SPLIT = 0.46875
#: erfc(6) = 2e-17 is below half a float64 ulp of 1: erf is +-1 from here on.
_ERF_SATURATES = 6.0
#: The most that `erf` differs from math.erf (measured, see above; tested).
ERF_MAX_ERROR = 2.3e-16


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, in float64 (within `ERF_MAX_ERROR`, see above).

    Both intervals are evaluated over the whole array and the right one picked per element:
    faster than gathering each interval's elements (GELU runs this on every hidden unit).
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.abs(x)
    inside = t <= _ERF_SPLIT
    # erf(x) = x * A(x^2) / B(x^2) for |x| <= 0.46875 (clipped there: no overflow beyond)
    near = np.minimum(t, _ERF_SPLIT)
    z = near * near
    num = _ERF_A[4] * z
    for a in _ERF_A[:3]:
        num += a
        num *= z
    num += _ERF_A[3]
    den = z + _ERF_B[0]
    for b in _ERF_B[1:]:
        den *= z
        den += b
    near *= num
    near /= den
    np.copysign(near, x, out=near)
    # erf(x) = sign(x) * (1 - exp(-x^2) * C(|x|) / D(|x|)) above
    t = np.clip(t, _ERF_SPLIT, _ERF_SATURATES, out=t)
    num = _ERFC_C[8] * t
    den = t.copy()
    for c, d in zip(_ERFC_C[:7], _ERFC_D[:7], strict=True):
        num += c
        num *= t
        den += d
        den *= t
    num += _ERFC_C[7]
    den += _ERFC_D[7]
    far = np.exp(-(t * t))
    far *= num
    far /= den
    np.subtract(1.0, far, out=far)
    np.copysign(far, x, out=far)
    result: np.ndarray = np.where(inside, near, far)
    return result


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU of transformers' "gelu": x * (1 + erf(x / sqrt(2))) / 2.

    Computed in float64 and returned in ``x``'s dtype, a slice at a time: the erf's ~40
    array operations run twice as fast on slices that stay in the CPU cache.
    """
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    for start in range(0, flat.size, _GELU_SLICE):
        wide = flat[start : start + _GELU_SLICE].astype(np.float64)
        out[start : start + _GELU_SLICE] = wide * 0.5 * (1.0 + erf(wide * math.sqrt(0.5)))
    return out.reshape(x.shape)


#: Elements per GELU slice (128 KiB of float64 per temporary array).
_GELU_SLICE = 1 << 14


# -- which folders -------------------------------------------------------------------------
def supports(folder: Path) -> bool:
    """Whether `folder` holds a model this module runs exactly as transformers does.

    That is a local folder with a ``config.json`` of a ``BertForSequenceClassification``
    (model_type "bert", absolute positions, "gelu", not a decoder), a ``tokenizer.json``, and
    a ``model.safetensors`` holding every weight of it in a dtype numpy reads.
    """
    try:
        config = _read_json(folder / CONFIG_FILE)
        if not (folder / TOKENIZER_FILE).is_file() or not (folder / WEIGHTS_FILE).is_file():
            return False
        if not (
            config.get("model_type") == "bert"
            and config.get("architectures") == [ARCHITECTURE]
            and _setting(config, "position_embedding_type") == "absolute"
            and _setting(config, "hidden_act") == "gelu"
            and not config.get("is_decoder", False)
        ):
            return False
        with safe_open(str(folder / WEIGHTS_FILE), framework="np") as weights:
            shapes = {k: weights.get_slice(k).get_shape() for k in weights.keys()}  # noqa: SIM118
            dtypes = {weights.get_slice(k).get_dtype() for k in shapes}
        names = _weight_names(int(_setting(config, "num_hidden_layers")))
        labels = config.get("id2label")
        return (
            dtypes <= _NUMPY_DTYPES
            and all(_stored_name(n, shapes) is not None for n in names)
            and (not labels or shapes["classifier.weight"][0] == len(labels))
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False  # unreadable or malformed: transformers decides (and explains)


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def _setting(config: dict[str, Any], name: str) -> Any:
    value = config.get(name)
    return _DEFAULTS[name] if value is None else value


def _weight_names(layers: int) -> list[str]:
    """Every tensor the forward reads, by its transformers name."""
    names = [
        "bert.embeddings.word_embeddings.weight",
        "bert.embeddings.position_embeddings.weight",
        "bert.embeddings.token_type_embeddings.weight",
        "bert.embeddings.LayerNorm.weight",
        "bert.embeddings.LayerNorm.bias",
        "bert.pooler.dense.weight",
        "bert.pooler.dense.bias",
        "classifier.weight",
        "classifier.bias",
    ]
    for i in range(layers):
        for part in (
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
            "attention.output.LayerNorm",
            "intermediate.dense",
            "output.dense",
            "output.LayerNorm",
        ):
            names += [
                f"bert.encoder.layer.{i}.{part}.weight",
                f"bert.encoder.layer.{i}.{part}.bias",
            ]
    return names


def _stored_name(name: str, stored: Any) -> str | None:
    """The name `name` has in the file: itself, or a LayerNorm's old gamma/beta name."""
    if name in stored:
        return name
    if ".LayerNorm." in name:
        old = name.replace(".weight", ".gamma").replace(".bias", ".beta")
        if old in stored:
            return old
    return None


# -- the tokenizer -------------------------------------------------------------------------
class FastTokenizer:
    """The model's ``tokenizer.json``, called as the classifier calls a transformers tokenizer.

    Any truncation or padding stored in the file is cleared: texts are cut to the
    ``max_length`` asked for (special tokens included) and never padded, which gives the ids
    ``AutoTokenizer.from_pretrained(folder)(texts, truncation=True, max_length=n)`` gives.
    """

    def __init__(self, folder: Path) -> None:
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        settings: dict[str, Any] = {}
        if (folder / TOKENIZER_CONFIG_FILE).is_file():
            settings = _read_json(folder / TOKENIZER_CONFIG_FILE)
        limit = settings.get("model_max_length")
        #: As transformers reads it: a huge sentinel when the folder names no limit.
        self.model_max_length = int(limit) if limit is not None else NO_LIMIT
        self._side = "left" if settings.get("truncation_side") == "left" else "right"
        self._truncating_to: int | None = None
        self._lock = threading.Lock()  # truncation is a setting of the shared Rust tokenizer

    def __call__(
        self, texts: Sequence[str], *, truncation: bool = False, max_length: int | None = None
    ) -> dict[str, list[list[int]]]:
        """``{"input_ids": [...]}``: each text's ids, with [CLS]/[SEP], truncated if asked."""
        limit = None
        if truncation:
            limit = max_length if max_length is not None else self.model_max_length
            if limit >= NO_LIMIT:
                limit = None
        with self._lock:
            if limit != self._truncating_to:
                if limit is None:
                    self._tokenizer.no_truncation()
                else:
                    self._tokenizer.enable_truncation(limit, direction=self._side)
                self._truncating_to = limit
            encodings = self._tokenizer.encode_batch(list(texts))
        return {"input_ids": [e.ids for e in encodings]}


# -- the network ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BertSettings:
    """What the forward needs from ``config.json`` (named as transformers' config names it)."""

    num_attention_heads: int
    num_hidden_layers: int
    layer_norm_eps: float
    max_position_embeddings: int
    id2label: dict[int, str]


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class NumpyBert:
    """``BertForSequenceClassification`` in eval mode, float32, on numpy.

    Called with a batch of token-id lists it returns each one's class probabilities (the
    classifier's forward); `logits` is the network itself.
    """

    def __init__(self, config: BertSettings, weights: dict[str, np.ndarray]) -> None:
        self.config = config

        def dense(name: str) -> tuple[np.ndarray, np.ndarray]:
            # torch's Linear computes x @ W.T + b; W.T is stored ready for the matmul.
            return np.ascontiguousarray(weights[f"{name}.weight"].T), weights[f"{name}.bias"]

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return weights[f"{name}.weight"], weights[f"{name}.bias"]

        embeddings = "bert.embeddings"
        # The word table stays in its stored dtype: only the rows a batch uses are widened
        # (the same float32 values, without converting 30,000 rows at every start).
        self._words = weights[f"{embeddings}.word_embeddings.weight"]
        self._positions = weights[f"{embeddings}.position_embeddings.weight"]
        self._token_type = weights[f"{embeddings}.token_type_embeddings.weight"][0]
        self._embedding_norm = norm(f"{embeddings}.LayerNorm")
        self._layers = []
        for i in range(config.num_hidden_layers):
            prefix = f"bert.encoder.layer.{i}"
            projections = [dense(f"{prefix}.attention.self.{p}") for p in ("query", "key", "value")]
            attention_out = dense(f"{prefix}.attention.output.dense")
            intermediate = dense(f"{prefix}.intermediate.dense")
            output = dense(f"{prefix}.output.dense")
            self._layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(np.concatenate([w for w, _ in projections], axis=1)),
                    qkv_bias=np.concatenate([b for _, b in projections]),
                    attention_out=attention_out[0],
                    attention_out_bias=attention_out[1],
                    attention_norm=norm(f"{prefix}.attention.output.LayerNorm"),
                    intermediate=intermediate[0],
                    intermediate_bias=intermediate[1],
                    output=output[0],
                    output_bias=output[1],
                    output_norm=norm(f"{prefix}.output.LayerNorm"),
                )
            )
        self._pooler = dense("bert.pooler.dense")
        self._classifier = dense("classifier")

    def __call__(self, batch: list[list[int]]) -> list[list[float]]:
        """Softmax of the logits of a batch of token-id lists (padded here, masked out)."""
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        attention = np.zeros((len(batch), width), dtype=bool)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            attention[row, : len(ids)] = True
        logits = self.logits(input_ids, attention)
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probabilities: list[list[float]] = (shifted / shifted.sum(axis=-1, keepdims=True)).tolist()
        return probabilities

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """``(batch, labels)`` float32 logits; ``attention_mask``: 1/True for real tokens."""
        width = input_ids.shape[1]
        if width > self.config.max_position_embeddings:
            raise ValueError(
                f"{width} tokens, the model reads at most {self.config.max_position_embeddings}"
            )
        x = self._words[input_ids].astype(np.float32) + self._token_type
        x = self._layer_norm(x + self._positions[:width], self._embedding_norm)
        # transformers' additive mask: the lowest float32 for padding keys (weight exactly 0).
        bias = np.where(np.asarray(attention_mask, dtype=bool), 0.0, np.finfo(np.float32).min)
        bias = bias.astype(np.float32)[:, None, None, :]
        for layer in self._layers:
            x = self._layer(x, layer, bias)
        pooled = np.tanh(x[:, 0] @ self._pooler[0] + self._pooler[1])
        logits: np.ndarray = pooled @ self._classifier[0] + self._classifier[1]
        return logits

    def _layer(self, x: np.ndarray, layer: _Layer, bias: np.ndarray) -> np.ndarray:
        batch, width, hidden = x.shape
        heads = self.config.num_attention_heads
        size = hidden // heads
        # Dense layers as one 2-D matmul: numpy runs a 3-D @ 2-D product ~30 times slower.
        flat = x.reshape(batch * width, hidden)
        qkv = (flat @ layer.qkv + layer.qkv_bias).reshape(batch, width, 3, heads, size)
        query, key, value = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        scores = (query @ key.transpose(0, 1, 3, 2)) * np.float32(size**-0.5) + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * width, hidden)
        attended = context @ layer.attention_out + layer.attention_out_bias
        flat = self._layer_norm(attended + flat, layer.attention_norm)
        inner = gelu(flat @ layer.intermediate + layer.intermediate_bias)
        out = self._layer_norm(inner @ layer.output + layer.output_bias + flat, layer.output_norm)
        return out.reshape(batch, width, hidden)

    def _layer_norm(self, x: np.ndarray, norm: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        centred = x - x.mean(axis=-1, keepdims=True)
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        scale, shift = norm
        result: np.ndarray = centred / np.sqrt(variance + np.float32(self.config.layer_norm_eps))
        return result * scale + shift


def load_bert(folder: Path) -> tuple[FastTokenizer, NumpyBert]:
    """``(tokenizer, network)`` of a folder `supports` accepts; float32 weights."""
    config = _read_json(folder / CONFIG_FILE)
    layers = int(_setting(config, "num_hidden_layers"))
    weights: dict[str, np.ndarray] = {}
    with safe_open(str(folder / WEIGHTS_FILE), framework="np") as stored:
        present = set(stored.keys())
        for name in _weight_names(layers):
            source = _stored_name(name, present)
            if source is None:
                raise OSError(f"{folder / WEIGHTS_FILE}: no tensor {name!r}")
            tensor = stored.get_tensor(source)
            keep = name.endswith("word_embeddings.weight")  # widened row by row, see NumpyBert
            weights[name] = tensor if keep else tensor.astype(np.float32)
    labels = config.get("id2label") or {
        i: f"LABEL_{i}" for i in range(weights["classifier.weight"].shape[0])
    }
    settings = BertSettings(
        num_attention_heads=int(_setting(config, "num_attention_heads")),
        num_hidden_layers=layers,
        layer_norm_eps=float(_setting(config, "layer_norm_eps")),
        max_position_embeddings=int(_setting(config, "max_position_embeddings")),
        id2label={int(k): str(v) for k, v in labels.items()},
    )
    return FastTokenizer(folder), NumpyBert(settings, weights)


def use_threads(threads: int | None) -> None:
    """Let numpy's BLAS use ``threads`` threads (``None``: leave it as it is); the caller,
    `monitor.classify.load_classifier`, has checked ``threads`` >= 1."""
    if threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")
