"""Sentiment classification: load a transformer model once and label texts in batches."""

from monitor.classify.classifier import SentimentClassifier
from monitor.classify.evaluation import (
    EvalReport,
    LabeledFileError,
    LabeledText,
    evaluate,
    read_labeled_tsv,
)
from monitor.classify.labels import SENTIMENTS, LabelSchemeError, label_mapping
from monitor.classify.loader import bundled_model_path, load_classifier
from monitor.classify.prediction import SKIPPED_EMPTY, SKIPPED_NOT_TEXT, Prediction
from monitor.classify.preprocess import preprocess_tweet

__all__ = [
    "SENTIMENTS",
    "SKIPPED_EMPTY",
    "SKIPPED_NOT_TEXT",
    "EvalReport",
    "LabelSchemeError",
    "LabeledFileError",
    "LabeledText",
    "Prediction",
    "SentimentClassifier",
    "bundled_model_path",
    "evaluate",
    "label_mapping",
    "load_classifier",
    "preprocess_tweet",
    "read_labeled_tsv",
]
