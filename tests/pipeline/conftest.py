"""Delivery fixtures shared with the report tests: a real SMTP server and a webhook server."""

from tests.report.conftest import smtp_server, webhook

__all__ = ["smtp_server", "webhook"]
