"""Admin pages of the photographer's desk: calendar (with time off), day sheet, client data.

The calendar and the day sheet are for those with a calendar (the owner sees everyone's, a
photographer their own); client data is the owner's (see bookings/access.py).
"""

import json
from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from studio.models import Studio

from .. import client_data, services
from ..access import has_a_calendar, manages_client_data
from .calendar import VIEWS, calendar_page, time_off_conflicts
from .day_sheet import day_sessions
from .forms import ClientForm, TimeOffForm, parse_anchor


def calendar_view(request: HttpRequest) -> HttpResponse:
    if not has_a_calendar(request.user):
        raise PermissionDenied
    requested = request.GET.get("view", "")
    view = requested if requested in VIEWS else "week"
    anchor = parse_anchor(request.GET.get("date"))
    try:
        photographer_id = (
            int(request.GET["photographer"]) if request.GET.get("photographer") else None
        )
    except ValueError:
        photographer_id = None
    form = TimeOffForm(
        request.POST or None, user=request.user, initial={"start_date": anchor, "end_date": anchor}
    )
    conflicts = None
    if request.method == "POST":
        if not request.user.has_perm("bookings.add_timeoff"):
            raise PermissionDenied
        if form.is_valid():
            time_off = services.time_off_create(
                photographer=form.cleaned_data["photographer"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
            )
            conflicts = list(time_off_conflicts(time_off))
            if conflicts:
                messages.warning(
                    request,
                    f"Time off added. {len(conflicts)} booking"
                    f"{'s' if len(conflicts) != 1 else ''} fall in it: see below.",
                )
            else:
                messages.success(request, "Time off added. No bookings conflict with it.")
                return redirect(f"{request.path}?view={view}&date={anchor.isoformat()}")
    context = {
        **admin.site.each_context(request),
        **calendar_page(
            user=request.user, view=view, anchor=anchor, photographer_id=photographer_id
        ),
        "title": "Calendar",
        "form": form,
        "conflicts": conflicts,
        "zone_name": Studio.load().time_zone,
    }
    return TemplateResponse(request, "admin/bookings/calendar.html", context)


def day_sheet(request: HttpRequest) -> HttpResponse:
    if not has_a_calendar(request.user):
        raise PermissionDenied
    day = parse_anchor(request.GET.get("date"))
    return TemplateResponse(
        request,
        "admin/bookings/day_sheet.html",
        {
            **admin.site.each_context(request),
            "title": f"Day sheet — {day:%A %-d %B %Y}",
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "sessions": day_sessions(user=request.user, day=day),
        },
    )


def clients(request: HttpRequest) -> HttpResponse:
    """Find, export or erase everything held about one client (the owner).

    The address travels in POST bodies only, each with its CSRF token: in a query string it
    would land in access logs and the browser's history. An address in the query is ignored.
    """
    if not manages_client_data(request.user):
        raise PermissionDenied
    form = ClientForm(request.POST if request.method == "POST" else None)
    summary = None
    if form.is_valid():
        email = form.cleaned_data["email"]
        action = request.POST.get("action", "find")
        if action == "export":
            data = client_data.client_data_export(email=email)
            response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="client-data-{email}.json"'
            return response
        if action == "erase":
            if request.POST.get("confirm") != "yes":
                messages.error(request, "Tick the box to confirm the erasure.")
            else:
                erased = client_data.client_data_erase(email=email)
                messages.success(
                    request,
                    f"Erased {email}: {erased['bookings']} booking(s) "
                    f"anonymised, {erased['messages']} message(s) deleted. "
                    "Payment records are kept for the accounts.",
                )
                return redirect("admin:clients")
        summary = client_data.client_data_export(email=email)
    return TemplateResponse(
        request,
        "admin/bookings/clients.html",
        {
            **admin.site.each_context(request),
            "title": "Client data",
            "form": form,
            "summary": summary,
        },
    )
