"""Patronage: the customer directory sellers live in."""

__version__ = "0.1.0"
