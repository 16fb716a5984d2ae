"""Loaders that write into the store: reference facts, the demo generator, file imports and live sources.

Never imports streamlit, so everything here runs from the command line (``python -m data_sources``).
"""
