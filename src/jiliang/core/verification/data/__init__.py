"""Machine-readable verification procedures (JSON), loaded with importlib.resources."""
