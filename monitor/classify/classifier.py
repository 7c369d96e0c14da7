"""Batched sentiment inference over a loaded sequence-classification model.

The model is a forward callable, so this module runs with either engine (``engine`` in
`monitor.classify.load_classifier`): torch (``monitor.classify.torch_engine``) or numpy
(``monitor.classify.numpy_bert``), and imports neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from monitor.classify.labels import LabelMapping
from monitor.classify.prediction import SKIPPED_EMPTY, SKIPPED_NOT_TEXT, Prediction
from monitor.classify.preprocess import preprocess_tweet
from monitor.posts import clean_text

# A word piece never spans more than ~100 characters (BERT's max_input_chars_per_word), so
# cutting a text to this many characters per allowed token cannot change the truncated
# tokens, and keeps tokenizing a 50,000-character post cheap.
CHARS_PER_TOKEN_BOUND = 100
#: The bundled model's languages.
ENGLISH = ("en",)
#: A model's forward pass: a batch of token-id lists (unpadded, any lengths) -> for each,
#: the probabilities of the model's outputs (softmax of its logits), in its id2label order.
Forward = Callable[[list[list[int]]], Sequence[Sequence[float]]]


class SentimentClassifier:
    """Labels texts negative / neutral / positive with scores; see `load_classifier`."""

    def __init__(
        self,
        *,
        model_name: str,
        revision: str | Callable[[], str],
        tokenizer: Any,
        forward: Forward,
        mapping: LabelMapping,
        batch_size: int,
        max_length: int,
        languages: frozenset[str] | None = frozenset(ENGLISH),
        engine: str = "torch",
    ) -> None:
        """``tokenizer``: called as ``tokenizer(texts, truncation=True, max_length=n)`` and
        gives ``{"input_ids": [[int, ...], ...]}`` (a transformers tokenizer does)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_name = model_name
        self._revision = revision
        self.tokenizer = tokenizer
        self.forward = forward
        self.mapping = mapping
        self.batch_size = batch_size
        self.max_length = max_length
        #: What the model can read (ISO 639-1; None: any). The classify pipeline leaves
        #: posts in other languages unlabeled; `classify` itself labels whatever it is given.
        self.languages = languages
        #: What runs the model: "torch" or "light" (numpy).
        self.engine = engine

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
                # a lone surrogate (a broken emoji, a badly encoded argument) would make
                # the tokenizer raise for the whole batch: it reads as U+FFFD instead
                cleaned.append(preprocess_tweet(clean_text(text[:limit])))
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
        """Forward one batch; return folded class scores per row."""
        return [self.mapping.fold(p) for p in self.forward(batch)]
