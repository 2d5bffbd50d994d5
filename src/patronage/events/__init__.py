"""Organic customers: events from the sales channel, the orders and samples they carry, the
timeline of everything that happened with a customer, and the metrics derived from it."""
