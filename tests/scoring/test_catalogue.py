"""One KPI catalogue: the row type, the docs and every display follow it."""

from __future__ import annotations

import re

from monitor.scoring import CATALOGUE, COUNT_KEYS, KPI_BY_KEY, KPI_KEYS
from tests.conftest import REPO_ROOT


def test_docs_define_every_kpi_in_catalogue_order() -> None:
    docs = (REPO_ROOT / "docs" / "kpis.md").read_text("utf-8")
    found = [k for k in re.findall(r"`([a-z_0-9]+)`", docs) if k in KPI_BY_KEY]
    first_seen = list(dict.fromkeys(found))
    assert first_seen == list(KPI_KEYS)


def test_every_kpi_has_a_label_and_counts_are_whole() -> None:
    assert len({d.label for d in CATALOGUE}) == len(CATALOGUE)
    assert all(KPI_BY_KEY[k].unit == "count" for k in COUNT_KEYS)
    assert "effort_proxy" not in COUNT_KEYS  # a mean of posts, not a whole count
