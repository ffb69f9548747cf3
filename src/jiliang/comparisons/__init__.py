"""Metrology comparisons and proficiency testing: the workflow (计量比对与能力验证 — 组织、提交、分析、发布)."""
