"""Run every benchmark in bench/ (bench_*.py, each with a main() returning a dict of figures) and
write the figures to bench/results/<name>.json. Usage: python bench/run.py [name ...]"""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if names and name not in names:
            continue
        print(f"== {name}", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        started = time.perf_counter()
        try:
            figures = module.main()
        except Exception as exc:  # one benchmark failing must not hide the others' figures
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed += 1
            continue
        figures = {"benchmark": name, "seconds": round(time.perf_counter() - started, 1), **(figures or {})}
        (results / f"{name}.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
