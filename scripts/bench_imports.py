#!/usr/bin/env python
"""Moving in: 10,000 Pocket rows whose pages are served from 127.0.0.1 (tests/local_web.py, one
server per "site"), imported by the real `tidyclip import`, their pages fetched by a real
`tidyclip serve`'s page queue with the settings of config.py.

Measured:
- the time `tidyclip import --no-fetch` takes until every row is listed as waiting, and its peak
  memory (VmHWM) beside the same command on a file of a tenth the rows (memory bounded: the two
  should be close);
- pages fetched per second by the server's queue over a window of --fetch-seconds;
- the extension's POST /api/clips latency while the queue runs, beside an idle server (the
  baseline: the same server code over an empty store, nothing fetching).

    .venv/bin/python scripts/bench_imports.py [--rows 10000] [--sites 100] [--fetch-seconds 60] [--posts 30]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import ServerProcess, article_page  # noqa: E402  (the test harness's real server, its article pages)
from local_web import LocalWeb, Route  # noqa: E402
from moving_in_files import Saved, pocket_zip  # noqa: E402

from tidyclip.config import PAGE_FETCH_HOST_DELAY, PAGE_FETCH_WORKERS  # noqa: E402
from tidyclip.library import Library  # noqa: E402

TIDYCLIP = Path(sys.executable).parent / "tidyclip"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def import_timed(export: Path, data_dir: Path) -> tuple[float, int, str]:
    """Seconds `tidyclip import --no-fetch` took, its peak memory in KiB, its last line."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(TIDYCLIP), "import", str(export), "--no-fetch", "--quiet", "--data-dir", str(data_dir)],
                            stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, vm_hwm(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"import failed: {stderr}")
    return seconds, peak, stderr.strip().splitlines()[-1]


def vm_hwm(pid: int) -> int:
    """Peak resident memory of a process, KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def post_latencies(server: ServerProcess, count: int, tag: str) -> list[float]:
    """Milliseconds for each of `count` clips the way the extension sends them, one after the other."""
    session = requests.Session()
    session.headers.update(server.headers())
    warm_up = article_page(f"Warm-up {tag}", seed=999)  # the first clip pays for the engine's imports
    session.post(f"{server.base_url}/api/clips", json={"url": f"https://extension.example/{tag}/warm-up", "html": warm_up}, timeout=120)
    times = []
    for n in range(count):
        page = article_page(f"Clipped while importing {tag} {n}", seed=1000 + n)
        started = time.perf_counter()
        answer = session.post(f"{server.base_url}/api/clips", json={"url": f"https://extension.example/{tag}/{n}", "html": page}, timeout=120)
        answer.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.2)  # a person clips now and then, not in a burst
    return times


def waiting(data_dir: Path) -> int:
    with Library.open(data_dir) as library:
        return len(library.fetching(("waiting",)))


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"{statistics.median(ordered):.0f} ms median, {ordered[int(len(ordered) * 0.9) - 1]:.0f} ms p90, {ordered[-1]:.0f} ms slowest"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--fetch-seconds", type=float, default=60.0)
    parser.add_argument("--posts", type=int, default=30)
    args = parser.parse_args()

    sites = [LocalWeb().__enter__() for _ in range(args.sites)]
    for site_number, site in enumerate(sites):
        for n in range(site_number, args.rows, args.sites):
            site.routes[f"/article/{n}"] = Route(article_page(f"Saved article {n}", seed=n).encode(), headers=HTML)
    saved = [Saved(sites[n % args.sites].url(f"/article/{n}"), f"Saved article {n}", [f"topic{n % 20}", "pocket"],
                   saved=1_600_000_000 + 3600 * n, archived=n % 3 == 0) for n in range(args.rows)]
    try:
        with tempfile.TemporaryDirectory(prefix="tidyclip-bench-imports-") as tmp:
            tmp_path = Path(tmp)
            small = pocket_zip(tmp_path / "small.zip", saved[: args.rows // 10])
            export = pocket_zip(tmp_path / "pocket.zip", saved)
            print(f"{args.rows:,} Pocket rows ({export.stat().st_size / 1024:.0f} KiB zip) over {args.sites} sites on 127.0.0.1\n")

            small_seconds, small_peak, _ = import_timed(small, tmp_path / "small-data")
            seconds, peak, said = import_timed(export, tmp_path / "data")
            listed = waiting(tmp_path / "data")
            print("| import (`tidyclip import --no-fetch`) | rows | until all listed as waiting | peak memory |")
            print("|---|---:|---:|---:|")
            print(f"| a tenth of the file | {args.rows // 10:,} | {small_seconds:.1f} s | {small_peak / 1024:.0f} MiB |")
            print(f"| the whole file | {args.rows:,} | {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s) | {peak / 1024:.0f} MiB |")
            print(f"\n{said}; {listed:,} listed as waiting")
            assert listed == args.rows, listed

            idle = ServerProcess(tmp_path / "idle-data").start(timeout=120)
            try:
                idle_times = post_latencies(idle, args.posts, "idle")
            finally:
                idle.stop()

            server = ServerProcess(tmp_path / "data").start(timeout=120)
            try:
                started = time.perf_counter()
                busy_times: list[float] = []
                poster = threading.Thread(target=lambda: busy_times.extend(post_latencies(server, args.posts, "busy")))
                time.sleep(2)  # the queue well under way
                poster.start()
                time.sleep(max(args.fetch_seconds - 2, 0))
                poster.join()
                elapsed = time.perf_counter() - started
                server_peak = vm_hwm(server.proc.pid) if server.proc else 0
            finally:
                server.stop()
            fetched = args.rows - waiting(tmp_path / "data")
            print(f"\nserver queue: {PAGE_FETCH_WORKERS} at a time, {PAGE_FETCH_HOST_DELAY:.1f} s between two pages of one site")
            print(f"fetched {fetched:,} pages in {elapsed:.0f} s: {fetched / elapsed:.1f} pages/s"
                  f" (politeness allows at most {args.sites / PAGE_FETCH_HOST_DELAY:.0f}/s); server peak memory {server_peak / 1024:.0f} MiB")
            print("\n| POST /api/clips (the extension), one every 0.2 s | latency |")
            print("|---|---|")
            print(f"| idle server (baseline) | {summary(idle_times)} |")
            print(f"| while the queue fetches and cleans pages | {summary(busy_times)} |")
            print(f"\nratio of medians: {statistics.median(busy_times) / statistics.median(idle_times):.1f}x")
    finally:
        for site in sites:
            site.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
