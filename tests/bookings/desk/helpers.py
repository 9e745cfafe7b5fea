"""Shared by the desk's tests: signing in as a photographer of the studio."""

from django.contrib.auth.models import Group

from studio import roles
from tests.factories import PhotographerFactory, UserFactory


def photographer_login(client):
    """Maya signs in with the photographer's role (studio/roles.py)."""
    user = UserFactory(username="maya")
    user.groups.add(Group.objects.get(name=roles.PHOTOGRAPHER))
    client.force_login(user)
    return PhotographerFactory(user=user, name="Maya")
