"""Batched sentiment inference over a loaded sequence-classification model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from monitor.classify.labels import LabelMapping
from monitor.classify.prediction import SKIPPED_EMPTY, SKIPPED_NOT_TEXT, Prediction
from monitor.classify.preprocess import preprocess_tweet

# A word piece never spans more than ~100 characters (BERT's max_input_chars_per_word), so
# cutting a text to this many characters per allowed token cannot change the truncated
# tokens, and keeps tokenizing a 50,000-character post cheap.
CHARS_PER_TOKEN_BOUND = 100
#: The bundled model's languages.
ENGLISH = ("en",)


class SentimentClassifier:
    """Labels texts negative / neutral / positive with scores; see `load_classifier`."""

    def __init__(
        self,
        *,
        model_name: str,
        revision: str | Callable[[], str],
        tokenizer: Any,
        model: torch.nn.Module,
        mapping: LabelMapping,
        batch_size: int,
        max_length: int,
        languages: frozenset[str] | None = frozenset(ENGLISH),
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_name = model_name
        self._revision = revision
        self.tokenizer = tokenizer
        self.model = model
        self.mapping = mapping
        self.batch_size = batch_size
        self.max_length = max_length
        #: What the model can read (ISO 639-1; None: any). The classify pipeline leaves
        #: posts in other languages unlabeled; `classify` itself labels whatever it is given.
        self.languages = languages
        pad = getattr(tokenizer, "pad_token_id", None)
        self._pad_id = 0 if pad is None else int(pad)

    @property
    def revision(self) -> str:
        """The model's revision; a callable given is called once, when first asked.

        Hashing the weights takes a noticeable part of a cold ``sentiment predict``, which
        never stores a label and so never needs it.
        """
        if callable(self._revision):
            self._revision = self._revision()
        return self._revision

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify `texts`, returning one `Prediction` per text in input order.

        Empty/whitespace-only texts are skipped with reason "empty"; everything else
        (emoji-only, any language, very long posts, truncated to the model's length) is labeled.
        """
        results: list[Prediction | None] = [None] * len(texts)
        todo: list[int] = []
        cleaned: list[str] = []
        limit = self.max_length * CHARS_PER_TOKEN_BOUND
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                results[i] = Prediction.skipped(SKIPPED_NOT_TEXT)
            elif not text.strip():
                results[i] = Prediction.skipped(SKIPPED_EMPTY)
            else:
                todo.append(i)
                cleaned.append(preprocess_tweet(text[:limit]))
        if todo:
            encoded = self.tokenizer(cleaned, truncation=True, max_length=self.max_length)[
                "input_ids"
            ]
            # Length-sorted batches keep padding (wasted compute) to a minimum.
            order = sorted(range(len(todo)), key=lambda k: len(encoded[k]))
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                for k, scores in zip(chunk, self._score([encoded[k] for k in chunk]), strict=True):
                    label = max(scores, key=scores.__getitem__)
                    results[todo[k]] = Prediction(label, scores[label], scores, None)
        return [r for r in results if r is not None]

    def _score(self, batch: list[list[int]]) -> list[dict[str, float]]:
        """Forward one dynamically padded batch; return folded class scores per row."""
        input_ids, attention = pad_batch(batch, self._pad_id)
        with torch.inference_mode():
            logits = self.model(input_ids=input_ids, attention_mask=attention).logits
            probabilities = torch.softmax(logits.float(), dim=-1).tolist()
        return [self.mapping.fold(p) for p in probabilities]


def pad_batch(batch: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` of token-id lists padded to the longest one."""
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention[row, : len(ids)] = 1
    return input_ids, attention
