"""Theme commands: ``themes`` (what people complain about) and ``themes eval FILE.tsv``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    context,
    labeled_file_report,
    print_json,
    say,
)
from monitor.cli.tables import Column, CsvOpt, View, WideOpt, render, view
from monitor.report.formatting import MISSING, format_minutes

if TYPE_CHECKING:
    from monitor.pipeline.themes import ThemeLine, ThemeReport
# the pipeline (storage, pydantic) is imported in the commands that use it: a fast --help

themes_app = typer.Typer(
    help="Complaint themes: what people complain about, and what is new or growing.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.add_typer(themes_app, name="themes")


@themes_app.callback()
def themes(
    ctx: typer.Context,
    config: ConfigOpt = None,
    db: DbOpt = None,
    brand: Annotated[str | None, typer.Option("--brand", "-b", help="only this brand")] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, max=90, help="the last N days, against the N before")
    ] = 7,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The period's complaints and negative mentions grouped into themes, largest first.

    Compact: one theme a line with its first example; ``--wide`` every column and all three
    examples; ``--csv`` one line per theme of every brand."""
    if ctx.invoked_subcommand is not None:
        return
    from monitor.pipeline.themes import themes_overview

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    app = context(config, db)
    reports = themes_overview(
        app.engine, app.settings, brand=brand, days=days, clock=lambda: app.now()
    )
    if chosen is View.JSON:
        print_json([r.to_dict() for r in reports])
    elif chosen is View.CSV:
        render(THEME_COLUMNS, [(r, line) for r in reports for line in r.themes], chosen)
    else:
        for report in reports:
            _show(report, chosen)


def _show(report: ThemeReport, chosen: View) -> None:
    span = f"{report.start_day} .. {report.end_day}"
    if not report.total:
        say(f"{report.brand} {span}: no complaints or negative mentions")
        return
    share = f"{100 * (report.other_share or 0):.0f}%"
    title = (
        f"{report.brand} {span}: {report.total} complaints and negative mentions, "
        f"{len(report.themes)} themes, {report.other} in other ({share}); "
        f"change against the {report.baseline_days} days before"
    )
    render(THEME_COLUMNS, [(report, line) for line in report.themes], chosen, title=title)


ThemeRow = tuple["ThemeReport", "ThemeLine"]


def _example(index: int) -> Column[ThemeRow]:
    """The theme's ``index``-th example post (raw text: the renderer escapes it)."""

    def value(row: ThemeRow) -> str | None:
        examples = row[1].examples
        return examples[index].text if index < len(examples) else None

    return Column(f"example_{index + 1}", value, compact=False)


def _percent(value: float | None) -> str:
    return MISSING if value is None else f"{100 * value:.0f}%"


def _minutes(value: float | None) -> str:
    return MISSING if value is None else format_minutes(value)


#: ``monitor themes``: compact (the figures, then the label cut to the terminal) or every
#: column with the three example posts (``--wide``, ``--csv``).
THEME_COLUMNS: list[Column[ThemeRow]] = [
    Column("brand", lambda r: r[0].brand, compact=False),
    Column("start_day", lambda r: r[0].start_day, compact=False),
    Column("end_day", lambda r: r[0].end_day, compact=False),
    Column("id", lambda r: r[1].id, right=True),
    Column("size", lambda r: r[1].size, right=True),
    Column("share", lambda r: round(r[1].share, 4), text=lambda r: _percent(r[1].share),
           right=True),
    Column("change", lambda r: r[1].change),
    Column("previous", lambda r: r[1].previous, right=True),
    Column("complaints", lambda r: r[1].complaints, compact=False, right=True),
    Column("answered", lambda r: r[1].response_rate, text=lambda r: _percent(r[1].response_rate),
           right=True),
    Column("frt_median_min", lambda r: r[1].frt_median_min,
           text=lambda r: _minutes(r[1].frt_median_min), compact=False, right=True),
    Column("theme", lambda r: r[1].label, flex=True),
    *(_example(i) for i in range(3)),
]  # fmt: skip


@themes_app.command("eval")
def themes_eval(
    file: Annotated[Path, typer.Argument(help="TSV: id<TAB>theme<TAB>text a line, header allowed")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Theme a labeled file without reading its labels; print NMI, ARI, themes, other, speed."""
    from monitor.pipeline.themes import evaluate_themes

    app = context(config, db)
    report = labeled_file_report(file, lambda path: evaluate_themes(app.settings, path))
    doc = report.to_dict()
    if as_json:
        print_json(doc)
        return
    say(
        f"{report.n} texts ({report.gold_themes} labeled themes): NMI {report.nmi:.4f}, "
        f"ARI {report.ari:.4f}, {report.themes} themes found, "
        f"{100 * report.other_share:.1f}% in other, {report.texts_per_second:.0f} texts/s"
    )
