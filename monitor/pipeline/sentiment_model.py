"""The configured sentiment classifier: kept apart from the labeling job so that
``sentiment predict`` loads the model without importing the database layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import Settings

if TYPE_CHECKING:
    from monitor.classify import SentimentClassifier
    from monitor.classify.loader import EngineName


def get_classifier(settings: Settings, *, engine: EngineName = "torch") -> SentimentClassifier:
    """The configured classifier, loaded once per process (the loader caches it).

    ``engine``: "light" runs a BERT model with numpy, without importing torch (for a few
    texts: ``sentiment predict``); labeling runs and ``sentiment eval`` keep "torch", the
    engine their throughput is measured on. See `monitor.classify.load_classifier`.
    """
    from monitor.classify import load_classifier

    s = settings.config.sentiment
    return load_classifier(
        s.model,
        batch_size=s.batch_size,
        max_length=s.max_length,
        threads=s.threads,
        quantize=s.quantize,
        languages=s.supported_languages,
        engine=engine,
    )
