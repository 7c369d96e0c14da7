"""Classifier commands: ``classify`` (label the backlog) and ``sentiment eval|predict``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    console,
    context,
    labeled_file_report,
    print_json,
    say,
)
from monitor.cli.tables import Column, CsvOpt, WideOpt, render, view
from monitor.posts import clean_text

sentiment_app = typer.Typer(help="Try and evaluate the sentiment model.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("classify")(classify)
    app.add_typer(sentiment_app, name="sentiment")


def classify(
    config: ConfigOpt = None,
    db: DbOpt = None,
    relabel: Annotated[
        bool, typer.Option(help="re-label mentions labeled by another model")
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="label at most this many")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Label the backlog of unlabeled mentions."""
    from monitor.pipeline.classify import classify_backlog  # torch: only here
    from monitor.pipeline.sentiment_model import get_classifier

    ctx = context(config, db)
    engine = ctx.engine
    classifier = get_classifier(ctx.settings)
    with Progress(
        TextColumn("[bold]labeling"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal or as_json,
        transient=True,
    ) as progress:
        task = progress.add_task("labeling", total=None)

        def on_batch(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = classify_backlog(
            engine,
            classifier,
            clock=ctx.now,
            relabel=relabel,
            limit=limit,
            on_batch=on_batch,
            settings=ctx.settings,  # the labeled posts' queue items are refreshed as it goes
        )
    doc = {
        "labeled": report.labeled,
        "skipped": report.skipped,
        "remaining": report.remaining,
        "model": report.model_name,
    }
    if as_json:
        print_json(doc)
    else:
        say(
            f"labeled {report.labeled}, skipped {report.skipped} (recorded with a reason), "
            f"{report.remaining} left; model {report.model_name}"
        )


@sentiment_app.command("eval")
def sentiment_eval(
    file: Annotated[Path, typer.Argument(help="TSV: id<TAB>label<TAB>text a line")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score the model on a labeled TSV: macro recall, accuracy, per class, confusion, speed."""
    from monitor.classify import evaluate
    from monitor.pipeline.sentiment_model import get_classifier

    ctx = context(config, db)
    report = labeled_file_report(file, lambda path: evaluate(get_classifier(ctx.settings), path))
    doc = report.to_dict()
    if as_json:
        print_json(doc)
        return
    console.print(
        f"{doc['n']} texts: macro recall {doc['macro_recall']:.4f}, accuracy "
        f"{doc['accuracy']:.4f}, {doc['texts_per_second']:.0f} texts/s"
    )
    table = Table(title="per class")
    for col in ("class", "precision", "recall", "support"):
        table.add_column(col)
    for label, m in doc["per_class"].items():
        table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", str(int(m["support"])))
    console.print(table)
    matrix = Table(title="confusion (rows: true, columns: predicted)")
    labels = list(doc["confusion_matrix"])
    matrix.add_column("")
    for label in labels:
        matrix.add_column(label)
    for true in labels:
        matrix.add_row(true, *(str(doc["confusion_matrix"][true].get(p, 0)) for p in labels))
    console.print(matrix)


@sentiment_app.command("predict")
def sentiment_predict(
    texts: Annotated[list[str], typer.Argument(help="one or more texts")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Label a few texts for a quick look."""
    from monitor.pipeline.sentiment_model import get_classifier  # no torch, no database

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    ctx = context(config, db)
    # numpy runs the bundled BERT with the same scores, seconds sooner than importing torch.
    predictions = get_classifier(ctx.settings, engine="light").classify(texts)
    docs = [
        {
            "text": clean_text(t),  # an argument that was not UTF-8 holds lone surrogates
            "label": p.label,
            "confidence": p.confidence,
            "scores": p.scores,
            "skipped_reason": p.skipped_reason,
        }
        for t, p in zip(texts, predictions, strict=True)
    ]
    render(PREDICT_COLUMNS, docs, chosen, documents=docs)


def _label(d: dict[str, Any]) -> str:
    return str(d["label"] or f"skipped: {d['skipped_reason']}")


PREDICT_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("label", lambda d: d["label"], text=_label),
    Column(
        "confidence",
        lambda d: d["confidence"],
        text=lambda d: "-" if d["confidence"] is None else f"{d['confidence']:.3f}",
        right=True,
    ),
    Column("skipped_reason", lambda d: d["skipped_reason"], compact=False),
    Column("text", lambda d: d["text"], flex=True),
]
