"""Load and validate config.yaml: one message per problem, secrets only from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.collectors.base import SourceSettings, Target
from monitor.collectors.registry import RegistryError, settings_models
from monitor.errors import ConfigError, UsageError  # ConfigError re-exported: load_config
from monitor.language import LANGUAGES
from monitor.scoring.kpis import KPI_KEYS, RATE_KEYS  # targets may name only these

BUNDLED_MODEL = Path(__file__).resolve().parent.parent / "models" / "tweet-sentiment-minilm"
DEFAULT_CONFIG_PATH = Path("config.yaml")

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: Keys whose values are credentials: they must be ``${ENV_VAR}`` references, never literals.
_SECRET_KEYS = re.compile(
    r"(password|secret|token|webhook_url|api_key|private_key|service_account_json)$"
)


#: Every number in the config has a ceiling: a value like 1e308 validates as "positive" but
#: overflows the first time it is turned into a timedelta or a timer, hours later.
HOUR_MINUTES = 60
DAY_HOURS = 24
WEEK_MINUTES = 7 * DAY_HOURS * HOUR_MINUTES
MAX_TIMEOUT_SECONDS = 600


class _Strict(BaseModel):
    # inf and nan pass gt=0 checks and then break timers and comparisons.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class TargetSpec(_Strict):
    """A SMART target for one KPI: a bound and the period it is judged over."""

    min: float | None = None
    max: float | None = None
    period: Literal["day", "week"] = "day"

    @model_validator(mode="after")
    def _one_bound(self) -> TargetSpec:
        if (self.min is None) == (self.max is None):
            raise ValueError("give exactly one of min or max")
        return self


class CompetitorConfig(_Strict):
    """A competitor tracked for share of voice; same source shape as a brand."""

    name: str = Field(min_length=1)
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)


class BrandConfig(_Strict):
    """A brand the team answers for: its accounts, queries, competitors and targets."""

    name: str = Field(min_length=1)
    timezone: str = "UTC"
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    competitors: list[CompetitorConfig] = Field(default_factory=list)
    targets: dict[str, TargetSpec] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("targets")
    @classmethod
    def _known_kpis(cls, value: dict[str, TargetSpec]) -> dict[str, TargetSpec]:
        unknown = sorted(set(value) - set(KPI_KEYS))
        if unknown:
            raise ValueError(f"unknown KPI {', '.join(unknown)} (known: {', '.join(KPI_KEYS)})")
        for key, spec in value.items():
            bound = spec.min if spec.min is not None else spec.max
            if key in RATE_KEYS and bound is not None and not 0 <= bound <= 1:
                # a rate is 0-1: {min: 90} could never be met
                which = "min" if spec.min is not None else "max"
                hint = f": did you mean {bound / 100:g}?" if 1 < bound <= 100 else ""
                raise ValueError(f"{key}.{which} {bound:g} is not a rate from 0 to 1{hint}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The brand's time zone object."""
        return ZoneInfo(self.timezone)


class SentimentConfig(_Strict):
    """The classifier: a local model folder or a hub model name, and how to run it."""

    model: str = str(BUNDLED_MODEL)
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_length: int = Field(default=128, ge=8, le=4096)
    threads: int | None = Field(default=None, ge=1, le=1024)
    quantize: bool = False
    #: The languages the model was trained on (ISO 639-1): a post in another language gets
    #: no label (reason "unsupported language: de") rather than a confident wrong one.
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1, max_length=64)
    #: A model that reads any language: every post is labeled, whatever its language.
    multilingual: bool = False

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in LANGUAGES]
        if unknown:
            raise ValueError(
                f"unknown language {', '.join(map(repr, unknown))} "
                f"(ISO 639-1 codes the detector knows: {', '.join(LANGUAGES)})"
            )
        return value

    @model_validator(mode="after")
    def _languages_or_multilingual(self) -> SentimentConfig:
        if self.multilingual and "languages" in self.model_fields_set:
            raise ValueError("give either multilingual: true or languages, not both")
        return self

    @property
    def supported_languages(self) -> tuple[str, ...] | None:
        """The languages the model may label; None: any (a multilingual model)."""
        return None if self.multilingual else tuple(self.languages)


