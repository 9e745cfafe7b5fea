"""Shared by the desk's tests: signing in as a photographer of the studio."""

from django.contrib.auth.models import Group, Permission

from tests.factories import PhotographerFactory, UserFactory


def photographer_login(client):
    group, _ = Group.objects.get_or_create(name="Photographer")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="bookings"))
    user = UserFactory(username="maya")
    user.groups.add(group)
    client.force_login(user)
    return PhotographerFactory(user=user, name="Maya")
