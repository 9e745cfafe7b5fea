"""A fake Stripe for tests: the real `stripe` package talks to it over HTTP on loopback.

It serves the part of the v1 API the site uses (Checkout Sessions: create, retrieve, expire;
Refunds: create; Events: list) and validates like Stripe where it matters: the secret key,
required and unknown parameters, `expires_at` 30 minutes to 24 hours ahead, idempotency (the
same key with the same parameters replays the first answer; with other parameters it is a 400
`idempotency_error`). Every request is recorded, parsed, so tests assert exactly what was sent.

`unreachable()` takes it off the network for a while (an outage); a wrong secret key gets 401
and `fail_next(status=403, ...)` a restricted key's permission error, as Stripe answers them.

It also plays the hosted Checkout page: GET /pay/<session id> shows a Pay button; paying marks
the session paid, POSTs a signed `checkout.session.completed` event to `webhook_url` (made like
Stripe's: HMAC-SHA256 of "{timestamp}.{payload}", header `Stripe-Signature: t=...,v1=...`) and
redirects to the success URL. Events it could not deliver are listed by
`GET /v1/events?delivery_success=false`, as Stripe does.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import http.client
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_KEY = "sk_test_fake_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_test_fake_secret"
API_VERSION = "2025-01-27.acacia"

SESSION_PARAMS = {
    "mode",
    "line_items",
    "payment_method_types",
    "client_reference_id",
    "customer_email",
    "metadata",
    "payment_intent_data",
    "expires_at",
    "success_url",
    "cancel_url",
    "locale",
    "submit_type",
}
PAYMENT_INTENT_DATA_PARAMS = {"metadata", "description", "receipt_email", "capture_method"}
PAYMENT_METHOD_TYPES = {"card", "link", "paypal", "klarna", "bacs_debit", "sepa_debit"}
REFUND_PARAMS = {"payment_intent", "charge", "amount", "metadata", "reason"}
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, made the way Stripe makes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def parse_form(body: str) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


class StripeFault(Exception):
    def __init__(self, status: int, message: str, *, type="invalid_request_error", **extra):
        super().__init__(message)
        self.status = status
        self.error = {"type": type, "message": message, **extra}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeFault:
    extra = {key: value for key, value in (("param", param), ("code", code)) if value}
    return StripeFault(400, message, **extra)


def _int(value, param: str, *, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {value}", param=param) from None
    if number < minimum:
        raise invalid(f"This value must be greater than or equal to {minimum}.", param=param)
    return number


def _url(value, param: str) -> str:
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        raise invalid("Not a valid URL", param=param, code="url_invalid")
    return value


def _metadata(value, param: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or len(value) > 50:
        raise invalid("Invalid metadata", param=param)
    for key, item in value.items():
        if len(key) > 40 or len(item) > 500:
            raise invalid("Metadata keys are at most 40 characters, values 500.", param=param)
    return dict(value)


def _new_id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    status: int = 0


@dataclass
class Failure:
    method: str
    path: str
    status: int
    type: str
    message: str
    times: int = 1


@dataclass
class FakeStripe:
    webhook_url: str | None = None
    webhook_secret: str = WEBHOOK_SECRET
    api_key: str = API_KEY
    deliver_webhooks: bool = True
    refund_status: str = "succeeded"
    requests: list[Recorded] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    payment_intents: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    delivered: dict[str, bool] = field(default_factory=dict)
    deliveries: list[tuple[str, int]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    _idempotency: dict[str, tuple] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None

    # Running

    def start(self) -> FakeStripe:
        return self._serve(("127.0.0.1", 0))

    def _serve(self, address: tuple[str, int]) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def _answer(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, headers, payload = fake.handle(method, self.path, body, self.headers)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(address, Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @contextlib.contextmanager
    def unreachable(self) -> Iterator[None]:
        """Stripe can't be reached inside the block (connections are refused, as in an outage
        or a network split); afterwards it answers again on the same address, state kept."""
        address = self._server.server_address[:2]
        self.stop()
        try:
            yield
        finally:
            self._serve(address)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # What tests look at and arrange

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        type: str = "api_error",
        message: str = "Something went wrong on Stripe's end.",
        times: int = 1,
    ) -> None:
        self.failures.append(Failure(method, path, status, type, message, times))

    def session(self, session_id: str) -> dict:
        return json.loads(json.dumps(self.sessions[session_id]["object"]))

    # HTTP

    def handle(self, method: str, target: str, body: str, headers) -> tuple[int, dict, bytes]:
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/pay/"):
            return self._checkout_page(method, path.removeprefix("/pay/"))
        if not path.startswith("/v1/"):  # e.g. the browser's /favicon.ico
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        params = parse_form(body if method == "POST" else parts.query)
        key = headers.get("Idempotency-Key")
        record = Recorded(method, path, params, key)
        with self._lock:
            self.requests.append(record)
        status, answer, replayed = self._api(method, path, params, key, headers)
        record.status = status
        out = {"Content-Type": "application/json", "Request-Id": _new_id("req")}
        if replayed:
            out["Idempotent-Replayed"] = "true"
        if status >= 500:
            out["Stripe-Should-Retry"] = "false"
        return status, out, json.dumps(answer).encode()

    def _api(self, method, path, params, key, headers) -> tuple[int, dict, bool]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return (
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
                False,
            )
        with self._lock:
            for failure in self.failures:
                if failure.times and (failure.method, failure.path) == (method, path):
                    failure.times -= 1
                    error = {"type": failure.type, "message": failure.message}
                    return failure.status, {"error": error}, False
            if method == "POST" and key:
                stored = self._idempotency.get(key)
                if stored is not None:
                    if stored[:3] != (method, path, params):
                        message = (
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with."
                        )
                        error = {"type": "idempotency_error", "message": message}
                        return 400, {"error": error}, False
                    return stored[3], json.loads(stored[4]), True
            try:
                status, answer, after = 200, *self._route(method, path, params)
            except StripeFault as fault:
                return fault.status, {"error": fault.error}, False
            if method == "POST" and key:
                self._idempotency[key] = (method, path, params, status, json.dumps(answer))
        for event in after:
            self._deliver(event)
        return status, answer, False

    def _route(self, method, path, params) -> tuple[dict, list[dict]]:
        if (method, path) == ("POST", "/v1/checkout/sessions"):
            return self._create_session(params), []
        if method == "GET" and (match := re.fullmatch(r"/v1/checkout/sessions/([^/]+)", path)):
            return self._stored_session(match[1])["object"], []
        expire = re.fullmatch(r"/v1/checkout/sessions/([^/]+)/expire", path)
        if method == "POST" and expire:
            return self._expire(expire[1])
        if (method, path) == ("POST", "/v1/refunds"):
            return self._refund(params)
        if (method, path) == ("GET", "/v1/events"):
            return self._list_events(params), []
        raise StripeFault(404, f"Unrecognized request URL ({method}: {path}).")

    # Checkout Sessions

    def _create_session(self, params: dict) -> dict:
        for name in params:
            if name not in SESSION_PARAMS:
                raise invalid(f"Received unknown parameter: {name}", param=name)
        if params.get("mode") != "payment":
            raise invalid("Missing required param: mode.", param="mode")
        success_url = _url(params.get("success_url"), "success_url")
        cancel_url = _url(params["cancel_url"], "cancel_url") if "cancel_url" in params else None
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise invalid(
                "line_items is required in payment mode.",
                param="line_items",
                code="parameter_missing",
            )
        total, currencies = 0, set()
        for index, item in enumerate(items):
            where = f"line_items[{index}]"
            price = item.get("price_data")
            if not isinstance(price, dict):
                raise invalid("Missing required param: price_data.", param=f"{where}[price_data]")
            currency = price.get("currency", "")
            if not re.fullmatch(r"[a-z]{3}", currency):
                raise invalid("Invalid currency", param=f"{where}[price_data][currency]")
            currencies.add(currency)
            amount = _int(price.get("unit_amount"), f"{where}[price_data][unit_amount]")
            product = price.get("product_data") or {}
            if not product.get("name"):
                raise invalid(
                    "Missing required param: name.",
                    param=f"{where}[price_data][product_data][name]",
                )
            total += amount * _int(item.get("quantity"), f"{where}[quantity]", minimum=1)
        if len(currencies) != 1:
            raise invalid("All line items must share one currency.", param="line_items")
        methods = params.get("payment_method_types", ["card"])
        if not isinstance(methods, list) or not set(methods) <= PAYMENT_METHOD_TYPES:
            raise invalid("Invalid payment_method_types", param="payment_method_types")
        now = int(time.time())
        expires_at = now + 24 * 3600
        if "expires_at" in params:
            expires_at = _int(params["expires_at"], "expires_at")
            if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
                raise invalid(
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
        intent_data = params.get("payment_intent_data") or {}
        for name in intent_data:
            if name not in PAYMENT_INTENT_DATA_PARAMS:
                raise invalid(
                    f"Received unknown parameter: payment_intent_data[{name}]",
                    param=f"payment_intent_data[{name}]",
                )
        if len(params.get("client_reference_id", "")) > 200:
            raise invalid(
                "client_reference_id is at most 200 characters", param="client_reference_id"
            )
        session_id = _new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": cancel_url,
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currencies.pop(),
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": methods,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "url": f"{self.url}/pay/{session_id}",
        }
        self.sessions[session_id] = {
            "object": session,
            "intent_metadata": _metadata(
                intent_data.get("metadata"), "payment_intent_data[metadata]"
            ),
        }
        return session

    def _stored_session(self, session_id: str) -> dict:
        stored = self.sessions.get(session_id)
        if stored is None:
            raise StripeFault(
                404,
                f"No such checkout.session: '{session_id}'",
                code="resource_missing",
                param="id",
            )
        return stored

    def _expire(self, session_id: str) -> tuple[dict, list[dict]]:
        session = self._stored_session(session_id)["object"]
        if session["status"] != "open":
            raise invalid(
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
                f"Session has a status of `{session['status']}`.",
                param="session",
            )
        session.update(status="expired", url=None)
        return session, [self._event("checkout.session.expired", session)]

    def pay(self, session_id: str, *, deliver: bool | None = None) -> dict:
        """The client pays on the hosted page: returns the checkout.session.completed event."""
        with self._lock:
            stored = self._stored_session(session_id)
            session = stored["object"]
            if session["status"] != "open" or session["expires_at"] < time.time():
                raise invalid("This Checkout Session is no longer open.")
            intent_id, charge_id = _new_id("pi"), _new_id("ch")
            self.payment_intents[intent_id] = {
                "amount": session["amount_total"],
                "currency": session["currency"],
                "amount_refunded": 0,
                "charge": charge_id,
                "metadata": stored["intent_metadata"],
            }
            session.update(
                status="complete", payment_status="paid", payment_intent=intent_id, url=None
            )
            event = self._event("checkout.session.completed", session)
        if self.deliver_webhooks if deliver is None else deliver:
            self._deliver(event)
        return event

    def expire(self, session_id: str, *, deliver: bool | None = None) -> dict:
        """Stripe expires the session (its time is up): returns the checkout.session.expired event."""
        with self._lock:
            _session, [event] = self._expire(session_id)
        if self.deliver_webhooks if deliver is None else deliver:
            self._deliver(event)
        return event

    def _checkout_page(self, method: str, session_id: str) -> tuple[int, dict, bytes]:
        stored = self.sessions.get(session_id)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if stored is None:
            return 404, headers, b"<!doctype html><title>Not found</title><h1>No such session</h1>"
        session = stored["object"]
        if session["status"] != "open":
            page = "<!doctype html><title>Expired</title><h1>This checkout is no longer open</h1>"
            return 410, headers, page.encode()
        if method == "POST":
            self.pay(session_id)
            location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
            return 303, {**headers, "Location": location}, b""
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        cancel = session["cancel_url"] or "/"
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Fake Stripe Checkout</title><link rel="icon" href="data:,"></head><body>
<h1>Fake Stripe Checkout</h1>
<p>Pay <strong>{html.escape(amount)}</strong> for {html.escape(session["customer_email"] or "")}</p>
<form method="post" action="/pay/{html.escape(session_id)}"><button type="submit">Pay</button></form>
<p><a href="{html.escape(cancel)}">Back to the studio</a></p>
</body></html>"""
        return 200, headers, page.encode()

    # Refunds

    def _refund(self, params: dict) -> tuple[dict, list[dict]]:
        for name in params:
            if name not in REFUND_PARAMS:
                raise invalid(f"Received unknown parameter: {name}", param=name)
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise invalid(
                "One of `charge` or `payment_intent` is required.",
                param="payment_intent",
                code="parameter_missing",
            )
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise invalid(
                f"No such payment_intent: '{intent_id}'",
                param="payment_intent",
                code="resource_missing",
            )
        remaining = intent["amount"] - intent["amount_refunded"]
        if remaining <= 0:
            raise invalid(
                f"Charge {intent['charge']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = _int(params.get("amount", remaining), "amount", minimum=1)
        if amount > remaining:
            raise invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                param="amount",
                code="amount_too_large",
            )
        if "reason" in params and params["reason"] not in REFUND_REASONS:
            raise invalid("Invalid reason", param="reason")
        intent["amount_refunded"] += amount
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": intent["charge"],
            "created": int(time.time()),
            "currency": intent["currency"],
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "payment_intent": intent_id,
            "reason": params.get("reason"),
            "status": self.refund_status,
        }
        self.refunds[refund["id"]] = refund
        return refund, [
            self._event("refund.created", refund),
            self._event("charge.refunded", self.charge(intent_id)),
        ]

    def charge(self, intent_id: str) -> dict:
        intent = self.payment_intents[intent_id]
        return {
            "id": intent["charge"],
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": intent["amount_refunded"],
            "currency": intent["currency"],
            "metadata": intent["metadata"],
            "paid": True,
            "payment_intent": intent_id,
            "refunded": intent["amount_refunded"] >= intent["amount"],
            "status": "succeeded",
        }

    # Events

    def _event(self, type: str, obj: dict) -> dict:
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": json.loads(json.dumps(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }
        with self._lock:
            self.events.append(event)
            self.delivered[event["id"]] = False
        return event

    def event(self, type: str, obj: dict) -> dict:
        """An event of any type about any object (for orderings Stripe rarely produces)."""
        return self._event(type, obj)

    def _deliver(self, event: dict) -> None:
        if not self.webhook_url or not self.deliver_webhooks:
            return
        payload = json.dumps(event, indent=2).encode()
        target = urlsplit(self.webhook_url)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            connection.request(
                "POST",
                target.path,
                body=payload,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": sign(payload, self.webhook_secret),
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                },
            )
            status = connection.getresponse().status
        except OSError:
            status = 0
        finally:
            connection.close()
        with self._lock:
            self.deliveries.append((event["id"], status))
            self.delivered[event["id"]] = 200 <= status < 300

    def _list_events(self, params: dict) -> dict:
        found = list(reversed(self.events))  # newest first, like Stripe
        if "delivery_success" in params:
            wanted = params["delivery_success"] == "true"
            found = [e for e in found if self.delivered.get(e["id"]) == wanted]
        created = params.get("created") or {}
        if "gte" in created:
            found = [e for e in found if e["created"] >= int(created["gte"])]
        if "lte" in created:
            found = [e for e in found if e["created"] <= int(created["lte"])]
        types = params.get("types") or ([params["type"]] if "type" in params else None)
        if types:
            found = [e for e in found if e["type"] in types]
        if after := params.get("starting_after"):
            ids = [e["id"] for e in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        limit = _int(params.get("limit", 10), "limit", minimum=1)
        return {
            "object": "list",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "url": "/v1/events",
        }


@contextlib.contextmanager
def running(settings, *, webhook_url: str | None = None) -> Iterator[FakeStripe]:
    """A started fake, with the site's Stripe settings pointing at it (pytest `settings`)."""
    fake = FakeStripe(webhook_url=webhook_url).start()
    settings.PAYMENTS_MODE = "stripe"
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    settings.STRIPE_API_BASE = fake.url
    try:
        yield fake
    finally:
        fake.stop()
