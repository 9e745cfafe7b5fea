"""Parsing the query parameters the booking pages and the desk read: malformed values become None."""

from datetime import UTC, date, datetime


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_start(value: str | None) -> datetime | None:
    """An ISO 8601 instant with an explicit offset; naive or malformed values are refused."""
    if not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
