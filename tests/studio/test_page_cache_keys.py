"""The page cache keeps one entry per real page, whatever query strings arrive (real Redis).

Junk parameters (utm_*, fbclid, cache-busters) are dropped from the key and hidden from the
view; the parameters a page reads are keyed in one canonical spelling; made-up values (dates
years away, unknown searches) are answered but not kept.
"""

import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import (
    PhotographerFactory,
    PostFactory,
    SessionTypeFactory,
    StudioFactory,
)

pytestmark = pytest.mark.django_db

JUNK = 100


def page_keys() -> list[str]:
    return sorted(cache.keys("page:*"))


def junk_query(n: int) -> str:
    return (
        f"utm_source=mail{n}&utm_campaign=c{n}&fbclid={secrets.token_hex(8)}"
        f"&gclid=g{n}&ref={n}&_={secrets.token_hex(4)}"
    )


@pytest.fixture
def site():
    StudioFactory(time_zone="UTC")
    SessionTypeFactory(slug="portrait", photographers=[PhotographerFactory()])
    for n in range(12):  # two pages of articles
        PostFactory(slug=f"article-{n}", published_at=timezone.now() - timedelta(days=n + 1))


@pytest.mark.parametrize(
    "path",
    ["/", "/about/", "/services/", "/book/", "/book/portrait/", "/blog/", "/blog/article-3/"],
)
def test_junk_query_strings_share_the_one_entry_of_their_page(client, site, path):
    plain = client.get(path)
    assert plain.status_code == 200
    assert len(page_keys()) == 1

    answers = [client.get(f"{path}?{junk_query(n)}") for n in range(JUNK)]

    assert len(page_keys()) == 1
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.content for answer in answers} == {plain.content}  # the same page


def test_feeds_and_the_sitemap_ignore_junk_too(client, site):
    for path in ("/blog/feed/", "/blog/feed/atom/", "/sitemap.xml"):
        plain = client.get(path).content
        for n in range(50):
            assert client.get(f"{path}?{junk_query(n)}").content == plain

    assert len(page_keys()) == 3


def test_a_page_number_is_one_entry_whatever_its_spelling(client, site):
    second = [client.get(f"/blog/?page={spelling}") for spelling in ("2", "02", "002", " 2")]
    first = client.get("/blog/?page=1&utm_source=x")
    beyond = [client.get(f"/blog/?page={n}") for n in range(3, 60)]
    unusable = [client.get(f"/blog/?page={value}") for value in ("0", "-1", "x", "1e3")]

    assert {answer.content for answer in second} == {second[0].content}
    assert "article-10" in second[0].content.decode()  # the oldest articles: page two
    assert "article-10" not in first.content.decode()
    assert {answer.status_code for answer in beyond + unusable} == {404}
    assert page_keys() == [
        key for key in page_keys() if key.endswith(("/blog/?page=1", "/blog/?page=2"))
    ]
    assert len(page_keys()) == 2


def test_the_calendar_keys_days_and_months_of_its_window_only(client, site):
    today = timezone.localdate()
    day = today + timedelta(days=10)
    month = day.replace(day=1)
    spellings = [day.isoformat(), day.strftime("%Y%m%d")]

    by_day = [client.get(f"/book/portrait/?date={value}&{junk_query(1)}") for value in spellings]
    by_month = [
        client.get(f"/book/portrait/?month={value}")
        for value in (month.isoformat(), day.isoformat(), month.strftime("%Y%m%d"))
    ]
    assert len(page_keys()) == 2  # that day, and that month
    assert {answer.content for answer in by_day} == {by_day[0].content}
    assert {answer.content for answer in by_month} == {by_month[0].content}
    assert 'aria-current="date"' in by_day[0].content.decode()

    far = [client.get(f"/book/portrait/?date={year}-01-01") for year in range(2100, 2200)]
    clamped = [client.get(f"/book/portrait/?month={year}-06-01") for year in range(1900, 2000)]
    both = client.get(f"/book/portrait/?date={day.isoformat()}&month={month.isoformat()}")
    refused = client.get("/book/portrait/?date=31-12-2026")

    assert {answer.status_code for answer in far + clamped + [both]} == {200}
    assert "Online booking is open from" in far[0].content.decode()
    assert all("private" in answer["Cache-Control"] for answer in far + clamped + [both])
    assert refused.status_code == 400
    assert len(page_keys()) == 2


def test_slots_json_keys_ranges_from_today_to_the_end_of_the_window_only(client, site):
    today = timezone.localdate()
    week = f"start={today.isoformat()}&end={(today + timedelta(days=6)).isoformat()}"

    same = [client.get(f"/book/portrait/slots.json?{week}&{junk_query(n)}") for n in range(100)]
    past = [
        client.get(f"/book/portrait/slots.json?start={start}&end={start}")
        for start in (today - timedelta(days=n) for n in range(1, 50))
    ]
    years_ahead = [
        client.get(f"/book/portrait/slots.json?start={year}-03-01&end={year}-03-02")
        for year in range(2100, 2150)
    ]

    assert {answer.status_code for answer in same + past + years_ahead} == {200}
    assert {answer.content for answer in same} == {same[0].content}
    assert same[0].json()["slots"]  # the week's free times
    assert all(answer.json()["slots"] == [] for answer in past + years_ahead)
    assert len(page_keys()) == 1


def test_searches_are_not_cached(client, site):
    for n in range(50):
        assert client.get(f"/blog/search/?q=light{n}").status_code == 200

    assert page_keys() == []


def test_a_parameter_given_twice_is_answered_and_not_kept(client, site):
    day = timezone.localdate() + timedelta(days=10)

    response = client.get(f"/book/portrait/?date={day.isoformat()}&date={day.isoformat()}")

    assert response.status_code == 200
    assert page_keys() == []
