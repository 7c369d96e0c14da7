"""Self-hosted social-media mention and sentiment monitor for customer-care teams."""

__version__ = "0.1.0"
