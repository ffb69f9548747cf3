"""Inspection campaigns (双随机、一公开): planning, reproducible selection, on-site checklists, findings."""
