import pytest
from django.core import mail
from django.urls import reverse

from studio.models import ContactMessage
from tests.factories import StudioFactory

pytestmark = pytest.mark.django_db

SHELL_PAGES = ["home", "about", "services", "contact", "privacy"]


@pytest.fixture(autouse=True)
def studio():
    return StudioFactory(phone="+44 161 555 0142", directions="Second floor, round window.")


@pytest.mark.parametrize("name", SHELL_PAGES)
def test_shell_page_renders_with_studio_details_and_landmarks(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "Northlight Headshots" in html
    assert "14 Canal Wharf" in html
    assert "<script>" not in html  # no inline script on public pages


def test_pages_carry_an_enforced_csp_without_unsafe_inline(client):
    response = client.get(reverse("home"))

    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_contact_form_stores_the_message_and_emails_the_studio(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contact"),
            {"name": "Ada Client", "email": "ada@example.com", "message": "Team headshots?"},
            follow=True,
        )

    assert response.status_code == 200
    assert "your message is on its way" in response.content.decode()
    message = ContactMessage.objects.get()
    assert (message.name, message.email, message.message) == (
        "Ada Client",
        "ada@example.com",
        "Team headshots?",
    )
    assert message.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hello@northlight.example"]
    assert mail.outbox[0].reply_to == ["ada@example.com"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": "Ada", "email": "not-an-email", "message": "Hi"},
        {"name": "x" * 101, "email": "ada@example.com", "message": "Hi"},
        {"name": "Ada", "email": "ada@example.com", "message": "x" * 5001},
    ],
)
def test_invalid_contact_form_explains_and_writes_nothing(client, data):
    response = client.post(reverse("contact"), data)

    assert response.status_code == 400
    assert "Please correct the fields marked below." in response.content.decode()
    assert ContactMessage.objects.count() == 0
    assert mail.outbox == []


def test_dev_outbox_is_hidden_when_debug_is_off(client):
    assert client.get(reverse("dev-outbox")).status_code == 404


def test_studio_details_are_cached_and_refreshed_on_save(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.get(reverse("about"))
    with django_assert_num_queries(0):
        client.get(reverse("about"))

    studio = StudioFactory()
    studio.name = "Southlight"
    with django_capture_on_commit_callbacks(execute=True):
        studio.save()

    assert "Southlight" in client.get(reverse("about")).content.decode()
