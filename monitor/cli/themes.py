"""Theme commands: ``themes`` (what people complain about) and ``themes eval FILE.tsv``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    console,
    context,
    data_text,
    print_json,
    say,
)
from monitor.report.formatting import MISSING, excerpt, format_minutes

if TYPE_CHECKING:
    from monitor.pipeline.themes import ThemeLine, ThemeReport
# the pipeline (storage, pydantic) is imported in the commands that use it: a fast --help

themes_app = typer.Typer(
    help="Complaint themes: what people complain about, and what is new or growing.",
    invoke_without_command=True,
)

#: Characters of each example shown in the table (``--json`` has the whole text).
EXAMPLE_CHARS = 90


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
    as_json: JsonOpt = False,
) -> None:
    """The period's complaints and negative mentions grouped into themes, largest first."""
    if ctx.invoked_subcommand is not None:
        return
    from monitor.pipeline.themes import themes_overview

    app = context(config, db)
    reports = themes_overview(
        app.engine, app.settings, brand=brand, days=days, clock=lambda: app.now()
    )
    if as_json:
        print_json([r.to_dict() for r in reports])
        return
    for report in reports:
        _print_report(report)


def _print_report(report: ThemeReport) -> None:
    span = f"{report.start_day} .. {report.end_day}"
    if not report.total:
        say(f"{report.brand} {span}: no complaints or negative mentions")
        return
    share = f"{100 * (report.other_share or 0):.0f}%"
    table = Table(
        title=data_text(
            f"{report.brand} {span}: {report.total} complaints and negative mentions, "
            f"{len(report.themes)} themes, {report.other} in other ({share}); "
            f"change against the {report.baseline_days} days before"
        ),
        title_justify="left",
        show_lines=True,
    )
    for name, justify in (
        ("id", "right"), ("theme", "left"), ("size", "right"), ("share", "right"),
        ("change", "left"), ("complaints", "right"), ("answered", "right"),
        ("FRT median", "right"), ("examples", "left"),
    ):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for line in report.themes:
        table.add_row(
            str(line.id),
            data_text(line.label, style="bold"),
            str(line.size),
            f"{100 * line.share:.0f}%",
            _change(line),
            str(line.complaints),
            MISSING if line.response_rate is None else f"{100 * line.response_rate:.0f}%",
            MISSING if line.frt_median_min is None else format_minutes(line.frt_median_min),
            # one escaped line per example (data_text would show a joining newline as "\n")
            Text("\n").join(
                data_text(f"- {excerpt(e.text, EXAMPLE_CHARS)}") for e in line.examples
            ),
        )
    console.print(table)


def _examples(line: ThemeLine) -> Text:
    """One escaped line per example (data_text would show a joining newline as "\\n")."""
    return Text("\n").join(data_text(f"- {excerpt(e.text, EXAMPLE_CHARS)}") for e in line.examples)


def _change(line: ThemeLine) -> str:
    return f"{line.change} (was {line.previous})"


@themes_app.command("eval")
def themes_eval(
    file: Annotated[Path, typer.Argument(help="TSV: id<TAB>theme<TAB>text a line, header allowed")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Theme a labeled file without reading its labels; print NMI, ARI, themes, other, speed."""
    from monitor.pipeline.themes import evaluate_themes
    from monitor.themes.evaluate import LabeledThemesError

    app = context(config, db)
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    try:
        report = evaluate_themes(app.settings, file)
    except LabeledThemesError as exc:
        raise UsageError(str(exc)) from None
    doc = report.to_dict()
    if as_json:
        print_json(doc)
        return
    say(
        f"{report.n} texts ({report.gold_themes} labeled themes): NMI {report.nmi:.4f}, "
        f"ARI {report.ari:.4f}, {report.themes} themes found, "
        f"{100 * report.other_share:.1f}% in other, {report.texts_per_second:.0f} texts/s"
    )
