"""The only part of lib that imports streamlit: the session, shared widgets and the feedback forms."""
