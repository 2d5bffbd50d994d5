"""Tenants, team members, roles, passwords and API tokens."""
