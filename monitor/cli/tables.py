"""The one table renderer of the command line: compact, wide, JSON or CSV from a column spec.

A command describes its columns once (:class:`Column`) and hands over its rows; the person
picks the view:

- compact (default): the columns marked ``compact``, one row a line, fitted to the terminal
  (80 columns when piped): fixed columns such as ids are never cut or wrapped, the one
  ``flex`` column (a post's text) is cut with ``…`` to what is left;
- ``--wide``: every column, one row a line, nothing cut (long lines are left long);
- ``--json``: the command's JSON documents (or every column's raw value);
- ``--csv``: every column's raw value, a header line first.

Every cell is data: escaped for the terminal (monitor.escape.terminal), never read as markup.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import typer
from rich.cells import cell_len, set_cell_size
from rich.text import Text

from monitor.cli.common import UsageError, console, print_json
from monitor.escape import csv_cell, terminal

Row = TypeVar("Row")

#: Two spaces between columns; the flex column keeps at least one cell (for "…").
GAP = "  "
MIN_FLEX = 1
ELLIPSIS = "…"

#: An author's name longer than this is cut in the compact view (--wide shows it whole).
AUTHOR_CELLS = 18

WideOpt = Annotated[bool, typer.Option("--wide", help="every column, nothing cut")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="CSV with every column, for scripts")]


class View(Enum):
    """How a table is shown."""

    COMPACT = "compact"
    WIDE = "wide"
    JSON = "json"
    CSV = "csv"


def view(*, wide: bool = False, as_json: bool = False, as_csv: bool = False) -> View:
    """The view asked for by ``--wide``, ``--json`` and ``--csv`` (at most one of them)."""
    chosen = [name for name, on in (("--wide", wide), ("--json", as_json), ("--csv", as_csv)) if on]
    if len(chosen) > 1:
        raise UsageError(f"use only one of {', '.join(chosen)}")
    if as_json:
        return View.JSON
    if as_csv:
        return View.CSV
    return View.WIDE if wide else View.COMPACT


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    """One column: its header (also the CSV/JSON key), how to get its value and show it.

    ``value`` gives the raw value (CSV and the default JSON); ``text`` the display text
    (default: ``str`` of the value, ``-`` for ``None``). ``compact`` puts the column in the
    default view; ``flex`` makes it the one column cut to fit (at most one, shown last is
    best); ``limit`` cuts a compact cell longer than that many cells (an author's name is
    data and may be huge; ids get no limit: they are never cut). ``style`` may colour a cell
    (e.g. red when overdue).
    """

    name: str
    value: Callable[[Row], Any]
    text: Callable[[Row], str] | None = None
    compact: bool = True
    flex: bool = False
    limit: int | None = None
    right: bool = False
    style: Callable[[Row], str] | None = None

    def shown(self, row: Row) -> str:
        """The cell as displayed: one line, controls escaped."""
        if self.text is not None:
            raw = self.text(row)
        else:
            value = self.value(row)
            raw = "-" if value is None else str(value)
        return terminal(str(raw))  # one line: CR, LF and escape sequences shown as \r, \n, \x1b


def render(
    columns: Sequence[Column[Row]],
    rows: Sequence[Row],
    chosen: View,
    *,
    title: str | None = None,
    documents: Sequence[Any] | None = None,
    width: int | None = None,
) -> None:
    """Print ``rows`` in the ``chosen`` view; ``documents`` replace the JSON of the columns."""
    if chosen is View.JSON:
        print_json(list(documents) if documents is not None else _records(columns, rows))
        return
    if chosen is View.CSV:
        _write_csv(columns, rows)
        return
    shown = [c for c in columns if c.compact] if chosen is View.COMPACT else list(columns)
    lines = table_lines(
        shown, rows, width=(width or console.width) if chosen is View.COMPACT else None
    )
    if title is not None:
        console.print(Text(terminal(title), style="bold"), soft_wrap=True)
    for i, line in enumerate(lines):
        console.print(line, soft_wrap=True, style="dim" if i == 0 and rows else None)


def table_lines(
    columns: Sequence[Column[Row]], rows: Sequence[Row], *, width: int | None
) -> list[Text]:
    """The header and one line a row; with ``width``, the flex column is cut to fit it."""
    if not rows:
        return [Text("(none)")]
    cells = [[_cut(c.shown(r), c.limit if width else None) for c in columns] for r in rows]
    sizes = [
        max(cell_len(c.name), *(cell_len(row[i]) for row in cells)) for i, c in enumerate(columns)
    ]
    flex = next((i for i, c in enumerate(columns) if c.flex), None)
    if width is not None and flex is not None:
        fixed = sum(s for i, s in enumerate(sizes) if i != flex) + len(GAP) * (len(columns) - 1)
        sizes[flex] = max(MIN_FLEX, min(sizes[flex], width - fixed))
    lines = [_line(columns, [c.name for c in columns], sizes, flex, None)]
    for row, texts in zip(rows, cells, strict=True):
        lines.append(_line(columns, texts, sizes, flex, row))
    return lines


def _cut(text: str, limit: int | None) -> str:
    if limit is None or cell_len(text) <= limit:
        return text
    return set_cell_size(text, limit - 1) + ELLIPSIS


def _line(
    columns: Sequence[Column[Row]],
    texts: list[str],
    sizes: list[int],
    flex: int | None,
    row: Row | None,
) -> Text:
    line = Text()
    last = len(columns) - 1
    for i, (column, text) in enumerate(zip(columns, texts, strict=True)):
        size = sizes[i]
        if i == flex:
            text = _cut(text, size)
        pad = " " * (size - cell_len(text))
        if i == last and not column.right:
            pad = ""  # no trailing blanks
        cell = pad + text if column.right else text + pad
        style = column.style(row) if row is not None and column.style is not None else ""
        line.append(cell, style=style)
        if i != last:
            line.append(GAP)
    return line


def _records(columns: Sequence[Column[Row]], rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [{c.name: c.value(r) for c in columns} for r in rows]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_cell(value)  # post text is data: one line, never a spreadsheet formula
    return value


def _write_csv(columns: Sequence[Column[Row]], rows: Sequence[Row]) -> None:
    """RFC 4180 CSV on stdout: a header line, then one line a row (see escape.csv_cell)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_csv_value(c.value(row)) for c in columns])
