"""First-run set-up, the app's composition root.

This is the one place in ``dashboard/`` that calls into ``data_sources/``: on the first page view against an
empty database it creates the schema and seeds the reference facts and demo data (DESIGN.md: "on first run
creates and seeds the embedded database"). Everything else in ``dashboard/`` only reads the store.
"""

from __future__ import annotations

from dashboard.settings import Settings


def ensure_database(settings: Settings) -> bool:
    """Upgrade the schema and seed an empty database; True when it seeded."""
    from data_sources.seed import ensure_seeded

    return ensure_seeded(settings)
