"""Hostile post texts and author names, shared by every test that checks escaping."""
