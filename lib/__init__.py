"""Fostering Feedback Hub: plain-Python core, importable and testable without Streamlit."""
