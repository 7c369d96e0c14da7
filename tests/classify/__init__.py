"""Tests of the sentiment classifier (monitor.classify)."""
