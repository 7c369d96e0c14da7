"""SIGTERM/SIGINT handling: the first asks for a clean stop, a second one exits at once."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("monitor.daemon")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def install_stop_handlers(on_stop: Callable[[str], None]) -> Callable[[], None]:
    """Route SIGTERM/SIGINT to ``on_stop(signal name)``; returns a function restoring the old ones.

    A second signal while stopping exits immediately with status 1: every page is committed
    together with its cursor, so even that abandons nothing half-done.
    """
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    received: list[str] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if received:
            os.write(2, f"{name} again: exiting now\n".encode())
            os._exit(1)
        received.append(name)
        on_stop(name)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
