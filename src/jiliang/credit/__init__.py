"""Honest metrology (诚信计量): self-declarations, credit records, credit scores and model units."""
