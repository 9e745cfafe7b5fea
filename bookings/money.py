"""Money is integer minor units plus an ISO 4217 currency; this is the one place that converts."""

from decimal import Decimal

# Currencies whose minor unit is not 1/100 (ISO 4217 exponents).
MINOR_UNIT_EXPONENT = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"], 0
    ),
    **dict.fromkeys(["VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "JOD", "KWD", "OMR", "TND"], 3),
}
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}

# Where Stripe's API unit differs from the ISO minor unit (https://docs.stripe.com/currencies):
# ISK is zero-decimal but Stripe keeps it two-decimal (amounts in multiples of 100), and MGA
# has an ISO exponent of 2 but is zero-decimal at Stripe.
STRIPE_EXPONENT = {"ISK": 2, "MGA": 0}


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


def _stripe_shift(currency: str) -> int:
    code = currency.upper()
    return STRIPE_EXPONENT.get(code, exponent(code)) - exponent(code)


def to_stripe(amount: int, currency: str) -> tuple[int, str]:
    """(5000, 'GBP') → (5000, 'gbp'); (500, 'ISK') → (50000, 'isk'): Stripe's unit and code."""
    shift = _stripe_shift(currency)
    if shift >= 0:
        return amount * 10**shift, currency.lower()
    quotient, remainder = divmod(amount, 10**-shift)
    if remainder:
        raise ValueError(f"{amount} {currency} cannot be expressed in Stripe's unit.")
    return quotient, currency.lower()


def from_stripe(amount: int, currency: str) -> tuple[int, str]:
    """The inverse of to_stripe: Stripe's (amount, 'isk') → our (minor units, 'ISK')."""
    shift = _stripe_shift(currency)
    if shift <= 0:
        return amount * 10**-shift, currency.upper()
    # Stripe only accepts whole units here (e.g. ISK in multiples of 100); round down if not.
    return amount // 10**shift, currency.upper()
