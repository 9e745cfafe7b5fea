from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict

from .models import CancellationPolicy, IntakeQuestion, SessionType

phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-.]{6,25}$", "Enter a phone number using digits, spaces and + ( ) - only."
)


class BookingDetailsForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="We send your confirmation and the link to manage your booking here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        validators=[phone_validator],
        help_text="In case we need to reach you on the day.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    notes = forms.CharField(
        label="Anything we should know?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )
    policy_version = forms.IntegerField(widget=forms.HiddenInput)
    accept_policy = forms.BooleanField(
        label="I have read and accept the cancellation policy above.",
        error_messages={"required": "Please accept the cancellation policy to book."},
    )

    def __init__(self, *args, session_type: SessionType, policy: CancellationPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        if self.is_bound and self.data.get("policy_version") != str(policy.version):
            # Consent given to another version of the policy is not carried over to this one:
            # the box is shown unticked so that the client accepts the current text themselves.
            data = cast(QueryDict, self.data).copy()
            data.pop("accept_policy", None)
            self.data = data
        self.fields["policy_version"].initial = policy.version
        self.questions = list(session_type.intake_questions.all())
        for question in self.questions:
            self.fields[question.field_name] = self._field_for(question)

    @staticmethod
    def _field_for(question: IntakeQuestion) -> forms.Field:
        common: dict[str, Any] = {
            "label": question.label,
            "help_text": question.help_text,
            "required": question.required,
        }
        if question.kind == IntakeQuestion.Kind.CHOICE:
            choices = [("", "Choose…")] + [(c, c) for c in question.choice_list]
            return forms.ChoiceField(choices=choices, **common)
        if question.kind == IntakeQuestion.Kind.YES_NO:
            return forms.ChoiceField(
                choices=[("", "Choose…"), ("Yes", "Yes"), ("No", "No")], **common
            )
        if question.kind == IntakeQuestion.Kind.LONG_TEXT:
            return forms.CharField(
                max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common
            )
        return forms.CharField(max_length=300, **common)

    def clean_policy_version(self) -> int:
        version = self.cleaned_data["policy_version"]
        if version != self.policy.version:
            raise forms.ValidationError(
                "Our cancellation policy changed while you were booking. Please read the "
                "current version below and accept it again."
            )
        return version

    def intake_answers(self) -> dict[str, str]:
        """Answers keyed by the question as asked, so they read well even if it is edited."""
        return {
            question.label: self.cleaned_data.get(question.field_name, "")
            for question in self.questions
            if self.cleaned_data.get(question.field_name, "") != ""
        }


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, cancel my session",
        error_messages={"required": "Tick the box to confirm you want to cancel."},
    )
