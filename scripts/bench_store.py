#!/usr/bin/env python
"""Store and API speed: tidyclip's sharded store beside plain TinyDB, in one process.

For stores of 100, 10,000 and 100,000 clips (filled through Library.bulk_save, the store's own bulk
path): the time to save one more clip through the Library's door (Library.import_record: the whole
clip checked, journaled, put in place, indexed, with its original page), to list the newest 50 and
to run full-text searches (Library.search: with the story links joined in). The baseline is TinyDB as
the issue measured it: one JSON file holding every clip, rewritten on each insert, and searched by
scanning. Then POST /api/clips against a real `tidyclip serve` for a typical news page (the
median-sized page of the shared corpus), beside the engine's own time for that page.

`--faults`: instead, 30 rounds of kill -9 at random moments under mixed POST/PATCH/DELETE/import/
reclean from 8 clients, each followed by a restart and a check of every promise (tests/fault_rounds.py).

    .venv/bin/python scripts/bench_store.py [--sizes 100,10000,100000] [--posts 30] [--runs 1] [--post-only]
    .venv/bin/python scripts/bench_store.py --faults [--rounds 30]
"""

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from tinydb import Query, TinyDB

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
sys.path.insert(0, str(ROOT / "tests"))
from conftest import free_port  # noqa: E402  (the test harness's free-port helper)
from tidyclip.engine import make_clip  # noqa: E402
from tidyclip.library import Library  # noqa: E402
from tidyclip.urls import normalize_url, url_id  # noqa: E402

VOCABULARY_SIZE = 20_000
WORDS_PER_CLIP = 400
BATCH = 5_000
#: Baseline TinyDB (one file) is only measured up to this size: at 100,000 one insert rewrites ~1 GB.
BASELINE_MAX = 10_000


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


