"""The page labeler: each collected page labeled and its queue items refreshed right away.

Collect jobs hand over a page's keys the moment it is stored and go on to the next page,
so a model that is slow to load or to run never holds up a collector. One thread labels:
pages that arrive while it works are labeled together next (one model call for many small
pages), and it shares the process's one model and the database's ``classify`` lock with
the classify job, so the two never label the same post at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from monitor.daemon.jobs import JobContext, label_job, run_job

#: How often the idle thread looks at the stop flag (a signal handler cannot notify it).
IDLE_POLL_SECONDS = 0.5
JOB_ID = "label"

Key = tuple[str, str]


class PageLabeler:
    """A background thread that runs :func:`label_job` over the pages collectors stored."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self._pending: dict[Key, None] = {}  # insertion-ordered, each key once
        self._busy = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, keys: Sequence[Key]) -> None:
        """Queue a stored page's posts for labeling (returns at once)."""
        with self._changed:
            self._pending.update(dict.fromkeys(keys))
            self._changed.notify_all()

    def start(self) -> None:
        """Start the labeling thread and route the context's stored pages to it."""
        self._ctx.page_stored = self.submit
        self._thread = threading.Thread(target=self._run, name="monitor-labeler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the batch in hand (the job stops between model batches on shutdown).

        Posts still waiting stay unlabeled in the database: the classify job labels them
        (and refreshes their items) on the next start.
        """
        self._ctx.page_stored = None
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted page is labeled; False when ``timeout`` ran out first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _stopping(self) -> bool:
        return self._ctx.should_stop() or self._ctx.page_stored is None

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending and not self._stopping():
                    self._changed.wait(IDLE_POLL_SECONDS)
                if self._stopping():
                    return
                keys, self._pending = list(self._pending), {}
                self._busy = True
            try:
                run_job(self._ctx, JOB_ID, "label", label_job, keys)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
