"""Routine assessment (平时考核): indicator templates, quarterly scores, weighted totals and grades."""
