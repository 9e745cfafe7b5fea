"""Forms of the desk's own pages."""

from datetime import date, datetime, time, timedelta
from typing import cast

from django import forms
from django.utils import timezone

from studio.models import Studio

from ..access import visible_photographers
from ..models import Photographer


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
        photographer = cast(forms.ModelChoiceField, self.fields["photographer"])
        photographer.queryset = visible_photographers(user)

    def clean(self):
        cleaned = super().clean() or {}
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


class ClientForm(forms.Form):
    email = forms.EmailField(label="Client's email address")
