"""Admin pages of the photographer's desk: calendar (with time off), day sheet, client data."""

import json
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from studio.models import Studio

from . import client_data, desk, services
from .models import Photographer


def parse_anchor(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


class TimeOffForm(forms.Form):
    photographer = forms.ModelChoiceField(queryset=Photographer.objects.none())
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Leave both times empty for whole days.",
    )
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photographer"].queryset = desk.visible_photographers(user)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        zone = Studio.load().zone
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        start = datetime.combine(cleaned["start_date"], start_time or time.min, tzinfo=zone)
        end = (
            datetime.combine(cleaned["end_date"], end_time, tzinfo=zone)
            if end_time
            else datetime.combine(cleaned["end_date"] + timedelta(days=1), time.min, tzinfo=zone)
        )
        if end <= start:
            raise forms.ValidationError("The end must be after the start.")
        cleaned["starts_at"], cleaned["ends_at"] = start, end
        return cleaned


def calendar_view(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view") if request.GET.get("view") in desk.VIEWS else "week"
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
            conflicts = list(desk.time_off_conflicts(time_off))
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
        **desk.calendar(
            user=request.user, view=view, anchor=anchor, photographer_id=photographer_id
        ),
        "title": "Calendar",
        "form": form,
        "conflicts": conflicts,
        "zone_name": Studio.load().time_zone,
    }
    return TemplateResponse(request, "admin/bookings/calendar.html", context)


def day_sheet(request: HttpRequest) -> HttpResponse:
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
            "sessions": desk.day_sheet(user=request.user, day=day),
        },
    )


class ClientForm(forms.Form):
    email = forms.EmailField(label="Client's email address")


def clients(request: HttpRequest) -> HttpResponse:
    """Export or erase everything held about one client (superusers only)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    form = ClientForm(request.POST or request.GET or None)
    summary = None
    if form.is_valid():
        email = form.cleaned_data["email"]
        if request.method == "POST" and request.POST.get("action") == "export":
            data = client_data.client_data_export(email=email)
            response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="client-data-{email}.json"'
            return response
        if request.method == "POST" and request.POST.get("action") == "erase":
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
