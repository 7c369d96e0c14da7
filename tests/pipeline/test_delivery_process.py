"""The outbox against real processes: ``kill -9`` mid-send, then re-runs, status and resend.

The sender is the real console entry point (or the real alert check) in a subprocess; SMTP
is aiosmtpd, Slack a loopback fake that hangs on request, the database each backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.pipeline.alerts import alert_deliveries, check_and_send_alerts
from monitor.pipeline.delivery import SENT, UNCONFIRMED
from monitor.pipeline.score import score_days
from monitor.report import Retry
from monitor.storage.db import make_engine, session_scope
from monitor.storage.migrate import upgrade
from monitor.storage.models import Delivery, DigestRun
from tests.conftest import REPO_ROOT
from tests.pipeline.scenario_db import (
    APPSTORE_BRAND,
    REDDIT_BRAND,
    X_BRAND,
    scenario_settings,
    seed,
)
from tests.pipeline.slack_fake import SlackFake, running_slack
from tests.scoring.scenario import NOW, build

MAIN = "from monitor.cli import main; main()"
DAY = "2026-10-07"
AFTER_SLA = NOW + timedelta(minutes=31)  # x:801 passes its SLA: one overdue alert
ALERT_CHILD = """
import sys
from datetime import datetime
from monitor.pipeline.alerts import check_and_send_alerts
from monitor.report import Retry
from monitor.storage.db import make_engine
from tests.pipeline.test_delivery_process import child_settings
url, host, port, hook, at = sys.argv[1:]
engine = make_engine(url)
settings = child_settings(host, int(port), hook)
check_and_send_alerts(engine, settings, clock=lambda: datetime.fromisoformat(at),
                      retry=Retry(attempts=1))
"""


def env() -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if k != "MONITOR_LOG_LEVEL"}
    full["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full.get("PYTHONPATH", "")) if p
    )
    return full


def monitor(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point, run to completion."""
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        cwd=cwd, env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def start(cwd: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *argv], cwd=cwd, env=env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def kill_hard(proc: subprocess.Popen[str]) -> None:
    """SIGKILL, then reap (a zombie would still look alive)."""
    proc.kill()
    proc.communicate(timeout=30)


def channel_config(smtp: Any, hook: str = "${SLACK_WEBHOOK_URL}") -> dict[str, Any]:
    return {
        "email": {"enabled": True, "host": smtp.host, "port": smtp.port, "security": "none",
                  "sender": "monitor@example.com", "timeout_seconds": 10},
        # Longer than the test waits: the post hangs until the process is killed.
        "slack": {"enabled": True, "webhook_url": hook, "timeout_seconds": 30},
    }  # fmt: skip


def write_config(tmp_path: Path, url: str, smtp: Any, channels: list[str]) -> Path:
    config = {
        "database_url": url,
        "brands": [{"name": "Acme", "timezone": "America/New_York"}],
        "digest": {"channels": channels, "recipients": ["care@example.com"],
                   "out_dir": str(tmp_path / "digests")},
        "alerts": {"channels": channels},
        **channel_config(smtp),
    }  # fmt: skip
    path = tmp_path / "config.yaml"
    # json round trip: no shared objects, so no YAML anchors (the config loader refuses them)
    path.write_text(yaml.safe_dump(json.loads(json.dumps(config))))
    return path


def child_settings(host: str, port: int, hook: str) -> Any:
    """Alert settings for the child process (called there)."""

    class Smtp:
        pass

    smtp = Smtp()
    smtp.host, smtp.port = host, port  # type: ignore[attr-defined]
    return scenario_settings(
        alerts={"channels": ["email", "slack"]},
        digest={"recipients": ["care@example.com"]},
        **channel_config(smtp, hook),
    )


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackFake]:
    with running_slack() as fake:
        # Config files name the secret webhook by reference; children inherit the variable.
        monkeypatch.setenv("SLACK_WEBHOOK_URL", fake.url)
        yield fake


