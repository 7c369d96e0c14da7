"""Complaint themes: sentence embeddings, clustering that finds k, labels, stable matching.

Import the submodules (``monitor.themes.encoders`` loads torch; ``report`` stays light, so
the pipeline and the CLI can use its types without loading a model).
"""
