"""YouTube source: comment threads on the brand's channel and listed videos (Data API v3)."""
