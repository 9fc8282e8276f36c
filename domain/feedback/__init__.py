"""评: the customer's rating after delivery, and the after-sales care ticket a low score opens."""
