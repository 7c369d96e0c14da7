"""X / Twitter source: API v2 read through tweepy's Client."""