class ComplaintsConfig(_Strict):
    """How complaints are detected."""

    require_directed: bool = True


class NpsConfig(_Strict):
    """Promoter threshold of the NPS proxy."""

    promoter_confidence: float = Field(default=0.9, ge=0, le=1)


class AlertsConfig(_Strict):
    """Spike and overdue alerts: thresholds and where they go."""

    spike_sigma: float = Field(default=3.0, gt=0, le=100)
    spike_min_count: int = Field(default=5, ge=1, le=1_000_000)
    cooldown_hours: float = Field(default=6, ge=0, le=30 * DAY_HOURS)
    channels: list[Literal["email", "slack"]] = Field(default_factory=list)


class DigestConfig(_Strict):
    """The daily digest: when (brand-local time), to whom, and where copies are kept."""

    time: str = "08:00"
    recipients: list[str] = Field(default_factory=list)
    channels: list[Literal["email", "slack"]] = Field(default_factory=list)
    out_dir: str = "digests"
    history_days: int = Field(default=14, ge=2, le=90)

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"expected HH:MM (24 h), got {value!r}")
        return value


class ThemesConfig(_Strict):
    """Complaint themes: the sentence encoder, the clustering and the "new theme" alert."""

    #: Off: no digest section and no "new theme" alert (``monitor themes`` still works).
    enabled: bool = True
    #: A local model folder or hub name; empty: the pinned all-MiniLM-L6-v2 package.
    model: str = ""
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_length: int = Field(default=128, ge=8, le=512)
    threads: int | None = Field(default=2, ge=1, le=1024)
    #: int8 feed-forward layers: about twice as fast on CPU (docs/themes.md: the NMI cost).
    quantize: bool = True
    #: Cosine distance under which texts join one theme (average linkage; tuned on banking77).
    distance_threshold: float = Field(default=0.45, gt=0, lt=2)
    #: A cluster smaller than this goes to "other".
    min_size: int = Field(default=5, ge=2, le=1000)
    #: Cosine distance from every theme centroid beyond which a text is "other" (tuned on
    #: banking77 train, docs/themes.md).
    outlier_distance: float = Field(default=0.55, gt=0, le=2)
    #: Centroid cosine similarity at which a cluster continues an earlier theme.
    match_similarity: float = Field(default=0.8, gt=0, le=1)
    #: The "new theme" alert: a theme with at least this many complaints today that had none
    #: in the previous 7 days.
    new_theme_min_complaints: int = Field(default=5, ge=1, le=1_000_000)
    #: Today's themes are recomputed for that alert at most this often: each run embeds and
    #: clusters the day's and the 7 days before's negative posts (minutes at 1 M mentions),
    #: while the spike and overdue alerts are checked every few minutes.
    alert_every_minutes: int = Field(default=60, ge=1, le=1440)


class EmailConfig(_Strict):
    """SMTP delivery; the password comes from the environment."""

    enabled: bool = False
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "monitor@localhost"
    timeout_seconds: float = Field(default=30, gt=0, le=MAX_TIMEOUT_SECONDS)


class SlackConfig(_Strict):
    """Slack incoming webhook; the URL is a secret and comes from the environment."""

    enabled: bool = False
    webhook_url: SecretStr | None = None
    timeout_seconds: float = Field(default=15, gt=0, le=MAX_TIMEOUT_SECONDS)


