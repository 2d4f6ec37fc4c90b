#!/usr/bin/env python
"""Reading speed: the list filtered by reading state and favourite over a large store, and the reader
opening a clip with many highlights, each beside its baseline in the same run.

1. A store of 100,000 clips (bench_store.py's synthetic Zipf clips, through Library.bulk_save): 30%
   archived, 10% favourites. Timed: Library.search for each filter (the page of 50 and the total),
   and GET /api/clips with the same filters on a real `tidyclip serve`; the baseline is the unfiltered
   list of the newest 50 (what the list cost before the states existed).
2. A clip of about 8,000 words (a long read) with 500 highlights (and the same clip without any, the baseline),
   opened in headless Chromium: the time from navigation until reading.js has marked every highlight
   and restored the position (its `tidyclip-reader-ready` performance mark), and the server's answer
   to GET /clips/<id> alone.

    .venv/bin/python scripts/bench_reading.py [--clips 100000] [--highlights 500] [--repeats 9] [--reader-only]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_store import BATCH, Corpus, median_ms  # noqa: E402  (the store benchmark's synthetic clips)
from conftest import CHROMIUM, CHROMIUM_ARGS, ServerProcess  # noqa: E402  (the test harness's real server)
from tidyclip.library import Library  # noqa: E402

FILTERS = {
    "no filter (baseline)": {},
    "state=unread": {"state": "unread"},
    "state=archived": {"state": "archived"},
    "favorite=true": {"favorite": True},
    "state=archived&favorite=true": {"state": "archived", "favorite": True},
    "state=unread&favorite=false": {"state": "unread", "favorite": False},
}


def fill(data_dir: Path, count: int) -> None:
    corpus = Corpus()
    rng = random.Random(11)
    with Library.open(data_dir) as library:
        for start in range(0, count, BATCH):
            def batch(start: int = start):
                for n in range(start, min(count, start + BATCH)):
                    clip = corpus.clip(n)
                    clip.update(state="archived" if rng.random() < 0.3 else "unread", favorite=rng.random() < 0.1)
                    yield clip, None

            library.bulk_save(batch())


def bench_filters(data_dir: Path, repeats: int) -> list[dict]:
    rows = []
    with Library.open(data_dir) as library:
        for label, filters in FILTERS.items():
            rows.append({
                "filter": label,
                "matches": library.search(limit=1, **filters)[1],
                "library_ms": round(median_ms(lambda filters=filters: library.search(limit=50, **filters), repeats), 2),
            })
    server = ServerProcess(data_dir).start(timeout=300)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {server.token}"
        for row, filters in zip(rows, FILTERS.values(), strict=True):
            params = {key: (str(value).lower() if isinstance(value, bool) else value) for key, value in filters.items()}

            def get(params: dict = params) -> None:
                assert session.get(f"{server.base_url}/api/clips", params={"limit": 50, **params}, timeout=60).status_code == 200

            get()
            row["http_ms"] = round(median_ms(get, repeats), 2)
    finally:
        server.stop()
    return rows


def long_article(paragraphs: int) -> str:
    rng = random.Random(5)
    words = Corpus().words[:3000]
    body = "".join(f"<p>Paragraph {n}: " + " ".join(rng.choice(words) for _ in range(60))
                   + (f" <a href='https://example.org/{n}'>link {n}</a> <em>and emphasis {n}</em>." if n % 3 == 0 else ".") + "</p>"
                   for n in range(paragraphs))
    return f"<!doctype html><html><head><title>Long read</title></head><body><article><h1>Long read</h1>{body}</article></body></html>"


def bench_reader(data_dir: Path, highlights: int, repeats: int) -> list[dict]:
    page = long_article(125)  # about 8,000 words: a long read
    with Library.open(data_dir) as library:
        marked, _ = library.clip_page("https://reading.example/long-marked", page)
        plain, _ = library.clip_page("https://reading.example/long-plain", page)
        paragraphs = marked["text"].split("\n\n")
        passages = [{"quote": paragraphs[n % len(paragraphs)][10 + (n // len(paragraphs)) * 90:][:80],
                     "note": f"note {n}" if n % 2 else ""} for n in range(highlights)]
        made = library.add_highlights(marked["id"], passages, keep_detached=False)
        assert len(made) == highlights, len(made)
    server = ServerProcess(data_dir).start(timeout=120)
    rows = []
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            clips = {"no highlights (baseline)": plain, f"{highlights} highlights": marked}
            opened: dict[str, list[float]] = {label: [] for label in clips}
            served: dict[str, list[float]] = {label: [] for label in clips}
            marks: dict[str, int] = {}
            for _ in range(repeats + 1):  # the two clips in turn, so the machine's load falls on both alike
                for label, clip in clips.items():
                    url = f"{server.base_url}/clips/{clip['id']}"
                    tab = browser.new_page()
                    tab.goto(url)
                    tab.wait_for_selector('.clip-article[data-ready="true"]')
                    opened[label].append(tab.evaluate("performance.getEntriesByName('tidyclip-reader-ready')[0].startTime"))
                    marks[label] = tab.locator("#content mark.hl").count()
                    tab.close()
                    start = time.perf_counter()
                    requests.get(url, timeout=60).raise_for_status()
                    served[label].append((time.perf_counter() - start) * 1000)
            for label, clip in clips.items():  # the first round warmed up
                rows.append({"clip": label, "words": clip["word_count"], "marks shown": marks[label],
                             "open_in_chromium_ms": round(statistics.median(opened[label][1:]), 1),
                             "slowest_ms": round(max(opened[label][1:]), 1),
                             "server_page_ms": round(statistics.median(served[label][1:]), 1)})
            browser.close()
    finally:
        server.stop()
    return rows


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[key]) for key in keys) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=100_000)
    parser.add_argument("--highlights", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--reader-only", action="store_true", help="only the reader part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidyclip-bench-reading-") as temp:
        if not args.reader_only:
            started = time.perf_counter()
            fill(Path(temp) / "store", args.clips)
            print(f"filled {args.clips:,} clips in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            print(f"## List filtered by reading state, {args.clips:,} clips (page of 50 and the total)\n")
            print(table(bench_filters(Path(temp) / "store", args.repeats)))
        print(f"\n## Reader: a clip with {args.highlights} highlights\n")
        print(table(bench_reader(Path(temp) / "reader", args.highlights, args.repeats)))


if __name__ == "__main__":
    main()
