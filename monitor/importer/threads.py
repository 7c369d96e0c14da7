"""Which thread a row belongs to, and which rows repeat an id, across one import file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.importer.fields import Row

Key = tuple[str, str]  # (source, id)


@dataclass
class ThreadIndex:
    """First line of each (source, id), and each row's parent and explicit thread."""

    complete: bool = False  # True once the whole file has been noted (a pre-scan)
    first_line: dict[Key, int] = field(default_factory=dict)
    links: dict[Key, tuple[str | None, str | None]] = field(default_factory=dict)

    def note(self, row: Row, line: int) -> int:
        """Remember the row (the first occurrence wins); the line its id first appeared on."""
        key = (row.source, row.id)
        if key not in self.first_line:
            self.first_line[key] = line
            self.links[key] = (row.in_reply_to, row.thread_id)
        return self.first_line[key]

    def thread_of(self, row: Row, rescan: Callable[[], ThreadIndex]) -> str:
        """The row's thread: its own ``thread_id``, else the root reached through in_reply_to.

        ``rescan`` returns the complete index of the file; it is called (once) when a
        parent has not been met yet: it may come further down (newest-first files).
        """
        if row.thread_id:
            return row.thread_id
        if not row.in_reply_to:
            return row.id
        index, node, visited = self, row.in_reply_to, {(row.source, row.id)}
        while True:
            key = (row.source, node)
            if key not in index.links:
                if not index.complete:
                    index = rescan()
                    continue
                return node  # the chain leaves the file: its last id is the oldest known
            parent, explicit = index.links[key]
            if explicit:
                return explicit
            if not parent or key in visited:  # a root, or a loop of replies
                return node
            visited.add(key)
            node = parent
