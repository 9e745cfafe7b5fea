"""Money is integer minor units plus an ISO 4217 currency; this is the one place that converts."""

from decimal import Decimal

# Currencies whose minor unit is not 1/100.
MINOR_UNIT_EXPONENT = {"JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def exponent(currency: str) -> int:
    return MINOR_UNIT_EXPONENT.get(currency.upper(), 2)


def to_decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def format_money(amount: int, currency: str) -> str:
    """12500, 'GBP' → '£125.00'; unknown symbols fall back to the code: '125.00 CHF'."""
    digits = exponent(currency)
    value = f"{to_decimal(amount, currency):,.{digits}f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"
