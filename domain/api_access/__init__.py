"""API access for other systems: clients with hashed bearer tokens and scopes, and idempotency keys."""
