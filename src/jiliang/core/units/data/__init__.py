"""Registry and checker data files (JSON), loaded with importlib.resources."""
