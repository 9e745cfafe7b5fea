import email
import email.policy
import hmac
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import services
from .forms import ContactForm
from .health import readiness_report
from .page_cache import cached_page
from .ratelimits import limit_posts, over_limit


@require_GET
@cached_page("site")
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/about.html")


@require_GET
@cached_page("site")
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/privacy.html")


@require_http_methods(["GET", "POST"])
@limit_posts("contact")
def contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            services.contact_message_submit(**form.cleaned_data)
            messages.success(
                request, "Thank you — your message is on its way. We reply within a day."
            )
            return redirect("contact")
        return render(request, "studio/contact.html", {"form": form}, status=400)
    return render(request, "studio/contact.html", {"form": form})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, public: the web process answers. Nothing is checked (no ping, no query), so
    any number of pollers cost next to nothing; /healthz/ready says how the rest is."""
    return JsonResponse({"status": "ok"})


def is_monitoring(request: HttpRequest) -> bool:
    """The bearer token of HEALTHZ_TOKEN (monitoring), or a signed-in staff member."""
    token = settings.HEALTHZ_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff


@never_cache
@require_GET
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """Readiness, for monitoring: database, Redis, worker, beat and versions, made at most
    once per HEALTHZ_CACHE_SECONDS (studio/health.py); 200 when all are up, 503 otherwise.
    Rate-limited per address (RATE_LIMIT_HEALTHZ), token guesses included."""
    if over_limit(request, "healthz"):
        response = JsonResponse({"status": "too many requests"}, status=429)
        response["Retry-After"] = "60"
        return response
    if not is_monitoring(request):
        response = JsonResponse(
            {"status": "unauthorized", "detail": "Send Authorization: Bearer <HEALTHZ_TOKEN>."},
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    report = readiness_report()
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    # A 503 here is the answer monitoring asked for, not a server error: Django would log it
    # as one and mail ADMINS on every poll while a dependency is down.
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by log_response
    return response


def _outbox_files() -> list[Path]:
    mailer = cast(dict[str, Any], settings.MAILERS["default"])
    folder = Path(mailer["OPTIONS"]["file_path"])
    return sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True)


def _parse_outbox_file(path: Path) -> list[dict]:
    """The file backend writes one or more messages separated by a line of dashes."""
    parsed = []
    for chunk in path.read_text(errors="replace").split("-" * 79):
        if not chunk.strip():
            continue
        message = email.message_from_string(chunk.strip(), policy=email.policy.default)
        html = message.get_body(preferencelist=("html",))
        text = message.get_body(preferencelist=("plain",))
        parsed.append(
            {
                "subject": message["subject"],
                "to": message["to"],
                "from": message["from"],
                "date": message["date"],
                "text": text.get_content() if text else "",
                "html": html.get_content() if html else "",
            }
        )
    return parsed


@never_cache
@require_GET
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """DEBUG only: the messages the site has sent, as their recipients see them."""
    if not settings.DEBUG:
        raise Http404
    sent = [message for path in _outbox_files()[:50] for message in _parse_outbox_file(path)]
    return render(request, "studio/dev_outbox.html", {"sent": sent})


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: a fixed short response through the whole middleware stack."""
    return HttpResponse("ok", content_type="text/plain")
