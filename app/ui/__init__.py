"""Streamlit UI of soi (Vietnamese). Entry script: `app/ui/Hoi_dap.py`; it only calls the `indexer` library."""
