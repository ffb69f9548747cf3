"""Legal tables for net-content inspection, stored as JSON package data (loaded via importlib.resources)."""
