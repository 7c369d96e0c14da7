"""Hacker News source: stories and comments naming the brand, via the public Algolia search API."""
