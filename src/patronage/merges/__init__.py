"""Merging customers that are one into a survivor, the answers the merged ids and keys keep
giving, and undoing a merge within 30 days."""
