"""Google Play source: app reviews and the developer's replies (Android Publisher API)."""
