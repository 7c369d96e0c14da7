"""Collectors: one sub-package a source, each yielding pages of plain posts and a cursor."""
