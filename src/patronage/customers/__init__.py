"""Customers: the record, its rules, its audit trail."""
