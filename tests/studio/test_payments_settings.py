"""Production refuses to start in a payments mode where clients could book without paying."""

import re
from pathlib import Path

import pytest
import yaml

from tests.studio.test_deployment import PRODUCTION_ENV, run_manage

ROOT = Path(__file__).resolve().parent.parent.parent
NO_STRIPE = {"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"PAYMENTS_MODE": "demo"},
            "PAYMENTS_MODE=demo confirms bookings without taking any money: it is for "
            "development (DEBUG=true) only.",
        ),
        (
            {"PAYMENTS_MODE": "stripe", **NO_STRIPE},
            "PAYMENTS_MODE is stripe but STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set",
        ),
        (
            {"PAYMENTS_MODE": "stripe", "STRIPE_WEBHOOK_SECRET": ""},
            "PAYMENTS_MODE is stripe but STRIPE_WEBHOOK_SECRET is not set",
        ),
        (
            {"PAYMENTS_MODE": "", **NO_STRIPE},  # unset: Stripe, which needs its keys
            "PAYMENTS_MODE is stripe but STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set",
        ),
        ({"PAYMENTS_MODE": "free"}, "PAYMENTS_MODE must be one of stripe, at_studio, demo"),
    ],
)
def test_production_refuses_a_payments_mode_that_lets_clients_book_without_paying(
    override, message
):
    result = run_manage({**PRODUCTION_ENV, **override}, "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_may_take_payment_at_the_studio_without_stripe():
    result = run_manage(
        {**PRODUCTION_ENV, "PAYMENTS_MODE": "at_studio", **NO_STRIPE},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_development_may_use_the_demo_deposit():
    result = run_manage(
        {**PRODUCTION_ENV, "DEBUG": "true", "PAYMENTS_MODE": "demo", **NO_STRIPE}, "check"
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_stack_makes_the_studio_choose_how_clients_pay():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert re.fullmatch(
        r"\$\{PAYMENTS_MODE:\?.+\}", compose["x-app"]["environment"]["PAYMENTS_MODE"]
    )
    assert example["PAYMENTS_MODE"] == "stripe"
    assert (example["STRIPE_SECRET_KEY"], example["STRIPE_WEBHOOK_SECRET"]) == ("", "")


def test_a_stack_started_from_the_example_without_stripe_keys_refuses_to_start():
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    filled = {**example, "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"], "BEHIND_TLS_PROXY": "true"}
    filled.pop("POSTGRES_PASSWORD")

    result = run_manage(filled, "check")

    assert result.returncode != 0
    assert (
        "PAYMENTS_MODE is stripe but STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in result.stderr
    )
