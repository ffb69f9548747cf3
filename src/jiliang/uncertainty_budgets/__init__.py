"""Uncertainty budgets: the public calculator and institutions' saved, revisioned budgets (issue 3)."""
