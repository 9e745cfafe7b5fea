"""The photographer's desk: Django admin with a dashboard, a calendar and optional 2FA."""

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.urls import path
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login

from bookings.desk import views as desk_views
from bookings.desk.dashboard import dashboard

from . import two_factor


def has_two_factor(user) -> bool:
    if not hasattr(user, "_has_two_factor"):  # asked several times per admin page
        user._has_two_factor = any(True for _ in devices_for_user(user, confirmed=True))
    return user._has_two_factor


class SignInForm(AuthenticationForm):
    """Password, plus the authenticator code for staff who turned two-factor sign-in on."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="Only if you turned on two-factor sign-in.",
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and has_two_factor(user):
            token = (self.cleaned_data.get("otp_token") or "").replace(" ", "")
            device = match_token(user, token) if token else None
            if device is None:
                raise forms.ValidationError(
                    "Enter the 6-digit code from your authenticator app.", code="otp_required"
                )
            user.otp_device = device  # type: ignore[attr-defined]  # what otp_login reads
        return cleaned


class StudioAdminSite(admin.AdminSite):
    site_header = "Studio desk"
    site_title = "Studio desk"
    index_title = "This week at the studio"
    login_form = SignInForm
    index_template = "admin/studio_index.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        # Staff with two-factor on must have signed in with it in this session.
        # django-otp's middleware adds is_verified() to request.user
        return request.user.is_verified() or not has_two_factor(request.user)  # type: ignore[union-attr]

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        device = getattr(request.user, "otp_device", None)
        if request.method == "POST" and request.user.is_authenticated and device is not None:
            otp_login(request, device)
        return response

    def index(self, request, extra_context=None):
        return super().index(request, {**(extra_context or {}), **dashboard(request.user)})

    def get_urls(self):
        own = [
            path("calendar/", self.admin_view(desk_views.calendar_view), name="calendar"),
            path("day-sheet/", self.admin_view(desk_views.day_sheet), name="day-sheet"),
            path("clients/", self.admin_view(desk_views.clients), name="clients"),
            path("two-factor/", self.admin_view(two_factor.setup), name="two-factor"),
        ]
        return own + super().get_urls()
