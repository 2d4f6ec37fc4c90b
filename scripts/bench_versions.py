#!/usr/bin/env python
"""Versions (issue 15): what keeping earlier versions costs, beside what the same work costs without them.

1. The diff of two 10,000-word versions (textdiff.diff) beside difflib's SequenceMatcher on the
   same two word lists (the obvious way to do it), for a few edits, many edits and two unrelated texts.
2. A clip with 50 versions opened in the reader (GET /clips/<id> against a real `tidyclip serve`),
   beside a clip of one version of the same size; its versions list, and the diff view of its last change.
3. Saving at a store of --size clips (default 100,000, filled through Library.bulk_save as in
   bench_store.py), timed turn about so all see the same load: a new clip (what bench_store.py
   measures), the same page again with the same text (no version), the same page with a changed
   text (a new version); then the new-clip save again once 1,000 clips have 5 versions each.
4. `--beside SERVER_DIR`: a new clip's save at --size clips by the code before versions and by this
   code on one store, turn about, each turn a fresh process of one or the other.

    .venv/bin/python scripts/bench_versions.py [--size 100000] [--skip-store]
    .venv/bin/python scripts/bench_versions.py --beside /tmp/main/server   # after: git archive main | tar -x -C /tmp/main
"""

import argparse
import difflib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from bench_store import BATCH, Corpus, as_record, median_ms  # noqa: E402  (beside this script)
from conftest import ServerProcess  # noqa: E402  (the test harness's server)
from tidyclip.library import Library  # noqa: E402

WORDS_PER_PARAGRAPH = 100


def ten_thousand_words(corpus: Corpus) -> list[str]:
    """100 paragraphs of 100 words."""
    return [corpus.text(WORDS_PER_PARAGRAPH).replace("\n\n", " ") for _ in range(100)]


def edited(paragraphs: list[str], rng: random.Random, every: int, words: int) -> list[str]:
    """Every `every`-th paragraph with `words` words replaced; one paragraph added, one moved."""
    result = []
    for n, paragraph in enumerate(paragraphs):
        tokens = paragraph.split()
        if n % every == 0:
            for _ in range(words):
                tokens[rng.randrange(len(tokens))] = "changed"
        result.append(" ".join(tokens))
    result.insert(50, " ".join(rng.choice(paragraphs[0].split()) for _ in range(WORDS_PER_PARAGRAPH)))
    result.append(result.pop(10))
    return result


