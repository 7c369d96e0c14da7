"""The sentence encoder: the pinned base weights, a local folder, or a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from monitor.classify.loader import bundled_model_path
from monitor.themes.encoders import default_encoder_path, load_encoder, topic_text


def test_base_encoder_groups_by_meaning() -> None:
    encoder = load_encoder(default_encoder_path(), batch_size=2, threads=2)
    texts = [
        "you charged my card twice, I want my money back",
        "the app keeps crashing when I open it",
        "double charge on my credit card, refund me",
        "",
    ]
    vectors = encoder.encode(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    # batches run sorted by length, yet rows come back in input order
    alone = encoder.encode([texts[2]])
    assert np.allclose(alone[0], vectors[2], atol=1e-4)
    similarity = vectors[:3] @ vectors[:3].T
    assert similarity[0, 2] > similarity[0, 1] + 0.2
    assert encoder.encode([]).shape == (0, 384)


def test_quantized_encoder_is_int8_and_close_to_float32() -> None:
    import torch

    texts = ["you charged my card twice, I want my money back", "the app keeps crashing"]
    exact = load_encoder(default_encoder_path(), threads=2).encode(texts)
    encoder = load_encoder(default_encoder_path(), threads=2, quantize=True)
    kinds = {type(m).__name__ for m in encoder.model.modules()}
    # the feed-forward layers are int8; the attention projections stay float32 Linear
    assert "Linear" in kinds and any(
        "quantized" in type(m).__module__ for m in encoder.model.modules()
    )
    assert not isinstance(encoder.model.encoder.layer[0].intermediate.dense, torch.nn.Linear)
    assert isinstance(encoder.model.encoder.layer[0].attention.self.query, torch.nn.Linear)
    vectors = encoder.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # each vector stays close to its float32 twice (measured: cosine ~0.95)
    assert float((vectors * exact).sum(axis=1).min()) > 0.9


def test_a_local_folder_loads_too() -> None:
    # the classifier's folder holds a sequence-classification model; its encoder loads alone
    encoder = load_encoder(str(bundled_model_path()), threads=2)
    assert encoder.encode(["my bag is lost"]).shape == (1, 384)


def test_missing_model_is_an_os_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="cannot load sentence encoder"):
        load_encoder(str(tmp_path / "nothing-here"))
    with pytest.raises(ValueError, match="threads"):
        load_encoder(default_encoder_path(), threads=0)


def test_topic_text_drops_who_is_addressed_and_links() -> None:
    assert topic_text("@AcmeHelp  app crashes &amp; burns https://t.co/x @bob") == (
        "app crashes & burns"
    )
    assert topic_text("mail me at a@b.com") == "mail me at a@b.com"  # not a handle
    assert topic_text("@AcmeHelp") == "@user"  # nothing else: the text itself


def test_a_shared_handle_does_not_pull_unrelated_posts_together() -> None:
    encoder = load_encoder(default_encoder_path(), threads=2, quantize=True)
    a, b = encoder.encode(
        ["@AcmeHelp the parking lot at your store is a mess", "@AcmeHelp why is your logo purple"]
    )
    c, d = encoder.encode(["the parking lot at your store is a mess", "why is your logo purple"])
    assert float(a @ b) == pytest.approx(float(c @ d), abs=1e-5)
