"""Complaint themes: sentence embeddings, clustering that finds k, labels, stable matching."""

from monitor.themes.cluster import OTHER, centroids_of, cluster_vectors
from monitor.themes.discover import ClusterParams, Discovery, discover
from monitor.themes.encoders import default_encoder_path, load_encoder
from monitor.themes.evaluate import EvalReport, LabeledThemesError, evaluate_file
from monitor.themes.labels import theme_labels
from monitor.themes.match import match_themes

__all__ = [
    "OTHER",
    "ClusterParams",
    "Discovery",
    "EvalReport",
    "LabeledThemesError",
    "centroids_of",
    "cluster_vectors",
    "default_encoder_path",
    "discover",
    "evaluate_file",
    "load_encoder",
    "match_themes",
    "theme_labels",
]
