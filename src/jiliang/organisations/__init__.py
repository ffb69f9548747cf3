"""Organisations: enterprises (instrument owners) and technical institutions with their authorisations."""
