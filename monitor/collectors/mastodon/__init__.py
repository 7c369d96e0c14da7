"""Mastodon source: hashtag timelines, search, the brand account's mentions and replies."""
