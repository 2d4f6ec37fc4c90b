#!/usr/bin/env python3
"""Clip quality and engine speed: tidyclip's make_clip next to plain trafilatura.extract, same pages, same run.

    .venv/bin/python scripts/bench_quality.py ../shared/corpus/aeb-dev ../shared/corpus/dirty-dev [--precision]

Each DIR is one of the corpus layouts (../shared/corpus/README.md): aeb-dev (`html/<key>.html` +
`ground-truth.json`) or dirty-dev (`<case>/page.html` + `gold.json`). Figures, as the corpus README
defines them: F1 / precision / recall on 4-token shingles, pages with a repeat left, comment leak,
lost paragraphs, median over pages of the fastest of `--repeat` runs of each page (extraction and
cleaning only). `--precision` adds trafilatura with favor_precision=True, include_comments=False as a
third column; `--scramble-names` replaces every class and id by a hash first.
"""

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import trafilatura
from rapidfuzz import fuzz, process

from tidyclip.engine import make_clip
from tidyclip.engine.decode import decode_html
from tidyclip.errors import BadInput

_TOKEN = re.compile(r"\w+")
SHINGLE = 4
DUP_MIN_CHARS = 40
DUP_SIMILARITY = 90
COMMENT_MIN_TOKENS = 5
LOST_MIN_CHARS = 60


@dataclass
class Case:
    key: str
    url: str
    html: str
    gold: str
    comments: list[str] = field(default_factory=list)


@dataclass
class Scores:
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    dup_pages: int = 0
    comments_counted: int = 0
    comments_leaked: int = 0
    gold_paragraphs: int = 0
    lost_paragraphs: int = 0
    seconds: list[float] = field(default_factory=list)
    failures: int = 0
    pages: int = 0

    @property
    def precision(self) -> float:
        return statistics.fmean(self.precisions) if self.precisions else 0.0

    @property
    def recall(self) -> float:
        return statistics.fmean(self.recalls) if self.recalls else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def comment_leak(self) -> float:
        return self.comments_leaked / self.comments_counted if self.comments_counted else 0.0

    @property
    def lost(self) -> float:
        return self.lost_paragraphs / self.gold_paragraphs if self.gold_paragraphs else 0.0

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0


def load_cases(folder: Path) -> list[Case]:
    """The pages of FOLDER in either corpus layout."""
    truth = folder / "ground-truth.json"
    if truth.exists():
        gold = json.loads(truth.read_text(encoding="utf-8"))
        return [Case(key, item["url"], _read_page(folder / "html" / f"{key}.html"), item["articleBody"])
                for key, item in sorted(gold.items()) if (folder / "html" / f"{key}.html").exists()]
    cases = []
    for case_dir in sorted(path for path in folder.iterdir() if (path / "gold.json").exists()):
        item = json.loads((case_dir / "gold.json").read_text(encoding="utf-8"))
        cases.append(Case(case_dir.name, item["url"], _read_page(case_dir / "page.html"), item["articleBody"],
                          list(item.get("injected", {}).get("comments", []))))
    return cases


