"""Replay source: feeds a posts file (by default the bundled sample) through the pipeline."""
