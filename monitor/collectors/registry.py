"""Explicit collector registration: the built-ins plus the ``monitor.collectors`` entry points."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from monitor.collectors.base import BrandSourceSettings, Collector, SourceSettings

ENTRY_POINT_GROUP = "monitor.collectors"

#: Built-in sources as ``module:Class``; imported when first asked for, never scanned for.
BUILTIN_COLLECTORS: tuple[str, ...] = (
    "monitor.collectors.replay.collector:ReplayCollector",
    "monitor.collectors.x.collector:XCollector",
    "monitor.collectors.reddit.collector:RedditCollector",
    "monitor.collectors.appstore.collector:AppStoreCollector",
    "monitor.collectors.hackernews.collector:HackerNewsCollector",
    "monitor.collectors.bluesky.collector:BlueskyCollector",
    "monitor.collectors.mastodon.collector:MastodonCollector",
    "monitor.collectors.youtube.collector:YouTubeCollector",
    "monitor.collectors.googleplay.collector:GooglePlayCollector",
)


class RegistryError(Exception):
    """A collector could not be registered (bad entry point, duplicate name)."""


def _load(spec: str) -> type[Collector]:
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, attr)
    for required in ("name", "settings_model", "brand_settings_model", "collect"):
        if not hasattr(cls, required):
            raise RegistryError(f"collector {spec} lacks {required!r}")
    return cls


@cache
def _plugins() -> tuple[EntryPoint, ...]:
    """The installed plug-ins' entry points, read once: each read scans every package."""
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


@cache
def collector_classes() -> dict[str, type[Collector]]:
    """All registered collector classes by source name (built-ins first)."""
    found: dict[str, type[Collector]] = {}
    specs = list(BUILTIN_COLLECTORS)
    specs += [ep.value for ep in _plugins()]
    for spec in specs:
        cls = _load(spec)
        if cls.name in found:
            raise RegistryError(f"two collectors are named {cls.name!r}: {spec}")
        found[cls.name] = cls
    return found


def _builtin_spec(name: str) -> str | None:
    """The built-in ``module:Class`` registered as ``name`` (its package is named after it)."""
    for spec in BUILTIN_COLLECTORS:
        module = spec.partition(":")[0]
        if module == f"monitor.collectors.{name}.collector":
            return spec
    return None


def _plugin_named(name: str) -> bool:
    return any(ep.name == name for ep in _plugins())


def settings_models(name: str) -> tuple[type[SourceSettings], type[BrandSourceSettings]]:
    """The ``sources.<name>`` and ``brands[i].sources.<name>`` models of source ``name``.

    A built-in's models come from its light ``settings`` module (``XSettings`` and
    ``XBrandSettings`` next to ``XCollector``), so loading the config never imports a
    client library (atproto alone takes ~1 s); a plug-in's come from its class.
    """
    spec = _builtin_spec(name)
    if spec is not None and not _plugin_named(name):
        module, _, attr = spec.partition(":")
        stem = attr.removesuffix("Collector")
        settings = importlib.import_module(module.removesuffix(".collector") + ".settings")
        return getattr(settings, f"{stem}Settings"), getattr(settings, f"{stem}BrandSettings")
    cls = collector_class(name)
    return cls.settings_model, cls.brand_settings_model


def collector_class(name: str) -> type[Collector]:
    """The collector class registered as ``name``, with a clear error when unknown."""
    spec = _builtin_spec(name)
    if spec is not None and not _plugin_named(name):
        return _load(spec)  # only this source's client library is imported
    classes = collector_classes()
    try:
        return classes[name]
    except KeyError:
        known = ", ".join(sorted(classes))
        raise RegistryError(f"unknown source {name!r} (known: {known})") from None
