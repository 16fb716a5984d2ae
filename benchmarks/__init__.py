"""Performance measurements (``python -m benchmarks.run``); timings live here, never in tests."""
