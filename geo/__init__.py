"""Admin reference table, boundary loading and map layers. Never imports streamlit."""
