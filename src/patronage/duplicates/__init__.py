"""Duplicate customers: found, warned about, merged and unmerged."""
