"""``monitor themes`` and ``monitor themes eval`` through the real console script."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_boundary import Cli, cli, expect
from tests.conftest import REPO_ROOT

__all__ = ["cli"]

#: 32 BANKING77 train queries in 4 themes (CC BY 4.0, PolyAI), the labels never shown.
SMALL = REPO_ROOT / "tests" / "fixtures" / "themes" / "banking77_small.tsv"


def test_eval_json_has_the_figures(cli: Cli) -> None:
    result = cli("themes", "eval", str(SMALL), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"nmi", "ari", "themes", "other_share", "texts_per_second"} <= set(doc)
    assert doc["n"] == 32 and doc["gold_themes"] == 4
    # four clearly different intents: found without being told how many
    assert doc["nmi"] > 0.6 and 2 <= doc["themes"] <= 8
    assert 0 <= doc["other_share"] < 0.5 and doc["texts_per_second"] > 0


def test_eval_text_output(cli: Cli) -> None:
    result = cli("themes", "eval", str(SMALL))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("32 texts (4 labeled themes): NMI ")
    assert "themes found" in result.stdout and "texts/s" in result.stdout


def test_eval_bad_file_is_a_usage_error_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\ttheme\ttext\na\trefund\tmoney\nb\tno text here\n", encoding="utf-8")
    expect(
        cli("themes", "eval", str(bad)),
        2,
        f"{bad}:3: expected 3 tab-separated fields id<TAB>theme<TAB>text",
    )
    expect(cli("themes", "eval", str(tmp_path / "none.tsv")), 2, "none.tsv: no such file")


def test_themes_on_an_empty_database(cli: Cli) -> None:
    assert cli("init").returncode == 0  # only init, collect, import and run create one
    result = cli("themes", "--json", "--days", "3")
    assert result.returncode == 0, result.stderr
    [doc] = json.loads(result.stdout)
    assert doc["brand"] == "Acme" and doc["total"] == 0 and doc["themes"] == []
    result = cli("themes")
    assert result.returncode == 0 and "no complaints or negative mentions" in result.stdout
    expect(cli("themes", "--days", "0"), 2, "--days")
    expect(cli("themes", "--brand", "Nope"), 2, "Nope")