_CLASS_OR_ID = re.compile(r"""\b(class|id)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)


def scramble_names(html: str) -> str:
    """Every class and id replaced by a hash, as sites with generated class names ship them: what is
    left to find comments and chrome by is text and structure."""
    return _CLASS_OR_ID.sub(lambda match: f'{match.group(1)}="c{hashlib.md5(match.group(2).encode()).hexdigest()[:6]}"', html)


def _read_page(path: Path) -> str:
    return decode_html(path.read_bytes())


def normalized(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def shingles(text: str) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i:i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)))


def repeat_pairs(text: str) -> int:
    """Pairs of paragraphs (>= 40 normalized chars) that are equal or rapidfuzz-ratio >= 90 alike."""
    paragraphs = [key for key in (normalized(line) for line in text.splitlines()) if len(key) >= DUP_MIN_CHARS]
    if len(paragraphs) < 2:
        return 0
    scores = process.cdist(paragraphs, paragraphs, scorer=fuzz.ratio, score_cutoff=DUP_SIMILARITY)
    return int(((scores > 0).sum() - len(paragraphs)) // 2)


def score_page(scores: Scores, case: Case, output: str) -> None:
    gold, out = shingles(case.gold), shingles(output)
    tp = sum((gold & out).values())
    fp = sum((out - gold).values())
    fn = sum((gold - out).values())
    if tp + fp > 0:
        scores.precisions.append(tp / (tp + fp))
    if tp + fn > 0:
        scores.recalls.append(tp / (tp + fn))
    if repeat_pairs(output) > repeat_pairs(case.gold):
        scores.dup_pages += 1
    out_key, gold_key = normalized(output), normalized(case.gold)
    for comment in case.comments:
        key = normalized(comment)
        if len(key.split()) < COMMENT_MIN_TOKENS or key in gold_key:
            continue
        scores.comments_counted += 1
        scores.comments_leaked += key in out_key
    for paragraph in case.gold.splitlines():
        if len(paragraph.strip()) >= LOST_MIN_CHARS:
            scores.gold_paragraphs += 1
            scores.lost_paragraphs += normalized(paragraph) not in out_key


def tidyclip_text(case: Case) -> str:
    try:
        return make_clip(case.html, case.url)["text"]
    except BadInput:
        return ""


def trafilatura_text(case: Case) -> str:
    return trafilatura.extract(case.html, url=case.url) or ""


def trafilatura_precise_text(case: Case) -> str:
    return trafilatura.extract(case.html, url=case.url, favor_precision=True, include_comments=False) or ""


def run(cases: list[Case], extractors: dict[str, Callable[[Case], str]], repeat: int = 1) -> dict[str, Scores]:
    """Every extractor on every page, page by page so machine load hits them alike.

    A page's time is the fastest of REPEAT back-to-back runs: the machine is shared, and the minimum
    is the run other processes disturbed least. Which extractor goes first alternates from page to
    page. Quality is scored on the first run's output."""
    results = {name: Scores() for name in extractors}
    names = list(extractors)
    for number, case in enumerate(cases):
        for name in names if number % 2 == 0 else names[::-1]:
            output, seconds, failed = _timed(extractors[name], case, repeat)
            if failed:
                print(f"  {name} failed on {case.key}: {failed}", file=sys.stderr)
                results[name].failures += 1
            results[name].seconds.append(seconds)
            results[name].pages += 1
            score_page(results[name], case, output)
    return results


def _timed(extractor: Callable[[Case], str], case: Case, repeat: int) -> tuple[str, float, str]:
    """(first output, fastest time, failure message) of REPEAT runs; a crash is scored as an empty page."""
    outputs, fastest, failure = [], float("inf"), ""
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        try:
            outputs.append(extractor(case))
        except Exception as exc:
            outputs.append("")
            failure = failure or f"{type(exc).__name__}: {exc}"
        fastest = min(fastest, time.perf_counter() - started)
    return outputs[0], fastest, failure


def table(title: str, results: dict[str, Scores]) -> str:
    lines = [f"### {title}", "",
             "| extractor | F1 | precision | recall | dup pages | comment leak | lost paragraphs | time/page |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in results.items():
        leak = f"{s.comment_leak:.1%}" if s.comments_counted else "-"
        lines.append(f"| {name} | {s.f1:.3f} | {s.precision:.3f} | {s.recall:.3f} | {s.dup_pages} of {s.pages} "
                     f"| {leak} | {s.lost:.1%} | {s.median_seconds * 1000:.1f} ms |")
    base = results.get("trafilatura default")
    ours = results.get("tidyclip")
    if base and ours and base.median_seconds:
        lines += ["", f"tidyclip / trafilatura median time: {ours.median_seconds / base.median_seconds:.2f}x"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--precision", action="store_true", help="add trafilatura favor_precision, no comments")
    parser.add_argument("--scramble-names", action="store_true",
                        help="replace every class and id by a hash first (generated class names)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page; a page's time is the fastest (default 5)")
    args = parser.parse_args(argv)
    extractors: dict[str, Callable[[Case], str]] = {"tidyclip": tidyclip_text, "trafilatura default": trafilatura_text}
    if args.precision:
        extractors["trafilatura precision"] = trafilatura_precise_text
    for folder in args.folders:
        cases = load_cases(folder)
        if not cases:
            print(f"{folder}: no pages in a known corpus layout", file=sys.stderr)
            return 1
        if args.scramble_names:
            for case in cases:
                case.html = scramble_names(case.html)
        scrambled = ", class and id names scrambled" if args.scramble_names else ""
        print(table(f"{folder.name} ({len(cases)} pages{scrambled})", run(cases, extractors, args.repeat)), end="\n\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
