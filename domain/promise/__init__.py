"""Promise at the door: credit, kitting (齐套) and capacity-to-promise checks run when an order is submitted."""
