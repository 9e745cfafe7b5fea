"""The client's pages: the catalogue and free times, booking, the deposit, managing a booking,
the photographers' calendar feeds, and Stripe's webhook."""
