import pytest
from django.contrib.auth.models import Group
from django.urls import resolve

from studio import roles
from tests.factories import StudioFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(request, settings, tmp_path):
    """Uploads go to a fresh folder per test, except in the browser, which loads pictures
    through the site's /media/ route: there they go where that route serves from."""
    if request.node.get_closest_marker("e2e"):
        settings.MEDIA_ROOT = resolve(f"{settings.MEDIA_URL}x").kwargs["document_root"]
    else:
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def studio(db):
    return StudioFactory()


@pytest.fixture
def author_user(db):
    """A member of the "Author" group, which holds every permission of the blog app."""
    user = UserFactory(username="sam", first_name="Sam", last_name="Reyes")
    user.groups.add(Group.objects.get(name=roles.AUTHOR))
    return user


@pytest.fixture
def author_client(client, author_user, studio):
    client.force_login(author_user)
    return client
