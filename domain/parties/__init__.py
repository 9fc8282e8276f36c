"""Customers, their portal users, and the supplier's staff with their roles."""
