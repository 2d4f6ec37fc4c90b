#!/usr/bin/env python
"""Review pages speed: the list, search and reader pages of a real `tidyclip serve` over a store of
10,000 clips, beside the API answering the same query as bare JSON (the baseline: what the page adds
on top of the store is the rendering).

The store is filled through Library.bulk_save (the store's own bulk path) with the synthetic
Zipf-distributed clips of bench_store.py, each with two tags, a lead image and its own created date.
Every request is timed over HTTP on 127.0.0.1 (a warm-up first, then the median and the slowest of
the repeats).

    .venv/bin/python scripts/bench_review.py [--clips 10000] [--repeats 20]
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_store import Corpus  # noqa: E402  (the store benchmark's synthetic clips)
from conftest import ServerProcess  # noqa: E402  (the test harness's real server in a subprocess)
from tidyclip.config import REVIEW_PAGE_SIZE  # noqa: E402
from tidyclip.library import Library  # noqa: E402

LIMIT_MS = 300


def fill(data_dir: Path, count: int) -> Corpus:
    corpus = Corpus()
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def records():
        for n in range(count):
            clip = corpus.clip(n)
            clip["tags"] = [f"topic{n % 20}", f"list{n % 7}"]
            clip["image"] = f"https://images.example.com/{n}.jpg"
            clip["created"] = (start + timedelta(minutes=47 * n)).isoformat()
            yield clip, None

    with Library.open(data_dir) as library:
        library.bulk_save(records())
        assert library.count() == count, library.count()
    return corpus


def timed(session: requests.Session, url: str, repeats: int) -> tuple[float, float, int]:
    """Median and slowest milliseconds of GET url, and the answer's size in bytes."""
    size = len(session.get(url, timeout=60).content)  # warm-up: the first request pays for cold caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = session.get(url, timeout=60)
        response.raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tidyclip-bench-review-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        corpus = fill(data_dir, args.clips)
        print(f"filled {args.clips:,} clips in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        server = ServerProcess(data_dir).start(timeout=120)
        try:
            session = requests.Session()
            common, rare = corpus.words[0], corpus.words[len(corpus.words) // 2]
            some_id = session.get(f"{server.base_url}/api/clips?limit=1", headers=server.headers(), timeout=60).json()["items"][0]["id"]
            cases = [
                ("list, newest first", "/", "/api/clips?sort=newest"),
                ("list, page 100", "/?page=100", f"/api/clips?sort=newest&offset={99 * REVIEW_PAGE_SIZE}"),
                ("list, sorted by title", "/?sort=title", "/api/clips?sort=title"),
                (f"search, a word in every clip ({common!r})", f"/?q={common}", f"/api/clips?q={common}"),
                (f"search, a rarer word ({rare!r})", f"/?q={rare}", f"/api/clips?q={rare}"),
                ("filter by site", "/?site=Site+7", "/api/clips?site=Site+7"),
                ("filter by tag", "/?tag=topic3", "/api/clips?tag=topic3"),
                ("filter by date range", "/?from=2024-03-01&to=2024-03-31", "/api/clips?from=2024-03-01&to=2024-03-31"),
                ("one per story", "/?one_per_story=1", "/api/clips?sort=newest"),
                ("reader view of one clip", f"/clips/{some_id}", f"/api/clips/{some_id}"),
            ]
            print(f"\n{args.clips:,} clips, {REVIEW_PAGE_SIZE} a page, {args.repeats} requests each; ms median (slowest)\n")
            print("| page | review page | API JSON (baseline) | page size |")
            print("|---|---:|---:|---:|")
            worst = 0.0
            for label, page, api in cases:
                page_median, page_max, page_size = timed(session, server.base_url + page, args.repeats)
                api_url = server.base_url + api + ("" if "/clips/" in api and "?" not in api else f"&limit={REVIEW_PAGE_SIZE}")
                session.headers.update(server.headers())
                api_median, api_max, _ = timed(session, api_url, args.repeats)
                del session.headers["Authorization"]
                worst = max(worst, page_median)
                print(f"| {label} | {page_median:.1f} ({page_max:.1f}) | {api_median:.1f} ({api_max:.1f}) | {page_size / 1024:.0f} KiB |")
            verdict = "within" if worst <= LIMIT_MS else "OVER"
            print(f"\nslowest review page median: {worst:.1f} ms ({verdict} the {LIMIT_MS} ms budget)")
        finally:
            server.stop()
    return 0 if worst <= LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
