"""The application core of the MHPSS dashboard: settings, store, queries, filters, charts and UI helpers."""
