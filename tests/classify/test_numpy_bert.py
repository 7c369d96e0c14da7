"""The numpy BERT runner ("light" engine) against transformers: ids, logits, probabilities."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from threadpoolctl import threadpool_info, threadpool_limits
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
)

from monitor.classify import bundled_model_path, load_classifier, preprocess_tweet
from monitor.classify.numpy_bert import ERF_MAX_ERROR, erf, gelu, load_bert, supports
from monitor.collectors.replay.settings import BUNDLED_SAMPLE
from monitor.posts import clean_text
from tests.hostile.strings import HOSTILE

BUNDLED = bundled_model_path()
STARS = {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}
SHORT = ["my bag is lost again", "love it", "ok", "the flight was delayed 3 hours :(", "😡"]


def _varied_texts() -> list[str]:
    """~200 texts: sample posts across the file, long posts, emoji, scripts, hostile strings."""
    lines = BUNDLED_SAMPLE.read_text("utf-8").splitlines()
    sample = [json.loads(line)["text"] for line in lines[:: len(lines) // 150]]
    long = [
        " ".join(sample[i : i + 25])
        for i in range(0, 100, 25)  # ~4 posts' worth of tokens
    ] + ["the service was bad " * 2_500, "a" * 5_000, "🙂" * 300]
    emoji = ["😡😡😡", "🙂", "✈️🧳❌", "👍🏽👍🏽", "❤️‍🔥"]
    scripts = [
        "こんにちは世界、荷物がまた無くなった",
        "行李又丢了，太糟糕了",
        "Мой багаж снова потерян!",
        "حقيبتي ضاعت مرة أخرى",
        "मेरा सामान फिर से खो गया",
        "Le service était horrible, je déteste ça",
        "Ελήφθη, ευχαριστώ πολύ",
        "안녕하세요 좋은 서비스",
        "Straße café naïve Ångström",
    ]
    # a lone surrogate reads as U+FFFD (SentimentClassifier cleans it before tokenizing)
    hostile = [value for _, value in HOSTILE]
    return sample + long + emoji + scripts + hostile


TEXTS = _varied_texts()


def test_erf_is_within_its_stated_error_of_math_erf() -> None:
    x = np.concatenate(
        [
            np.linspace(-10, 10, 200_001),
            np.linspace(-1e-3, 1e-3, 2_001),
            [0.46875, -0.46875, 4.0, -4.0, 6.0, -6.0, 27.0, 1e300, -1e300, 1e-300, 0.0, -0.0],
        ]
    )
    error = np.abs(erf(x) - np.array([math.erf(v) for v in x]))
    assert error.max() <= ERF_MAX_ERROR < 1e-7
    assert np.isnan(erf(np.array([np.nan]))).all()


def test_gelu_is_the_exact_erf_gelu() -> None:
    x = np.linspace(-12, 12, 100_001, dtype=np.float32)
    got = gelu(x)
    assert got.dtype == np.float32 and got.shape == x.shape
    exact = np.array([v * (1 + math.erf(v / math.sqrt(2))) / 2 for v in x.astype(np.float64)])
    np.testing.assert_allclose(got, exact, rtol=1.2e-7, atol=1e-45)  # float32 rounding only
    # torch's float32 gelu (approximate="none") loses digits in the negative tail, where
    # 1 + erf cancels: absolute agreement within half an ulp of 12.
    expected = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-7)


def test_token_ids_are_autotokenizers(offline: None) -> None:
    auto = AutoTokenizer.from_pretrained(str(BUNDLED))
    light, _ = load_bert(BUNDLED)
    raw = [clean_text(t) for t in TEXTS]  # what the classifier hands the tokenizer
    cleaned = [preprocess_tweet(t) for t in raw]
    for texts in (raw, cleaned):
        for limit in (16, 128, 512):
            expected = auto(texts, truncation=True, max_length=limit)["input_ids"]
            assert light(texts, truncation=True, max_length=limit)["input_ids"] == expected
    assert light.model_max_length == auto.model_max_length == 512
    truncated = light(cleaned, truncation=True, max_length=128)["input_ids"]
    assert max(len(ids) for ids in truncated) == 128  # the long posts were cut


def test_bundled_model_light_and_torch_agree(offline: None) -> None:
    light = load_classifier(str(BUNDLED), engine="light")
    torch_path = load_classifier(str(BUNDLED), engine="torch")
    assert (light.engine, torch_path.engine) == ("light", "torch")
    assert light.max_length == torch_path.max_length == 128
    assert light.revision == torch_path.revision
    got, expected = light.classify(TEXTS), torch_path.classify(TEXTS)
    assert len(TEXTS) >= 190
    for text, g, e in zip(TEXTS, got, expected, strict=True):
        assert g.label == e.label, text
        assert g.scores is not None and e.scores is not None
        assert g.scores == pytest.approx(e.scores, abs=1e-4), text
        assert g.confidence == pytest.approx(e.confidence, abs=1e-4)


def _tiny_bert(folder: Path, seed: int = 0, **config: object) -> BertForSequenceClassification:
    """A randomly initialised 2-layer BERT on the bundled vocabulary, saved with its tokenizer."""
    settings = {
        "vocab_size": 30522,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
        "id2label": STARS,
        "label2id": {v: k for k, v in STARS.items()},
        **config,
    }
    torch.manual_seed(seed)
    model = BertForSequenceClassification(BertConfig(**settings))
    with torch.no_grad():  # every weight random and large enough for every op to matter
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.3)
    model.eval()
    model.save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(BUNDLED / name, folder / name)
    return model


def test_tiny_random_bert_logits_are_transformers(tmp_path: Path, offline: None) -> None:
    model = _tiny_bert(tmp_path / "tiny")
    assert supports(tmp_path / "tiny")
    tokenizer, net = load_bert(tmp_path / "tiny")
    batch = tokenizer(TEXTS[:40], truncation=True, max_length=64)["input_ids"]
    width = max(len(ids) for ids in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, row_ids in enumerate(batch):
        ids[row, : len(row_ids)] = row_ids
        mask[row, : len(row_ids)] = 1
    assert mask.min(axis=1).min() == 0 and mask.sum(axis=1).max() == width  # padding in it
    with torch.inference_mode():
        expected = model(
            input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
        ).logits.numpy()
    got = net.logits(ids, mask)
    assert got.shape == (len(batch), 5)
    assert np.abs(expected).max() > 1.0  # logits worth comparing
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    # Padding never leaks into a row: alone, each row gives the same logits.
    for row, row_ids in enumerate(batch[:5]):
        alone = net.logits(np.array([row_ids]), np.ones((1, len(row_ids))))
        np.testing.assert_allclose(alone[0], got[row], rtol=1e-4, atol=1e-5)


def test_tiny_random_bert_classifier_engines_agree(tmp_path: Path, offline: None) -> None:
    _tiny_bert(tmp_path / "tiny", seed=1)
    light = load_classifier(str(tmp_path / "tiny"), engine="light", batch_size=7)
    torch_path = load_classifier(str(tmp_path / "tiny"), batch_size=7)
    assert light.engine == "light" and light.max_length == torch_path.max_length == 64
    for g, e in zip(light.classify(TEXTS), torch_path.classify(TEXTS), strict=True):
        assert g.label == e.label and g.skipped_reason == e.skipped_reason
        assert g.scores == pytest.approx(e.scores, abs=1e-5)


def _roberta(folder: Path) -> None:
    config = RobertaConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=130,
        pad_token_id=0,
        id2label=STARS,
        label2id={v: k for k, v in STARS.items()},
    )
    torch.manual_seed(0)
    RobertaForSequenceClassification(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(BUNDLED / name, folder / name)


def _without_safetensors(folder: Path) -> None:
    _tiny_bert(folder)
    weights = folder / "model.safetensors"
    torch.save(load_file(weights), folder / "pytorch_model.bin")
    weights.unlink()


def _edit_config(folder: Path, **changes: object) -> None:
    _tiny_bert(folder)
    path = folder / "config.json"
    config = json.loads(path.read_text("utf-8"))
    config.update(changes)
    path.write_text(json.dumps(config), "utf-8")


UNSUPPORTED = {
    "roberta": _roberta,
    "no_safetensors": _without_safetensors,
    "relative_positions": lambda f: _edit_config(f, position_embedding_type="relative_key"),
    "tanh_gelu": lambda f: _edit_config(f, hidden_act="gelu_new"),
}


@pytest.mark.parametrize("kind", sorted(UNSUPPORTED))
def test_unsupported_folders_run_on_torch(kind: str, tmp_path: Path, offline: None) -> None:
    folder = tmp_path / kind
    folder.mkdir()
    UNSUPPORTED[kind](folder)
    assert not supports(folder)
    light = load_classifier(str(folder), engine="light")
    assert light.engine == "torch"
    assert light is load_classifier(str(folder))  # the torch classifier itself, loaded once
    assert [p.label for p in light.classify(SHORT)] == [
        p.label for p in load_classifier(str(folder), engine="torch").classify(SHORT)
    ]


def test_supports_only_what_it_runs_exactly(tmp_path: Path) -> None:
    assert supports(BUNDLED)
    assert not supports(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    assert not supports(tmp_path / "empty")
    bf16 = tmp_path / "bf16"
    _tiny_bert(bf16).to(torch.bfloat16).save_pretrained(bf16)  # numpy has no bfloat16
    assert not supports(bf16)
    broken = tmp_path / "broken"
    shutil.copytree(BUNDLED, broken)
    (broken / "config.json").write_text("{not json", "utf-8")
    assert not supports(broken)


def test_quantized_light_request_runs_on_torch(offline: None) -> None:
    quantized = load_classifier(str(BUNDLED), engine="light", quantize=True)
    assert quantized.engine == "torch"
    assert quantized is load_classifier(str(BUNDLED), quantize=True)


def test_bad_engine_and_threads_are_rejected() -> None:
    with pytest.raises(ValueError, match="engine"):
        load_classifier(str(BUNDLED), engine="numpy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threads"):
        load_classifier(str(BUNDLED), engine="light", threads=0)


def test_light_engine_with_threads_uses_that_many_blas_threads(offline: None) -> None:
    with threadpool_limits(limits=None, user_api="blas"):  # puts the BLAS threads back after
        classifier = load_classifier(str(BUNDLED), engine="light", threads=1)
        assert classifier.engine == "light"
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
        assert [p.label for p in classifier.classify(["love it", ""])] == ["positive", None]
