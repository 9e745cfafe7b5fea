"""Factories of the studio app (the studio's profile, contact messages) and of site users."""

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from studio.models import ContactMessage, Studio


class StudioFactory(DjangoModelFactory[Studio]):
    class Meta:
        model = Studio
        django_get_or_create = ("id",)

    id = 1
    name = "Northlight Headshots"
    email = "hello@northlight.example"
    time_zone = "Europe/London"
    street_address = "14 Canal Wharf"
    locality = "Manchester"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class ContactMessageFactory(DjangoModelFactory[ContactMessage]):
    class Meta:
        model = ContactMessage

    name = "Ada Client"
    email = "ada@example.com"
    message = "Do you photograph teams on site?"
