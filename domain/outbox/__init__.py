"""Domain events written in the same transaction as the change; relayed later by a worker."""