def delivery_states(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return {r.channel: r.state for r in s.execute(select(Delivery)).scalars()}


def test_digest_killed_mid_send_is_unconfirmed_and_only_resent_on_request(
    db_url: str, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    config = write_config(tmp_path, db_url, smtp_server, ["email", "slack"])
    engine = make_engine(db_url)
    upgrade(engine)  # a read or send never creates the database (issue 10 item 1)
    engine.dispose()
    slack.mode = "hang"
    proc = start(tmp_path, "-c", MAIN, "digest", "--send", "--date", DAY, "--config", str(config))
    try:
        slack.wait_for_calls(1, proc)  # e-mail went first; the Slack post now hangs
    finally:
        kill_hard(proc)
    assert len(smtp_server.sink.messages) == 1

    status = monitor(tmp_path, "digest", "--status", "--date", DAY, "--json", "-c", str(config))
    assert status.returncode == 0, status.stderr
    (doc,) = json.loads(status.stdout)
    assert {c["channel"]: c["state"] for c in doc["channels"]} == {
        "email": SENT, "slack": UNCONFIRMED,
    }  # fmt: skip

    slack.mode = "ok"
    again = monitor(tmp_path, "digest", "--send", "--date", DAY, "-c", str(config))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "slack: unconfirmed" in again.stdout and "--resend --channel slack" in again.stdout
    assert slack.calls == 1 and len(smtp_server.sink.messages) == 1  # nothing sent by itself

    resend = monitor(
        tmp_path, "digest", "--resend", "--channel", "slack", "--date", DAY, "-c", str(config)
    )
    assert resend.returncode == 0, resend.stdout + resend.stderr
    assert slack.calls == 2 and len(smtp_server.sink.messages) == 1
    final = monitor(tmp_path, "digest", "--send", "--date", DAY, "-c", str(config))
    assert final.returncode == 0 and "already sent earlier" in final.stdout
    assert slack.calls == 2 and len(smtp_server.sink.messages) == 1
    engine = make_engine(db_url)
    try:
        assert delivery_states(engine) == {"email": SENT, "slack": SENT}
    finally:
        engine.dispose()


def test_two_processes_send_once(
    db_url: str, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    config = write_config(tmp_path, db_url, smtp_server, ["email", "slack"])
    engine = make_engine(db_url)
    upgrade(engine)  # both children start on a ready schema (no migration race)
    engine.dispose()
    args = ("-c", MAIN, "digest", "--send", "--date", DAY, "--config", str(config))
    procs = [start(tmp_path, *args) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert len(smtp_server.sink.messages) == 1 and slack.calls == 1


def test_cli_exit_codes(db_url: str, tmp_path: Path, smtp_server: Any, slack: SlackFake) -> None:
    none = write_config(tmp_path, db_url, smtp_server, [])
    result = monitor(tmp_path, "digest", "--send", "--date", DAY, "-c", str(none))
    assert result.returncode == 2 and "no digest channel configured" in result.stderr
    assert "Traceback" not in result.stderr
    engine = make_engine(db_url)
    upgrade(engine)
    try:
        with session_scope(engine) as s:  # nothing marked, nothing written
            assert list(s.execute(select(Delivery)).scalars()) == []
            assert list(s.execute(select(DigestRun)).scalars()) == []
    finally:
        engine.dispose()

    both = write_config(tmp_path, db_url, smtp_server, ["email", "slack"])
    usage = monitor(tmp_path, "digest", "--channel", "slack", "-c", str(both))
    assert usage.returncode == 2 and "--channel goes with --resend" in usage.stderr
    missing = monitor(tmp_path, "alerts", "--resend", "999", "-c", str(both))
    assert missing.returncode == 2 and "no alert with id 999" in missing.stderr

    slack.mode = "reject"  # a 400: delivery failed for good this run
    failed = monitor(tmp_path, "digest", "--send", "--date", DAY, "-c", str(both))
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "delivery failed: slack" in failed.stdout and "SECRETTOKEN" not in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr


@pytest.fixture
def scored(engine: Engine) -> Engine:
    sc = build()
    seed(engine, sc)
    days = sorted({m.created_at.date() for m in sc.mentions})
    score_days(engine, scenario_settings(), clock=lambda: NOW, days=days)
    return engine


def test_alert_killed_mid_send_is_unconfirmed_per_channel(
    scored: Engine, db_url: str, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    slack.mode = "hang"
    child = start(
        tmp_path, "-c", ALERT_CHILD, db_url, smtp_server.host, str(smtp_server.port),
        slack.url, AFTER_SLA.isoformat(),
    )  # fmt: skip
    try:
        slack.wait_for_calls(1, child)
    finally:
        kill_hard(child)
    assert len(smtp_server.sink.messages) == 1
    settings = child_settings(smtp_server.host, smtp_server.port, slack.url)
    later = AFTER_SLA + timedelta(minutes=30)  # past the old 10-minute "stale" re-send
    (item,) = alert_deliveries(scored, settings, since=NOW, now=later)
    assert {c.channel: c.state for c in item.channels} == {"email": SENT, "slack": UNCONFIRMED}

    slack.mode = "ok"
    for minutes in (30, 60, 600):
        fired = check_and_send_alerts(
            scored, settings, clock=lambda m=minutes: AFTER_SLA + timedelta(minutes=m),
            retry=Retry(attempts=1),
        )  # fmt: skip
        assert fired == []
    assert slack.calls == 1 and len(smtp_server.sink.messages) == 1

    config = write_config(tmp_path, db_url, smtp_server, ["email", "slack"])
    listed = monitor(tmp_path, "alerts", "--since", "2026-10-01", "-c", str(config))
    assert listed.returncode == 0, listed.stderr
    assert "slack: unconfirmed" in listed.stdout
    assert f"monitor alerts --resend {item.alert.id} --channel slack" in listed.stdout
    resend = monitor(
        tmp_path, "alerts", "--resend", str(item.alert.id), "--channel", "slack", "-c", str(config)
    )
    assert resend.returncode == 0, resend.stdout + resend.stderr
    assert slack.calls == 2 and len(smtp_server.sink.messages) == 1
    shown = monitor(tmp_path, "alerts", "--since", "2026-10-01", "--json", "-c", str(config))
    (doc,) = json.loads(shown.stdout)
    assert {c["channel"]: c["state"] for c in doc["channels"]} == {"email": SENT, "slack": SENT}


def test_alerts_without_channel_are_listed_as_log_only(
    scored: Engine, db_url: str, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    fired = check_and_send_alerts(scored, scenario_settings(), clock=lambda: AFTER_SLA)
    assert len(fired) == 1
    config = write_config(tmp_path, db_url, smtp_server, [])
    listed = monitor(tmp_path, "alerts", "--since", "2026-10-01", "--json", "-c", str(config))
    assert listed.returncode == 0, listed.stderr
    (doc,) = json.loads(listed.stdout)
    assert doc["log_only"] is True and doc["channels"] is None
    assert slack.calls == 0 and smtp_server.sink.messages == []


def test_alerts_fired_without_a_channel_say_they_went_to_the_log_only(
    scored: Engine, db_url: str, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    config = write_config(tmp_path, db_url, smtp_server, [])
    raw = yaml.safe_load(config.read_text())
    # the scenario's accounts, so the overdue complaint is one for the real script too
    raw["brands"][0]["sources"] = {"x": X_BRAND, "reddit": REDDIT_BRAND, "appstore": APPSTORE_BRAND}
    raw["sources"] = {name: {"enabled": False} for name in ("x", "reddit", "appstore")}
    config.write_text(yaml.safe_dump(json.loads(json.dumps(raw))))
    at_sla = (
        "from datetime import datetime\n"
        "import monitor.cli.common as common\n"
        f"at = datetime.fromisoformat({AFTER_SLA.isoformat()!r})\n"
        "common.AppContext.now = staticmethod(lambda: at)\n" + MAIN
    )
    checked = subprocess.run(
        [sys.executable, "-c", at_sla, "alerts", "--check", "--since", "2026-10-01", "-c",
         str(config)],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (
        "alerts: 1 fired (no alert channel configured: written to the log only)" in checked.stdout
    )
    assert "log only (no alert channel configured)" in checked.stdout
    assert slack.calls == 0 and smtp_server.sink.messages == []
