"""Content Security Policy and security headers, in a real Chromium.

Every public page (URL configuration + sitemap, as the accessibility test finds them) and every
step of the booking flow load without a single CSP violation: Chromium reports each one as a
console error ("... violates the following Content Security Policy directive ...") and fires a
`securitypolicyviolation` event, which an init script records on every page. The Stripe path
too: the deposit form's redirect to Checkout (the fake) is allowed by form-action. Every page
of the site carries the CSP and the other security headers; with production settings, HSTS.
"""

import json
import re
import secrets
from pathlib import Path

import pytest
from django.test import Client, override_settings
from playwright.sync_api import Page, Response, expect

from tests.e2e.test_accessibility import public_pages, seed
from tests.e2e.test_paying_journey import allow_checkout_origin
from tests.fake_stripe import running

ROOT = Path(__file__).resolve().parent.parent.parent

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber})`
  );
});
"""


class Watch:
    """CSP violations (console and events) and the site's document responses, page by page."""

    def __init__(self, page: Page, origin: str):
        self.page = page
        self.origin = origin
        self.console: list[str] = []
        self.events: dict[str, list[str]] = {}
        self.documents: list[Response] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and self.console.append(message.text)
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.request.resource_type == "document"
                and response.url.startswith(origin)
                and self.documents.append(response)
            ),
        )

    def read_events(self) -> None:
        """Record the violations the current page saw; call before leaving it."""
        self.page.wait_for_load_state("load")
        found = self.page.evaluate("window.__cspViolations || []")
        if found:
            self.events[self.page.url] = found

    def header_problems(self) -> dict[str, list[str]]:
        problems = {}
        for response in self.documents:
            headers = response.all_headers()
            csp = headers.get("content-security-policy", "")
            script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
            found = [
                problem
                for problem, bad in (
                    ("no CSP", not csp),
                    ("frame-ancestors is not 'none'", "frame-ancestors 'none'" not in csp),
                    ("no script-src", not script_src),
                    ("script-src allows 'unsafe-inline'", "'unsafe-inline'" in script_src),
                    ("no nosniff", headers.get("x-content-type-options") != "nosniff"),
                    ("no Referrer-Policy", not headers.get("referrer-policy")),
                    ("no COOP", not headers.get("cross-origin-opener-policy")),
                )
                if bad
            ]
            if found:
                problems[f"{response.status} {response.url}"] = found
        return problems


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_public_pages_and_the_booking_flow_have_no_csp_violations(live_server, page: Page):
    seed()
    watch = Watch(page, live_server.url)
    paths = public_pages(page, live_server.url)
    assert "/" in paths and "/book/" in paths and "/blog/" in paths

    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        watch.read_events()

    # The booking flow, demo deposit, then the manage pages and a cancellation.
    page.goto(live_server.url + "/book/")
    watch.read_events()
    page.get_by_role("link", name=re.compile("Choose a time.*Express headshot", re.S)).click()
    page.wait_for_url("**/book/express-headshot/")
    watch.read_events()
    page.locator("a.time-slot").first.click()
    page.wait_for_url("**/details/**")
    watch.read_events()
    page.get_by_role("button", name="Continue to deposit").click()  # empty: errors shown
    expect(page.get_by_role("alert").first).to_be_visible()
    watch.read_events()
    page.get_by_label("Your name").fill("Ada Client")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Phone").fill("+44 7700 900123")
    page.get_by_label("What will you use the photos for?").select_option("LinkedIn or CV")
    page.get_by_label("I have read and accept the cancellation policy above.").check()
    page.get_by_role("button", name="Continue to deposit").click()
    page.wait_for_url("**/deposit/**")
    watch.read_events()
    page.get_by_role("button", name="Confirm with demo payment").click()
    page.wait_for_url("**/confirmed/**")
    expect(page.get_by_role("heading", name="You're booked in")).to_be_visible()
    watch.read_events()
    page.get_by_role("link", name="Manage my booking").click()
    page.wait_for_url("**/manage/**")
    watch.read_events()
    page.get_by_role("link", name="Move to another time").click()
    page.wait_for_url("**/reschedule/")
    watch.read_events()
    page.go_back()
    page.get_by_role("link", name="Cancel my session").click()
    page.wait_for_url("**/cancel/")
    watch.read_events()
    page.get_by_label("Yes, cancel my session").check()
    page.get_by_role("button", name="Cancel my session").click()
    expect(page.get_by_text("Your session is cancelled.")).to_be_visible()
    watch.read_events()

    assert watch.console == []
    assert watch.events == {}
    assert len(watch.documents) >= len(paths) + 10
    assert watch.header_problems() == {}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_deposit_form_leads_to_checkout_without_a_csp_violation(
    live_server, page: Page, settings
):
    seed()
    settings.SITE_URL = live_server.url
    with running(settings, webhook_url=f"{live_server.url}/stripe/webhook/") as fake:
        allow_checkout_origin(settings, fake.url)
        watch = Watch(page, live_server.url)
        page.goto(live_server.url + "/book/express-headshot/")
        page.locator("a.time-slot").first.click()
        page.get_by_label("Your name").fill("Ada Client")
        page.get_by_label("Email").fill("ada@example.com")
        page.get_by_label("Phone").fill("+44 7700 900123")
        page.get_by_label("What will you use the photos for?").select_option("LinkedIn or CV")
        page.get_by_label("I have read and accept the cancellation policy above.").check()
        page.get_by_role("button", name="Continue to deposit").click()
        page.wait_for_url("**/deposit/**")
        watch.read_events()
        page.get_by_role("button", name="Pay £25.00 deposit").click()

        page.wait_for_url(f"{fake.url}/pay/*")
        expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
        assert len(fake.calls("POST", "/v1/checkout/sessions")) == 1
    assert watch.console == []
    assert watch.events == {}
    to_checkout = [
        response
        for response in watch.documents
        if response.status == 303 and response.headers["location"].startswith(f"{fake.url}/pay/")
    ]
    assert len(to_checkout) == 1
    assert watch.header_problems() == {}


def production_security_settings() -> dict:
    """The HSTS and HTTPS settings studio.settings makes from a production environment."""
    from tests.studio.test_deployment import PRODUCTION_ENV, run_manage

    names = [
        "DEBUG",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    env = {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50)}
    result = run_manage(env, "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.mark.django_db
def test_with_production_settings_https_responses_carry_hsts_for_a_year():
    production = production_security_settings()
    assert production["DEBUG"] is False
    assert production["SECURE_HSTS_SECONDS"] == 31536000

    with override_settings(**production, ALLOWED_HOSTS=["headshots.example.com"]):
        client = Client(headers={"X-Forwarded-Proto": "https"})
        response = client.get("/", HTTP_HOST="headshots.example.com")
        plain = Client().get("/", HTTP_HOST="headshots.example.com")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    # Over plain HTTP the site redirects to HTTPS (and HSTS is meaningless there).
    assert plain.status_code == 301
    assert plain["Location"] == "https://headshots.example.com/"
