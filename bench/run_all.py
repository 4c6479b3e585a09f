"""Run every benchmark in this folder and print their tables.

Each ``bench_*.py`` module exposes ``run(quick: bool) -> list[dict]`` and prints its own
table; this runner only sequences them so one ``make bench`` gives the whole picture.
Usage: python bench/run_all.py [--quick] [name ...]   (names like ``pricing``, ``store``)
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (CI smoke, ~1 min)")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    modules = sorted(HERE.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.stem.removeprefix("bench_") in args.names]
    failures = 0
    for path in modules:
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.run(quick=args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            failures += 1
            print(f"{path.stem} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"({path.stem}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
