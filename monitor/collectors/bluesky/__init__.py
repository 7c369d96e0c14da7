"""Bluesky: brand search, the brand account's notifications and its own replies via atproto."""
