"""App Store source: customer reviews and developer responses (App Store Connect API)."""
