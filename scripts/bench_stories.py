#!/usr/bin/env python3
"""Same story detection at scale.

Fills real stores (Library.bulk_save) of 100, 10,000 and 100,000 clips, brings their stories indexes
in step (Library.follow_stories: every clip fingerprinted and paired), then measures, in this process,
taking one sample of each size in turn:
- linking alone (the story index taking in one saved clip from the store's change feed), for a clip
  telling a new story and for a re-post of a stored one;
- a whole save of a page with stories on (Library.clip_page: engine + store + links) next to the same
  save without stories (make_clip + Library.import_record): the server's saving bound is save at
  100,000 <= 2x save at 100.
Stored texts are made of words drawn from the shared corpus's gold articles (by their frequency), a
paragraph of site chrome on half of them, and a re-post (a paragraph cut) of an earlier clip every
100 clips, so candidates and confirmations happen as they would in a real collection.

    .venv/bin/python scripts/bench_stories.py [--sizes 100,10000,100000] [--samples 60] [--keep DIR]
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from tidyclip import stories  # noqa: E402
from tidyclip.clip import empty_cleaning  # noqa: E402
from tidyclip.engine import make_clip  # noqa: E402
from tidyclip.library import Library  # noqa: E402
from tidyclip.urls import normalize_url, url_id  # noqa: E402

GOLD = ROOT.parent / "shared" / "corpus" / "aeb-dev" / "ground-truth.json"
CHROME = [f"Sign up for the {name} newsletter and get our best stories every morning. Follow us on social media "
          f"for breaking news, and tell us what you think in the comments below." for name in
          ("Daily", "Evening", "Weekend", "Morning", "Tech", "Sports", "Business", "Local", "World", "Science")]
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sports">Sports</a></nav></header>
<article><h1>{title}</h1><p class="byline">By Staff</p>{body}</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Another story</a></li><li><a href="/b">And another</a></li></ul></aside>
<footer>Copyright 2026 Example News. All rights reserved.</footer></body></html>"""


class Texts:
    """Article-like texts from the corpus's word frequencies, the same for the same seed."""

    def __init__(self, seed: int = 7):
        gold = json.loads(GOLD.read_text(encoding="utf-8"))
        counts = Counter(word for item in gold.values() for word in re.findall(r"[a-zA-Z']+", item["articleBody"]))
        self.words = list(counts)
        total, self.cumulative = 0, []
        for word in self.words:
            total += counts[word]
            self.cumulative.append(total)
        self.rng = random.Random(seed)

    def paragraphs(self, count: int = 5) -> list[str]:
        made = []
        for _ in range(count):
            words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(40, 80))
            made.append(" ".join(words).capitalize() + ".")
        if self.rng.random() < 0.5:
            made.append(self.rng.choice(CHROME))
        return made


def record(number: int, paragraphs: list[str], prefix: str = "stored") -> dict:
    text = "\n\n".join(paragraphs)
    url = f"https://site{number % 97}.example/{prefix}/{number}"
    return {
        "id": url_id(normalize_url(url)), "created": "2026-01-01T00:00:00.000Z", "updated": "2026-01-01T00:00:00.000Z",
        "tags": [], "note": "", "url": url, "canonical_url": None,
        "title": f"Story {prefix} {number}", "author": None, "site": f"site{number % 97}.example", "published": None,
        "lang": "en", "excerpt": paragraphs[0][:200], "image": None, "text": text, "markdown": text,
        "html": "".join(f"<p>{p}</p>" for p in paragraphs), "word_count": len(text.split()), "cleaning": empty_cleaning(),
    }


def repost(paragraphs: list[str]) -> list[str]:
    """Another outlet's copy: one paragraph cut."""
    return paragraphs[:2] + paragraphs[3:]


class Collection:
    """The store and the stories index, grown together."""

    def __init__(self, data_dir: Path, texts: Texts):
        self.library = Library.open(data_dir)
        self.data_dir = data_dir
        self.texts = texts
        self.stored: list[list[str]] = []  # paragraphs of each stored clip, to re-post some
        self.fill_seconds = 0.0
        self.index_seconds = 0.0

    def grow_to(self, size: int) -> None:
        batch = []
        for number in range(self.library.count(), size):
            if number % 100 == 99:
                paragraphs = repost(self.stored[self.texts.rng.randrange(len(self.stored))])
            else:
                paragraphs = self.texts.paragraphs()
            self.stored.append(paragraphs)
            batch.append(record(number, paragraphs))
        started = time.perf_counter()
        self.library.bulk_save((clip, None) for clip in batch)
        self.fill_seconds += time.perf_counter() - started
        started = time.perf_counter()
        assert self.library.follow_stories()
        self.index_seconds += time.perf_counter() - started
        os.sync()  # write the fill out now, not while saves are being timed
        assert self.library.count() >= size


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