class DaemonConfig(_Strict):
    """``monitor run``: job intervals and the health/metrics endpoint."""

    classify_minutes: float = Field(default=2, gt=0, le=WEEK_MINUTES)
    score_minutes: float = Field(default=15, gt=0, le=WEEK_MINUTES)
    alert_minutes: float = Field(default=5, gt=0, le=WEEK_MINUTES)
    rescore_days: int = Field(default=3, ge=1, le=60)
    misfire_grace_seconds: int = Field(default=300, ge=1, le=DAY_HOURS * 3600)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=9464, ge=0, le=65535)


class WebConfig(_Strict):
    """``monitor web`` (and ``monitor run`` when enabled): the team's browser inbox."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    #: The path prefix when a reverse proxy serves the inbox under one (``/monitor``).
    base_path: str = ""
    session_hours: float = Field(default=12, gt=0, le=90 * DAY_HOURS)
    #: Signs session cookies; unset: one generated and kept in the database.
    secret: SecretStr | None = None
    #: Trust X-Forwarded-Proto/For from these proxy addresses (Secure cookies, client address).
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1"])

    @field_validator("base_path")
    @classmethod
    def _clean_base_path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (not value.startswith("/") or any(c in value for c in "?#\\ ")):
            raise ValueError("use a path such as /monitor (leading slash, no query)")
        return value


class MonitorConfig(_Strict):
    """The whole of config.yaml after validation."""

    database_url: str = "sqlite:///monitor.db"
    brands: list[BrandConfig] = Field(min_length=1)
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    sla_minutes: float = Field(default=60, gt=0, le=WEEK_MINUTES)
    abandon_after_hours: float = Field(default=24, gt=0, le=90 * DAY_HOURS)
    resolve_after_silence_hours: float = Field(default=48, gt=0, le=90 * DAY_HOURS)
    complaints: ComplaintsConfig = Field(default_factory=ComplaintsConfig)
    nps: NpsConfig = Field(default_factory=NpsConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    themes: ThemesConfig = Field(default_factory=ThemesConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    web: WebConfig = Field(default_factory=WebConfig)


@dataclass(frozen=True)
class Settings:
    """A validated config: the model plus each source's typed settings and targets."""

    config: MonitorConfig
    path: Path
    source_settings: dict[str, SourceSettings]
    targets: dict[str, list[Target]]  # source name -> brand and competitor targets
    #: Unset ``${VAR}`` problems by section (``sources.x``, ``email``, ``slack``), reported
    #: by :meth:`require_env` when that section is used.
    unset_env: dict[str, list[str]] = field(default_factory=dict)

    @property
    def enabled_sources(self) -> list[str]:
        """Names of the sources switched on, in config order."""
        return [n for n, s in self.source_settings.items() if s.enabled]

    def require_env(self, *sections: str) -> None:
        """Raise :class:`ConfigError` when a section about to be used has an unset variable.

        ``sections``: source names (``x``) or ``email`` / ``slack``.
        """
        keys = [name if name in ("email", "slack") else f"sources.{name}" for name in sections]
        problems = [p for key in keys for p in self.unset_env.get(key, [])]
        if problems:
            raise ConfigError(self.path, problems)

    def brand(self, name: str) -> BrandConfig:
        """The brand called ``name`` (case-insensitive), or a usage error naming the brands."""
        for brand in self.config.brands:
            if brand.name.lower() == name.lower():
                return brand
        known = ", ".join(b.name for b in self.config.brands)
        raise UsageError(f"no brand named {name!r} (configured: {known})")

    def view(self, name: str) -> BrandConfig:
        """A brand, or a competitor seen as one: its owner's time zone, no targets, no rivals.

        What ``kpis``, ``mentions`` and ``digest`` report on; a wrong name is a usage error.
        """
        for brand in self.config.brands:
            if brand.name.lower() == name.lower():
                return brand
            for rival in brand.competitors:
                if rival.name.lower() == name.lower():
                    return BrandConfig(
                        name=rival.name, timezone=brand.timezone, sources=rival.sources
                    )
        known = ", ".join(
            [b.name for b in self.config.brands]
            + [f"{c.name} (competitor)" for b in self.config.brands for c in b.competitors]
        )
        raise UsageError(f"no brand or competitor named {name!r} (configured: {known})")


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _errors(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = _format_loc(prefix + tuple(err["loc"])) or "(top level)"
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "field required"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key"
        problems.append(f"{loc}: {msg}")
    return problems


M = TypeVar("M", bound=BaseModel)


def _validate(
    model: type[M], data: Any, prefix: tuple[int | str, ...], problems: list[str]
) -> M | None:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems.extend(_errors(exc, prefix))
        return None


#: Sections whose unset variables are reported only when the section is used: a source's
#: credentials when it collects, a channel's when it delivers (``kpis`` needs neither).
_DEFERRED_SECTIONS = ("sources", "email", "slack")


def _section(path: tuple[int | str, ...]) -> str | None:
    """``sources.x``, ``email`` or ``slack`` for a path inside one of them, else None."""
    if not path or path[0] not in _DEFERRED_SECTIONS:
        return None
    if path[0] == "sources":
        return f"sources.{path[1]}" if len(path) > 1 else None
    return str(path[0])


def expand_env(
    node: Any,
    env: Mapping[str, str],
    path: tuple[int | str, ...],
    problems: list[str],
    deferred: dict[str, list[str]] | None = None,
) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` references; a literal secret is a problem.

    With ``deferred``, an unset variable inside a source, ``email`` or ``slack`` goes there
    (by section) instead of ``problems``: it matters only when that section is used.
    """
    if isinstance(node, dict):
        if node.get("enabled") is False:
            return node  # a switched-off section may reference variables that are unset
        return {k: expand_env(v, env, (*path, k), problems, deferred) for k, v in node.items()}
    if isinstance(node, list):
        return [expand_env(v, env, (*path, i), problems, deferred) for i, v in enumerate(node)]
    if not isinstance(node, str):
        return node
    key = path[-1] if path else ""
    if isinstance(key, str) and _SECRET_KEYS.search(key) and node and not _ENV_REF.search(node):
        problems.append(
            f"{_format_loc(path)}: write credentials as an ${{ENV_VAR}} reference, not a literal"
        )
        return node

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        problem = f"{_format_loc(path)}: environment variable {name} is not set"
        section = _section(path)
        if deferred is not None and section is not None:
            deferred.setdefault(section, []).append(problem)
        else:
            problems.append(problem)
        return ""

    return _ENV_REF.sub(substitute, node)


def parse_config(
    raw: Any, *, path: Path | str = "config.yaml", env: Mapping[str, str] | None = None
) -> Settings:
    """Validate a parsed YAML document; raise :class:`ConfigError` listing every problem."""
    path = Path(path)
    problems: list[str] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(path, ["(top level): expected a mapping of keys"])
    unset: dict[str, list[str]] = {}
    raw = expand_env(raw, os.environ if env is None else env, (), problems, unset)
    config = _validate(MonitorConfig, raw, (), problems)
    raw_sources = raw.get("sources") if isinstance(raw.get("sources"), dict) else {}
    source_settings = _validate_sources(raw_sources, problems)
    if config is None:
        raise ConfigError(path, problems)

    targets: dict[str, list[Target]] = {name: [] for name in source_settings}
    seen_brands: set[str] = set()
    for bi, brand in enumerate(config.brands):
        for who, owner, prefix, sources in _brand_and_competitors(brand, bi):
            if who.lower() in seen_brands:
                problems.append(f"{_format_loc(prefix)}.name: {who!r} is configured twice")
            seen_brands.add(who.lower())
            for src, data in sources.items():
                loc = (*prefix, "sources", src)
                if src not in source_settings:
                    if src not in config.sources:
                        problems.append(f"{_format_loc(loc)}: no source {src!r} under sources")
                    continue
                brand_model = settings_models(src)[1]
                brand_settings = _validate(brand_model, data, loc, problems)
                if brand_settings is not None:
                    targets[src].append(
                        Target(who, brand_settings, is_competitor=owner is not None, owner=owner)
                    )
    if problems:
        raise ConfigError(path, problems)
    _resolve_model_path(config, path)
    _resolve_database_path(config, path)
    return Settings(
        config=config,
        path=path,
        source_settings=source_settings,
        targets=targets,
        unset_env=unset,
    )


def _validate_sources(
    raw_sources: dict[str, Any], problems: list[str]
) -> dict[str, SourceSettings]:
    """Each ``sources.<name>`` against its collector's settings model."""
    source_settings: dict[str, SourceSettings] = {}
    for name, data in raw_sources.items():
        try:
            model = settings_models(str(name))[0]
        except RegistryError as exc:
            problems.append(f"sources.{name}: {exc}")
            continue
        settings = _validate(model, data, ("sources", name), problems)
        if settings is not None:
            source_settings[str(name)] = settings
    return source_settings


def _brand_and_competitors(
    brand: BrandConfig, index: int
) -> list[tuple[str, str | None, tuple[int | str, ...], dict[str, dict[str, Any]]]]:
    out: list[tuple[str, str | None, tuple[int | str, ...], dict[str, dict[str, Any]]]] = [
        (brand.name, None, ("brands", index), brand.sources)
    ]
    for ci, comp in enumerate(brand.competitors):
        out.append((comp.name, brand.name, ("brands", index, "competitors", ci), comp.sources))
    return out


def _resolve_model_path(config: MonitorConfig, path: Path) -> None:
    """Make a local model folder absolute, relative to the config file's folder.

    A value naming an existing folder (beside the config file, or from the working
    directory) is a local model; anything else is left alone as a hub model name.
    """
    model = config.sentiment.model
    for candidate in (path.parent / model, Path(model)):
        if candidate.is_dir():
            config.sentiment.model = str(candidate.resolve())
            return


#: ``sqlite:///FILE`` with a plain file path (no query, escape, ``file:`` URI or memory).
_PLAIN_SQLITE = re.compile(r"(sqlite(?:\+pysqlite)?:///)((?!file:|:memory:)[^?%]+)")


def _resolve_database_path(config: MonitorConfig, path: Path) -> None:
    """Make a relative SQLite file absolute, relative to the config file's folder.

    A cron job started in another folder must read the same database, not create an
    empty one where it happens to run.
    """
    simple = _PLAIN_SQLITE.fullmatch(config.database_url)
    if simple:  # the usual case, read without importing SQLAlchemy (0.3 s of a start)
        prefix, database = simple.groups()
        if not Path(database).is_absolute():
            config.database_url = prefix + str((path.parent / database).resolve())
        return
    from sqlalchemy.engine import make_url

    try:
        url = make_url(config.database_url)
    except Exception:  # reported by the engine with the reason, where the URL is used
        return
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    if url.database.startswith("file:") or Path(url.database).is_absolute():
        return
    absolute = (path.parent / url.database).resolve()
    config.database_url = url.set(database=str(absolute)).render_as_string(hide_password=False)


class _ConfigLoader(yaml.SafeLoader):
    """The safe loader without anchors and aliases.

    An alias is a reference, so a few lines of nested aliases ("billion laughs") stand for
    billions of values that every later walk over the config would visit; a config never
    needs them, so they are refused where the parser meets them.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate config.yaml (``path``, else ``$MONITOR_CONFIG``, else ./config.yaml)."""
    if path is None:
        path = os.environ.get("MONITOR_CONFIG") or DEFAULT_CONFIG_PATH
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["file not found (pass --config or set MONITOR_CONFIG)"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot read: {exc.strerror}"]) from None
    try:
        raw = yaml.load(text, Loader=_ConfigLoader)
    except RecursionError:
        raise ConfigError(path, ["YAML nested too deeply"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [f"YAML syntax error at {where}: {problem}"]) from None
    return parse_config(raw, path=path, env=env)
