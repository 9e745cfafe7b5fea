"""The bookings app in the admin (the desk): one module per vocabulary, registered on import."""

from . import booking, catalogue, people, records

__all__ = ["booking", "catalogue", "people", "records"]
