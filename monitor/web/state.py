"""What every request handler may use: settings, database, clock, limiter, templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import Signer
from jinja2 import Environment
from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.pipeline.users import SignInLimiter


@dataclass
class WebState:
    """The app's shared parts (``request.app.state.web``)."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime]
    limiter: SignInLimiter
    signer: Signer
    templates: Environment
    #: ``web.base_path``: every URL the app writes starts with it ("" or "/monitor").
    base: str
    lifetime: timedelta

    def url(self, path: str) -> str:
        """An app path (``/items/x:1``) as the browser must ask for it."""
        return f"{self.base}{path}"
