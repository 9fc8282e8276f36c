"""Adapters to outside systems. Each speaks its system's protocol and hands the domain plain data."""
