"""Public pages under gunicorn, measured against the floor of Django itself.

    make bench BENCH_ARGS=pages            (BENCH_SECONDS=2 BENCH_ROUNDS=3 by default)

Builds a separate database (`<name>_bench`) with a generated data set — 3 photographers,
4 session types, 2,000 bookings over a year, 200 published posts with images, categories and
tags — starts the site under gunicorn with production settings (DEBUG off, 2 workers) on
loopback, and loads each page with wrk, alternating with the "floor" (a view returning a fixed
short response through the same middleware stack) so that drift hits both. Prints requests/s,
p50 and p99 latency, queries per request and bytes per page, and throughput as a ratio of the
floor's; saves the results as JSON under bench/results/.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
CACHED_TARGET, LIVE_TARGET = 0.5, 0.25


def bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/") or "studio"
    return parts._replace(path=f"/{name}_bench").geturl()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin_url = parts._replace(path="/postgres").geturl()
    name = parts.path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def site_env(database_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_HOST": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "BENCHMARK_FLOOR": "true",
        "CACHE_KEY_PREFIX": "bench",
        "STATIC_ROOT": str(ROOT / ".data" / "bench-static"),
    }


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310  (loopback)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-H",
            "X-Forwarded-Proto: https",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {f"p{p}": float(v) * UNITS[u] for p, v, u in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rate, **latency, "non_2xx": int(errors.group(1)) if errors else 0}


def measure(base: str, path: str) -> dict[str, float]:
    """Alternate page and floor runs; report the medians and the ratio of the medians."""
    page_runs, floor_runs = [], []
    for _ in range(ROUNDS):
        page_runs.append(wrk(base + path))
        floor_runs.append(wrk(base + "/bench/floor/"))

    def median(runs, key):
        values = sorted(run.get(key, 0.0) for run in runs)
        return values[len(values) // 2]

    page_rps, floor_rps = median(page_runs, "rps"), median(floor_runs, "rps")
    return {
        "rps": page_rps,
        "p50_ms": median(page_runs, "p50"),
        "p99_ms": median(page_runs, "p99"),
        "floor_rps": floor_rps,
        "ratio": page_rps / floor_rps if floor_rps else 0.0,
        "non_2xx": sum(run["non_2xx"] for run in page_runs),
    }


def page_facts(env: dict[str, str], paths: list[str]) -> dict[str, dict]:
    """Queries and bytes per page, counted in a Django process on the bench database."""
    script = (
        "import json, sys, django; django.setup()\n"
        "from django.core.cache import cache\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "client = Client(HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='127.0.0.1')\n"
        "facts = {}\n"
        "cache.delete_pattern('*')\n"
        "client.get('/bench/floor/')\n"
        "for path in json.loads(sys.argv[1]):\n"
        "    with CaptureQueriesContext(connection) as cold:\n"
        "        client.get(path)\n"
        "    with CaptureQueriesContext(connection) as warm:\n"
        "        response = client.get(path)\n"
        "    facts[path] = {'status': response.status_code, 'queries': len(warm),\n"
        "                   'queries_uncached': len(cold), 'bytes': len(response.content)}\n"
        "print(json.dumps(facts))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, json.dumps(paths)],
        cwd=ROOT,
        env={**env, "DJANGO_ALLOW_ASYNC_UNSAFE": "true"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("The page benchmark needs wrk: sudo apt-get install wrk")
    from bench.dataset import build_dataset_command

    database_url = bench_database_url()
    port = int(os.environ.get("BENCH_PORT", "8090"))
    env = site_env(database_url, port)
    print(f"Building the data set in {urlsplit(database_url).path.lstrip('/')} …", flush=True)
    recreate_database(database_url)
    manage(env, "migrate", "--no-input")
    pages = json.loads(manage(env, "shell", "-c", build_dataset_command()).strip().splitlines()[-1])
    if only := os.environ.get("BENCH_PAGES"):  # e.g. BENCH_PAGES="feed,post"
        pages = [page for page in pages if page[0] in only.split(",")]
    manage(env, "collectstatic", "--no-input")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studio.wsgi:application",
            "--config",
            "python:studio.gunicorn_conf",  # production's, as in the Dockerfile
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/bench/floor/", server)
        facts = page_facts(env, [path for _, path, _ in pages])
        rows = []
        for name, path, kind in pages:
            figures = measure(base, path)
            target = CACHED_TARGET if kind == "cached" else LIVE_TARGET
            rows.append(
                {
                    "page": name,
                    "path": path,
                    "kind": kind,
                    "target": target,
                    **figures,
                    **facts[path],
                }
            )
            print(f"  measured {name}", flush=True)
    finally:
        server.terminate()
        server.wait(20)
    print_table(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"pages-{stamp}.json").write_text(
        json.dumps(
            {
                "when": stamp,
                "seconds": SECONDS,
                "rounds": ROUNDS,
                "connections": CONNECTIONS,
                "machine": f"{os.cpu_count()} cores",
                "pages": rows,
            },
            indent=2,
        )
    )
    print(f"\nSaved bench/results/pages-{stamp}.json")


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'page':<20} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7} {'(cold)':>6} "
        f"{'bytes':>7} {'× floor':>7} {'target':>7}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        verdict = "ok" if row["ratio"] >= row["target"] else "BELOW"
        print(
            f"{row['page']:<20} {row['rps']:>7.0f} {row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} "
            f"{row['queries']:>7} {row['queries_uncached']:>6} {row['bytes']:>7} "
            f"{row['ratio']:>7.2f} {'≥' + format(row['target'], '.2f'):>7} {verdict}"
        )
    floor = sorted(row["floor_rps"] for row in rows)[len(rows) // 2]
    print(f"floor (median of runs): {floor:.0f} req/s")


if __name__ == "__main__":
    main()
