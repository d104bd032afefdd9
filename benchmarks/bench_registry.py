"""Peak memory of reading a large registry: streamed (`registry import`) against held whole.

    .venv/bin/python benchmarks/bench_registry.py --rows 200000

Writes a CSV registry of ``--rows`` website rows, then, each in a fresh process so the peaks
do not mix: (1) ``pantau registry import`` of it into a new database (streams the file row by
row into one transaction); (2) ``parse_registry`` collecting every row in a list, as the
import did before it streamed. Reports the file size, the seconds and the peak RSS (Linux
``ru_maxrss``) of each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"


def write_registry(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(rows):
            fh.write(
                f"Dinas {i} Kabupaten Musi Banyuasin,16.06,website,,https://opd{i}.mubakab.go.id,,"
                f"humas@opd{i}.mubakab.go.id,,catatan untuk baris {i}\n"
            )


def run(cmd: list[str], cwd: Path) -> dict[str, float]:
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode not in (0, 2):
        sys.exit(f"{cmd}: exit {done.returncode}\n{done.stderr}")
    return {"seconds": round(seconds, 1), "stdout": done.stdout.strip()[:100]}


def peak_of(cmd: list[str], cwd: Path) -> dict[str, float]:
    # ru_maxrss of the children: run each measured process from a fresh wrapper so the
    # value is that process's own peak.
    wrapper = (
        "import resource, subprocess, sys, json; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(json.dumps({'rc': done.returncode, 'out': done.stdout.strip()[:100], "
        "'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", wrapper, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["peak_mb"] = round(result["peak_mb"], 1)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args()
    pantau = str(Path(sys.executable).parent / "pantau")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pantau.toml").write_text('[database]\npath = "bench.db"\n', encoding="utf-8")
        registry = root / "registry.csv"
        write_registry(registry, args.rows)
        size_mb = registry.stat().st_size / 1e6
        streamed = peak_of([pantau, "--config", "pantau.toml", "registry", "import", str(registry)], root)
        whole = peak_of(
            [
                sys.executable,
                "-c",
                "import sys; from pantau.config.registry import parse_registry; "
                "r = parse_registry(sys.argv[1]); print(len(r.rows), len(r.errors))",
                str(registry),
            ],
            root,
        )
        baseline = peak_of([sys.executable, "-c", "import pantau.config.registry, pantau.storage.accounts"], root)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "file_mb": round(size_mb, 1),
                "import_streamed": streamed,
                "parse_held_whole": whole,
                "interpreter_and_imports": baseline,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
