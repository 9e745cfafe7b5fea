"""Random and hostile input to every public URL in the URL configuration: never a 5xx, and a
refused request (4xx) never writes a row."""

import uuid

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.demo import seed as seed_bookings
from studio.demo import seed as seed_studio

# Staff areas (their own tests), development-only and file-serving routes are not public forms.
# /healthz is public (liveness, always 200); /healthz/ready refuses anyone without the token.
SKIPPED_PREFIXES = ("admin/", "dev/", "media/", "static/")

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "9" * 40,
    "null",
    "None",
    "true",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1",
    "%00",
    "\x00",
    "../../etc/passwd",
    "${7*7}",
    "{{7*7}}",
    "\u202e",
    "😀" * 50,
    "a" * 5000,
    "2026-02-30",
    "2026-13-01",
    "9999-12-31",
    "0001-01-01",
    "1970-01-01T00:00:00",
    "2026-03-29T01:30:00+00:00",
    "2026-12-01T09:00:00",
    "2026-12-01T09:00:00+14:00",
    "not-an-email",
    "a@b",
    "+44 7700 900123",
]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))


def public_patterns() -> list[tuple[str, URLPattern]]:
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif not route.startswith(SKIPPED_PREFIXES):
                found.append((route, pattern))

    walk(get_resolver().url_patterns, "")
    return found


PATTERNS = public_patterns()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"bookings", "blog", "studio"}
    }


@st.composite
def path_for(draw, route: str, known_slugs: list[str]):
    """Fill each converter of the route with a real value or a hostile one."""
    parts, rest = [], route
    while "<" in rest:
        before, _, after = rest.partition("<")
        spec, _, rest = after.partition(">")
        kind = spec.split(":")[0] if ":" in spec else "str"
        if kind == "slug":
            value = draw(
                st.one_of(
                    st.sampled_from(known_slugs or ["x"]),
                    st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True),
                )
            )
        elif kind == "uuid":
            value = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1))))
        elif kind == "int":
            value = str(draw(st.integers(0, 2**63)))
        elif kind == "path":
            value = draw(st.from_regex(r"[a-z0-9/._-]{1,40}", fullmatch=True))
        else:
            value = draw(st.from_regex(r"[-a-zA-Z0-9_.~:]{1,80}", fullmatch=True))
        parts.append(before + value)
    return "/" + "".join(parts) + rest


@pytest.fixture
def site(db):
    seed_studio(lambda message: None)
    seed_bookings(lambda message: None)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_input_never_causes_a_server_error_or_a_partial_write(client, site, data):
    from bookings.models import SessionType

    slugs = list(SessionType.objects.values_list("slug", flat=True))
    route, _pattern = data.draw(st.sampled_from(PATTERNS), label="route")
    path = data.draw(path_for(route, slugs), label="path")
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["start", "end", "date", "month", "photographer", "q", "page", "tag"]),
            text,
            max_size=4,
        ),
        label="query",
    )
    form = data.draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "email",
                    "phone",
                    "message",
                    "notes",
                    "policy_version",
                    "accept_policy",
                    "confirm",
                    "start",
                    "intake_1",
                    "token",
                ]
            ),
            text,
            max_size=8,
        ),
        label="form",
    )
    method = data.draw(st.sampled_from(["get", "post"]), label="method")
    before = row_counts()

    client.raise_request_exception = True
    if method == "get":
        response = client.get(path, query)
    else:
        response = client.post(path + "?" + "&".join(f"{k}=x" for k in query), form)

    assert response.status_code < 500, (method, path, query, form)
    if response.status_code >= 400:
        assert row_counts() == before, (method, path, query, form)
