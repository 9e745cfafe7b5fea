"""Money for bookings: Stripe deposits, refunds, balances, and the ledger that sums them up.

- `gateway`: every call to Stripe's API (and webhook signature checks), nothing else.
- `checkout`: paying the deposit on a Checkout Session, and acting on what Stripe says of it.
- `events`: Stripe's webhook events (and reconciliation of missed ones), dispatched by type.
- `refunds`: refunds decided in a transaction, sent to Stripe after commit, moved forward by
  what Stripe reports.
- `offline`: the development demo deposit, and balances paid at the studio.
- `stripe_objects`: which booking and payment a Stripe object is about.
- `ledger`: paid, owed and refundable, computed in one place only.
- `outcomes`: what handling a Stripe object did, as recorded on its event.
"""