def bench_diff() -> list[dict]:
    from tidyclip import textdiff  # here: --save-only runs with the code before versions too

    corpus, rng = Corpus(seed=11), random.Random(3)
    older = ten_thousand_words(corpus)
    cases = {
        "a few edits (5 paragraphs, +1, 1 moved)": edited(older, rng, 20, 3),
        "many edits (every third paragraph)": edited(older, rng, 3, 5),
        "two unrelated texts": ten_thousand_words(corpus),
    }
    rows = []
    for label, newer in cases.items():
        a, b = "\n\n".join(older), "\n\n".join(newer)
        ours = median_ms(lambda a=a, b=b: textdiff.diff(a, b), 5)
        words_a, words_b = a.split(), b.split()
        baseline = median_ms(lambda a=words_a, b=words_b: difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes(), 3)
        row = {"case": label, "words": (len(words_a), len(words_b)), "textdiff_ms": round(ours, 1),
               "difflib_words_ms": round(baseline, 1), "summary": textdiff.summary(textdiff.diff(a, b))}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def article(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return f"<!doctype html><html><head><title>Story</title></head><body><article><h1>Story</h1>{body}</article></body></html>"


def bench_reader(versions: int = 50, repeats: int = 30) -> dict:
    corpus = Corpus(seed=5)
    base = [corpus.text(80).replace("\n\n", " ") for _ in range(12)]  # about 1,000 words, a long news story
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as tmp:
        server = ServerProcess(Path(tmp) / "data").start()  # the test harness's real `tidyclip serve`
        try:
            url, headers = server.base_url, server.headers()
            session = requests.Session()

            def post(page_url: str, paragraphs: list[str]) -> dict:
                return session.post(url + "/api/clips", json={"url": page_url, "html": article(paragraphs)}, headers=headers, timeout=120).json()

            single = post("https://news.example.com/one", base)
            for n in range(versions):
                clip = post("https://news.example.com/many", [*base[:6], f"Update {n}: {corpus.text(30)}", *base[6:]])
            assert clip["versions"] == versions, clip["versions"]

            def get(path: str) -> None:
                response = session.get(url + path, headers=headers, timeout=60)
                assert response.status_code == 200, response.status_code

            timed = {"one_version_reader_ms": f"/clips/{single['id']}", f"{versions}_versions_reader_ms": f"/clips/{clip['id']}",
                     f"{versions}_versions_api_list_ms": f"/api/clips/{clip['id']}/versions",
                     f"{versions}_versions_diff_view_ms": f"/clips/{clip['id']}/diff",
                     f"{versions}_versions_version_1_ms": f"/clips/{clip['id']}?version=1"}
            samples: dict[str, list[float]] = {name: [] for name in timed}
            for _ in range(repeats):  # turn about: every page sees the same load
                for name, path in timed.items():
                    samples[name].append(median_ms(lambda path=path: get(path), 1))
            row = {name: round(statistics.median(values), 2) for name, values in samples.items()}
            row["words"] = clip["word_count"]
        finally:
            server.stop()
    print(json.dumps(row), flush=True)
    return row


def bench_store_saves(size: int, page_html: str, rounds: int = 20) -> dict:
    corpus = Corpus()
    with tempfile.TemporaryDirectory(prefix="bench-versions-store-") as tmp:
        library = Library.open(Path(tmp) / "data")
        start = time.perf_counter()
        filled = 0
        while filled < size:
            filled += library.bulk_save((corpus.clip(n), page_html[:4000]) for n in range(filled, min(size, filled + BATCH)))
        fill_s = time.perf_counter() - start
        kinds: dict[str, list[float]] = {"new clip": [], "same text again": [], "changed text (new version)": []}
        made = []
        for n in range(rounds):
            fresh = as_record(corpus.clip(30_000_000 + n))
            changed = {**fresh, "text": fresh["text"] + f"\n\nA paragraph added in round {n}.", "word_count": fresh["word_count"] + 6}
            for kind, record in (("new clip", fresh), ("same text again", fresh), ("changed text (new version)", changed)):
                kinds[kind].append(median_ms(lambda record=record: library.import_record(record, page_html), 1))
            made.append(fresh["id"])
        # a store where 1,000 clips have 5 versions: does a new clip cost more?
        for n in range(1_000):
            record = as_record(corpus.clip(n))
            for round_ in range(4):
                library.import_record({**record, "text": record["text"] + f"\n\nRevision {round_}."}, None)
        with_versions = []
        for n in range(rounds):
            record = as_record(corpus.clip(40_000_000 + n))
            with_versions.append(median_ms(lambda record=record: library.import_record(record, page_html), 1))
            made.append(record["id"])
        assert library.get(as_record(corpus.clip(0))["id"])["versions"] == 5
        row = {"size": size, "fill_s": round(fill_s, 1)}
        row.update({f"save {kind} ms": round(statistics.median(times), 2) for kind, times in kinds.items()})
        row["save new clip, 1,000 clips with 5 versions, ms"] = round(statistics.median(with_versions), 2)
        library.close()
    print(json.dumps(row), flush=True)
    return row


def bench_saves_beside(size: int, before: Path, page_html: str, turns: int = 6, per_turn: int = 10) -> dict:
    """A new clip's save at `size` clips by the code before versions (`before`: a checkout's server/
    folder) and by this code, on one store, turn about (each turn a fresh process of one or the other
    saves `per_turn` clips), so both see the same store and the same machine load."""
    corpus = Corpus()
    times: dict[str, list[float]] = {"before versions": [], "with versions": []}
    with tempfile.TemporaryDirectory(prefix="bench-versions-beside-") as tmp:
        data = Path(tmp) / "data"
        with Library.open(data) as library:
            filled = 0
            while filled < size:
                filled += library.bulk_save((corpus.clip(n), page_html[:4000]) for n in range(filled, min(size, filled + BATCH)))
        for turn in range(turns):
            for number, (label, code) in enumerate((("before versions", before), ("with versions", ROOT / "server"))):
                first = 30_000_000 + (2 * turn + number) * per_turn
                done = subprocess.run(
                    [sys.executable, __file__, "--time-saves", str(data), str(first), str(per_turn)],
                    env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True, check=True, cwd=ROOT,
                )
                times[label] += json.loads(done.stdout)
    row = {"size": size, **{f"save new clip, {label}, ms": round(statistics.median(values), 2) for label, values in times.items()}}
    print(json.dumps(row), flush=True)
    return row


def time_saves(data: Path, first: int, count: int) -> None:
    """Save `count` new clips into the store at `data` with whatever tidyclip is on PYTHONPATH; print the times."""
    from bench_store import typical_news_page

    corpus, page_html = Corpus(), typical_news_page()[0]
    records = iter([as_record(corpus.clip(first + n)) for n in range(count)])
    with Library.open(data) as library:
        library.import_record(as_record(corpus.clip(first - 1_000_000)), page_html)  # warm: the first write after open
        print(json.dumps([median_ms(lambda: library.import_record(next(records), page_html), 1) for _ in range(count)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="clips in the store for the save timings")
    parser.add_argument("--skip-store", action="store_true", help="only the diff and reader timings")
    parser.add_argument("--beside", type=Path, metavar="SERVER_DIR",
                        help="only a new clip's save at --size, by the code in SERVER_DIR (a checkout of main's server/) and by this code, turn about")
    parser.add_argument("--time-saves", nargs=3, metavar=("DATA", "FIRST", "COUNT"), help=argparse.SUPPRESS)  # one turn of --beside
    args = parser.parse_args()
    if args.time_saves:
        time_saves(Path(args.time_saves[0]), int(args.time_saves[1]), int(args.time_saves[2]))
        return
    if args.beside:
        from bench_store import typical_news_page

        bench_saves_beside(args.size, args.beside.resolve(), typical_news_page()[0])
        return
    bench_diff()
    bench_reader()
    if not args.skip_store:
        from bench_store import typical_news_page

        bench_store_saves(args.size, typical_news_page()[0])


if __name__ == "__main__":
    main()
