"""Jiliang (计量): an open-source platform for a country's metrology system."""

__version__ = "0.1.0"
