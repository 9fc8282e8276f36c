"""催: a buyer asks for an earlier date; PMC checks what the floor can do and answers."""
