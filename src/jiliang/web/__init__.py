"""The web face: one FastAPI app serving HTML pages and the JSON API under /api/v1."""
