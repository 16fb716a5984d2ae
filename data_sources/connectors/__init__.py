"""Live data sources behind one loader interface (:class:`~data_sources.connectors.base.Connector`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from dashboard.settings import LIVE_SOURCE_NAMES, Settings
from data_sources.connectors.activityinfo import ActivityInfoConnector
from data_sources.connectors.base import Connector, ConnectorError, LoadResult, NotConfigured
from data_sources.connectors.hapi import HapiConnector
from data_sources.connectors.kobo import KoboConnector
from data_sources.connectors.unhcr import UnhcrConnector

CONNECTORS: dict[str, type[Connector]] = {
    cls.name: cls for cls in (KoboConnector, ActivityInfoConnector, HapiConnector, UnhcrConnector)
}
assert tuple(CONNECTORS) == LIVE_SOURCE_NAMES


def make_connector(name: str, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                   backoff: float = 1.0) -> Connector:
    """The connector called ``name``. Raises ConnectorError listing the known names."""
    try:
        cls = CONNECTORS[name.strip().lower()]
    except KeyError:
        raise ConnectorError(f"unknown source {name!r}: choose {', '.join(CONNECTORS)}") from None
    return cls(settings, sleep=sleep, backoff=backoff)


__all__ = ["CONNECTORS", "Connector", "ConnectorError", "LoadResult", "NotConfigured", "make_connector"]
