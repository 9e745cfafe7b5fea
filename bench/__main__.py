"""Benchmarks: `make bench` runs each module listed here and prints its figures."""

import importlib
import sys

BENCHMARKS: list[str] = ["slots", "reminders", "pages"]


def main(argv: list[str]) -> int:
    selected = argv or BENCHMARKS
    for name in selected:
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