class Corpus:
    """Synthetic clips whose word frequencies follow Zipf's law, like real text."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def text(self, n_words: int) -> str:
        chosen = self.rng.choices(self.words, self.weights, k=n_words)
        return "\n\n".join(" ".join(chosen[i:i + 60]) for i in range(0, n_words, 60))

    def clip(self, n: int) -> dict:
        text = self.text(WORDS_PER_CLIP)
        title = " ".join(self.rng.choices(self.words, self.weights, k=6))
        return {
            "url": f"https://site{n % 50}.example.com/articles/{n}", "canonical_url": None, "title": title,
            "author": None, "site": f"Site {n % 50}", "published": "2024-01-01", "lang": "en",
            "excerpt": text[:150], "image": None, "text": text, "markdown": text,
            "html": "".join(f"<p>{para}</p>" for para in text.split("\n\n")), "word_count": WORDS_PER_CLIP,
            "cleaning": {"removed": []},
        }


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def typical_news_page() -> tuple[str, str]:
    """The median-sized page of the shared corpus (aeb-dev), with its URL."""
    folder = SHARED / "corpus" / "aeb-dev"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted((folder / "html").glob("*.html"), key=lambda path: path.stat().st_size)
    page = pages[len(pages) // 2]
    return page.read_text(encoding="utf-8", errors="replace"), truth.get(page.stem, {}).get("url", f"https://news.example.com/{page.stem}")


def bench_sizes(sizes: list[int], page_html: str) -> list[dict]:
    corpus = Corpus()
    # Zipf ranks: word 0 is in every clip (like "the"), word 300 in about a tenth, word 5000 in a few.
    queries = {
        "rare word": corpus.words[5_000], "tenth word": corpus.words[300], "everywhere word": corpus.words[0],
        "two words": f"{corpus.words[40]} {corpus.words[200]}", "prefix": corpus.words[0][:4] + "*",
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        library = Library.open(Path(tmp) / "data")
        filled = 0
        next_id = 0
        for size in sizes:
            start = time.perf_counter()
            while filled < size:
                batch = min(BATCH, size - filled)
                filled += library.bulk_save((corpus.clip(next_id + i), page_html[:4000]) for i in range(batch))
                next_id += batch
            fill_s = time.perf_counter() - start
            extra = [as_record(corpus.clip(10_000_000 + size + i)) for i in range(20)]
            saves = iter(extra)
            save_ms = median_ms(lambda: library.import_record(next(saves), page_html), len(extra))
            for clip in extra:  # keep the store at its nominal size for the next round
                library.delete(clip["id"])
            row = {
                "size": size, "fill_s": round(fill_s, 1), "save_ms": round(save_ms, 2),
                "list_newest_50_ms": round(median_ms(lambda: library.search(limit=50), 15), 2),
            }
            for label, q in queries.items():
                row[f"search {label} ms"] = round(median_ms(lambda q=q: library.search(q=q, limit=50), 9), 2)
                row[f"search {label} newest ms"] = round(median_ms(lambda q=q: library.search(q=q, sort="newest", limit=50), 5), 2)
                row[f"search {label} hits"] = library.search(q=q, limit=1)[1]
            row.update(baseline(size, corpus, queries["rare word"]) if size <= BASELINE_MAX else {})
            print(json.dumps(row), flush=True)
            rows.append(row)
        library.close()
    return rows


def as_record(clip: dict) -> dict:
    """A synthetic clip as a whole stored record (what an import or an undo saves)."""
    moment = "2026-01-01T00:00:00.000Z"
    return {**clip, "id": url_id(normalize_url(clip["url"])), "created": moment, "updated": moment, "tags": [], "note": ""}


def baseline(size: int, corpus: Corpus, word: str) -> dict:
    """Plain TinyDB: every clip in one JSON file, one insert rewrites it, search scans it."""
    with tempfile.TemporaryDirectory(prefix="bench-tinydb-") as tmp:
        db = TinyDB(Path(tmp) / "db.json")
        db.insert_multiple(corpus.clip(n) for n in range(size))
        extra = iter(corpus.clip(20_000_000 + n) for n in range(5))
        insert_ms = median_ms(lambda: db.insert(next(extra)), 5)
        clip = Query()
        def scan() -> None:
            db.clear_cache()  # TinyDB caches query results; a new query would not be cached
            db.search(clip.text.search(word) | clip.title.search(word))

        search_ms = median_ms(scan, 3)
        db.close()
    return {"tinydb_insert_ms": round(insert_ms, 2), "tinydb_scan_search_ms": round(search_ms, 2)}


def bench_post(page_html: str, url: str, posts: int) -> dict:
    """POST p50 beside the engine's p50, timed turn about so both see the same machine load.

    Each page is posted twice over: once through http.client on one kept-alive connection (the
    headline: little more than the bytes on the socket, as a browser's fetch sends them), once
    through requests (whose own work adds about 1 ms a call), so both clients see the same server."""
    with tempfile.TemporaryDirectory(prefix="bench-post-") as tmp:
        data, port = Path(tmp) / "data", free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "tidyclip", "serve", "--port", str(port), "--data-dir", str(data)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if requests.get(base + "/api/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            headers = {"Authorization": f"Bearer {(data / 'token').read_text().strip()}", "Content-Type": "application/json"}
            session = requests.Session()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

            def lean_post(body: bytes) -> tuple[int, bytes]:
                connection.request("POST", "/api/clips", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()

            def requests_post(body: bytes) -> tuple[int, bytes]:
                response = session.post(base + "/api/clips", data=body, headers=headers, timeout=120)
                return response.status_code, response.content

            times: dict[str, list[float]] = {"lean": [], "requests": []}
            engine_times = []
            for n in range(2 * posts + 2):
                engine_times.append(median_ms(lambda: make_clip(page_html, url), 1))
                # The body as the extension sends it, encoded before the clock starts: encoding it is
                # the client's work (JSON.stringify in the browser), not the server's.
                body = json.dumps({"url": f"{url}?page={n}", "html": page_html}).encode("utf-8")
                client, post = ("lean", lean_post) if n % 2 == 0 else ("requests", requests_post)
                start = time.perf_counter()
                status, answer = post(body)
                times[client].append((time.perf_counter() - start) * 1000)
                if status != 201:
                    raise RuntimeError(f"POST answered {status}: {answer[:200]!r}")
                # Delete it again (untimed): the same text under 30 URLs would be one story told 30
                # times, and linking it to every copy is not what posting a page usually costs.
                session.delete(f"{base}/api/clips/{json.loads(answer)['id']}", headers=headers, timeout=120).raise_for_status()
            # The first request of each client opens everything: left out.
            post_ms = {client: statistics.median(values[1:]) for client, values in times.items()}
            engine_ms = statistics.median(engine_times[2:])
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"page_kb": round(len(page_html.encode()) / 1024, 1), "posts": posts, "engine_p50_ms": round(engine_ms, 1),
            "post_p50_ms": round(post_ms["lean"], 1), "ratio": round(post_ms["lean"] / engine_ms, 2),
            "post_requests_p50_ms": round(post_ms["requests"], 1), "ratio_requests": round(post_ms["requests"] / engine_ms, 2)}


def bench_faults(rounds: int) -> None:
    from fault_rounds import run_rounds

    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        start = time.perf_counter()
        problems = run_rounds(Path(tmp) / "data", rounds, report=lambda line: print(line, flush=True))
    print(json.dumps({"faults": {"rounds": rounds, "problems": problems, "minutes": round((time.perf_counter() - start) / 60, 1)}}))
    if problems:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--runs", type=int, default=1, help="POST runs, each against a fresh server")
    parser.add_argument("--post-only", action="store_true", help="only the POST latency, no store sizes")
    parser.add_argument("--faults", action="store_true", help="kill -9 rounds under mixed writes instead of speed")
    parser.add_argument("--rounds", type=int, default=30, help="--faults: how many rounds")
    args = parser.parse_args()
    if args.faults:
        bench_faults(args.rounds)
        return
    page_html, url = typical_news_page()
    for _ in range(args.runs):
        print(json.dumps({"post": bench_post(page_html, url, args.posts)}), flush=True)
    if args.sizes and not args.post_only:
        bench_sizes([int(size) for size in args.sizes.split(",")], page_html)


if __name__ == "__main__":
    main()
