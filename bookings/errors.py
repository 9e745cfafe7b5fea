"""The refusals the bookings app raises: a leaf module, so every layer can raise and catch them."""


class BookingError(Exception):
    """A refused action; the message is written for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SlotUnavailable(BookingError):
    """The time asked for is not free (taken meanwhile, or outside the rules)."""


class TransitionRefused(BookingError):
    """The booking is not in a state that allows this action."""


class PaymentUnavailable(BookingError):
    """Stripe could not be reached or refused; the hold stays, the client may try again."""


class HoldLapsed(BookingError):
    """The hold on the time ran out before the deposit was paid."""


class RefundRetryRefused(BookingError):
    """A refund cannot be tried again (not failed, tried again already, or nothing left)."""


class ResendRefused(BookingError):
    """An email cannot be sent again (not sent yet, no longer relevant, or no address)."""


SLOT_TAKEN = "That time was just booked — please pick another."
