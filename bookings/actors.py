"""Who did something to a booking, as recorded in its history, refunds and emails."""

from enum import StrEnum


class Actor(StrEnum):
    """The two actors that are not a person at the desk; staff are recorded by username."""

    CLIENT = "client"
    SYSTEM = "system"


def staff_actor(user) -> str:
    """How a staff member is recorded: their username."""
    return user.get_username()