class Sampler:
    """The four figures for one collection, one sample at a time."""

    def __init__(self, collection: Collection, tag: str):
        self.collection, self.tag = collection, tag
        self.library = collection.library
        self.times: dict[str, list[float]] = {"link_new": [], "link_copy": [], "save_without": [], "save_with": []}

    def sample(self, number: int) -> None:
        library, texts, stored = self.library, self.collection.texts, self.collection.stored
        # link alone: the clip is saved first, then the story index takes it in.
        for figure, paragraphs in (("link_new", texts.paragraphs()),
                                   ("link_copy", repost(stored[texts.rng.randrange(len(stored))]))):
            clip = record(number, paragraphs, prefix=f"{self.tag}-{figure}")
            library.import_record(clip, None)
            started = time.perf_counter()
            library.follow_stories()
            self.times[figure].append(time.perf_counter() - started)
            similar = library.get(clip["id"])["similar"]
            assert (figure == "link_copy") == bool(similar), "a re-post must find its story, a new story nothing"
        # a whole save of a page: without stories (make_clip + import_record), then with (Library.clip_page)
        for figure in ("save_without", "save_with"):
            paragraphs = texts.paragraphs()
            html = PAGE.format(title=f"Page {number}", body="".join(f"<p>{p}</p>" for p in paragraphs))
            url = f"https://pages.example/{self.tag}/{figure}/{number}"
            started = time.perf_counter()
            if figure == "save_without":
                made = make_clip(html, url)
                library.import_record({**made, "id": url_id(normalize_url(url)), "created": "2026-01-01T00:00:00.000Z",
                                       "updated": "2026-01-01T00:00:00.000Z", "tags": [], "note": ""}, html)
                self.times[figure].append(time.perf_counter() - started)
                library.follow_stories()  # untimed: the next link must not have to catch up with it
            else:
                library.clip_page(url, html)
                self.times[figure].append(time.perf_counter() - started)

    def medians(self) -> dict[str, float]:
        return {figure: median_ms(samples) for figure, samples in self.times.items()}


def time_rebuild(data_dir: Path) -> tuple[int, float]:
    """Seconds until the story index is whole again after stories.sqlite was deleted: every stored
    clip fingerprinted and paired from the store's texts."""
    for suffix in ("", "-wal", "-shm"):
        (data_dir / (stories.INDEX_FILE + suffix)).unlink(missing_ok=True)
    with Library.open(data_dir) as library:
        started = time.perf_counter()
        assert library.follow_stories()
        return library.count(), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--keep", help="build the stores in this folder (kept) instead of a temp dir")
    parser.add_argument("--rebuild", action="store_true",
                        help="then delete the largest store's stories.sqlite and time its rebuild from the store")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    with tempfile.TemporaryDirectory() as scratch:
        texts = Texts()
        collections = {}
        for size in sizes:
            collection = collections[size] = Collection(Path(args.keep or scratch) / f"data-{size}", texts)
            collection.grow_to(size)
            print(f"stored {size} clips: store fill {collection.fill_seconds:.0f}s, stories index fill "
                  f"{collection.index_seconds:.0f}s", file=sys.stderr, flush=True)
        # One sample of every size in turn, so the machine's ups and downs fall on all sizes alike.
        samplers = {size: Sampler(collection, tag=f"n{size}") for size, collection in collections.items()}
        for number in range(args.samples):
            for sampler in samplers.values():
                sampler.sample(number)
        results = {size: sampler.medians() for size, sampler in samplers.items()}
        for size, collection in collections.items():
            results[size]["index_mb"] = (collection.data_dir / stories.INDEX_FILE).stat().st_size / 1e6
            collection.library.close()
        largest = collections[sizes[-1]]
        rebuild = time_rebuild(largest.data_dir) if args.rebuild else None

    print(f"\n{args.samples} samples per figure, medians in ms, sizes measured in turn; stories index brought "
          f"in step at {len(largest.stored) / max(largest.index_seconds, 1e-9):.0f} clips/s\n")
    print("| stored clips | link: new story | link: re-post found | save without stories | save with stories | stories.sqlite |")
    print("|---|---|---|---|---|---|")
    for size, row in results.items():
        print(f"| {size:,} | {row['link_new']:.1f} | {row['link_copy']:.1f} | {row['save_without']:.1f} | "
              f"{row['save_with']:.1f} | {row['index_mb']:.0f} MB |")
    first, last = results[sizes[0]], results[sizes[-1]]
    if rebuild:
        print(f"\nrebuilding stories.sqlite from the store (after it was deleted), "
              f"{rebuild[0]:,} clips: {rebuild[1]:.0f} s ({rebuild[0] / rebuild[1]:.0f} clips/s)")
    print(f"\nsave with stories at {sizes[-1]:,} / at {sizes[0]:,}: {last['save_with'] / first['save_with']:.2f}x "
          f"(bound: <= 2x); without stories: {last['save_without'] / first['save_without']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
