#!/usr/bin/env python3
"""Clip quality and engine speed: tidyclip's make_clip next to plain trafilatura, same pages, same run.

    .venv/bin/python scripts/bench_quality.py ../shared/corpus/{aeb-dev,dirty-dev,trafeval-dev,dragnet-train}

Each DIR is one of the corpus layouts (../shared/corpus/README.md): aeb-dev (`html/<key>.html` +
`ground-truth.json`), dirty-dev and dragnet-train (`<case>/page.html` + `gold.json`), trafeval-dev
(`evaldata.json` + `pages/<file>.gz`). Figures, as the corpus README defines them: F1 / precision /
recall on 4-token shingles (snippet F / precision / recall on trafeval-dev), pages with a repeat left,
comment leak, lost paragraphs, metadata matches where the gold states them, and the median over pages
of the fastest of `--repeat` runs of each page (extraction and cleaning only). tidyclip, trafilatura
default and trafilatura precision (`favor_precision=True, include_comments=False`) run on every page.

`--pages FILE` writes one JSON line per page and extractor (its scores and output) to look at the worst
pages beside trafilatura's; `--worst N` prints the N pages where tidyclip trails trafilatura precision
most; `--scramble-names` replaces every class and id by a hash first.
"""

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import trafilatura
from rapidfuzz import fuzz, process

from tidyclip.engine import make_clip
from tidyclip.engine.decode import decode_html
from tidyclip.errors import BadInput

_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
SHINGLE = 4
DUP_MIN_CHARS = 40
DUP_SIMILARITY = 90
COMMENT_MIN_TOKENS = 5
DRAGNET_COMMENT_MIN_CHARS = 20
LOST_MIN_CHARS = 60
#: A page counts as a collapse when tidyclip scores below the first and trafilatura precision above the second.
COLLAPSE_BELOW, COLLAPSE_OTHER_ABOVE = 0.2, 0.8


@dataclass
class Case:
    key: str
    url: str
    html: str
    gold: str = ""                                       # article text (shingle-scored sets)
    comments: list[str] = field(default_factory=list)    # comment texts that must not be in the output
    comment_rule: str = "injected"                       # "injected" (dirty-dev) or "dragnet" (real threads)
    with_snippets: list[str] = field(default_factory=list)     # trafeval-dev: must be in the output
    without_snippets: list[str] = field(default_factory=list)  # trafeval-dev: must not be
    meta: dict = field(default_factory=dict)             # gold title / author / date where stated

    @property
    def snippets(self) -> bool:
        return bool(self.with_snippets or self.without_snippets)


class Output(NamedTuple):
    text: str
    meta: dict


@dataclass
class Scores:
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    snippet_tp: int = 0
    snippet_fn: int = 0
    snippet_fp: int = 0
    dup_pages: int = 0
    comments_counted: int = 0
    comments_leaked: int = 0
    leak_pages: int = 0
    gold_paragraphs: int = 0
    lost_paragraphs: int = 0
    meta_counted: Counter = field(default_factory=Counter)
    meta_matched: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    failures: int = 0
    pages: int = 0
    page_f1: dict[str, float] = field(default_factory=dict)

    @property
    def snippet_scored(self) -> bool:
        return self.snippet_tp + self.snippet_fn + self.snippet_fp > 0

    @property
    def precision(self) -> float:
        if self.snippet_scored:
            return self.snippet_tp / (self.snippet_tp + self.snippet_fp) if self.snippet_tp + self.snippet_fp else 0.0
        return statistics.fmean(self.precisions) if self.precisions else 0.0

    @property
    def recall(self) -> float:
        if self.snippet_scored:
            return self.snippet_tp / (self.snippet_tp + self.snippet_fn) if self.snippet_tp + self.snippet_fn else 0.0
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

    def meta_share(self, name: str) -> float | None:
        return self.meta_matched[name] / self.meta_counted[name] if self.meta_counted[name] else None


# --- loading -----------------------------------------------------------------------------------------

def load_cases(folder: Path) -> list[Case]:
    """The pages of FOLDER in any of the corpus layouts."""
    if (folder / "ground-truth.json").exists():
        return _load_aeb(folder)
    if (folder / "evaldata.json").exists():
        return _load_trafeval(folder)
    return _load_case_dirs(folder)


def _load_aeb(folder: Path) -> list[Case]:
    gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [Case(key, item["url"], _read_page((folder / "html" / f"{key}.html").read_bytes()), item["articleBody"])
            for key, item in sorted(gold.items()) if (folder / "html" / f"{key}.html").exists()]


def _load_case_dirs(folder: Path) -> list[Case]:
    cases = []
    for case_dir in sorted(path for path in folder.iterdir() if (path / "gold.json").exists()):
        item = json.loads((case_dir / "gold.json").read_text(encoding="utf-8"))
        cases.append(Case(case_dir.name, item["url"], _read_page((case_dir / "page.html").read_bytes()),
                          item["articleBody"], list(item.get("injected", {}).get("comments", [])),
                          comment_rule="dragnet" if "dragnet" in item else "injected"))
    return cases


def _load_trafeval(folder: Path) -> list[Case]:
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    cases = []
    for url, item in data.items():
        page = folder / "pages" / item["file"]
        if not page.exists():
            continue
        meta = {name: item[name] for name in ("title", "author", "date") if item.get(name)}
        cases.append(Case(item["file"], url if url.startswith("http") else "", _read_page(gzip.decompress(page.read_bytes())),
                          with_snippets=list(item.get("with") or []), without_snippets=list(item.get("without") or []),
                          meta=meta))
    return sorted(cases, key=lambda case: case.key)


def _read_page(data: bytes) -> str:
    return decode_html(data)


_CLASS_OR_ID = re.compile(r"""\b(class|id)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)


def scramble_names(html: str) -> str:
    """Every class and id replaced by a hash, as sites with generated class names ship them: what is
    left to find comments and chrome by is text and structure."""
    return _CLASS_OR_ID.sub(lambda match: f'{match.group(1)}="c{hashlib.md5(match.group(2).encode()).hexdigest()[:6]}"', html)


# --- scoring -----------------------------------------------------------------------------------------

def normalized(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def snippet_normalized(text: str) -> str:
    """trafilatura's evaluation: NFKC, whitespace folded."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


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


def score_page(scores: Scores, case: Case, output: Output | str) -> float:
    """Add the page's figures to SCORES; answer its own F1 (snippet F on trafeval-dev)."""
    if isinstance(output, str):
        output = Output(output, {})
    text = output.text
    _score_meta(scores, case, output.meta)
    if case.snippets:
        return _score_snippets(scores, case, text)
    gold, out = shingles(case.gold), shingles(text)
    tp = sum((gold & out).values())
    fp = sum((out - gold).values())
    fn = sum((gold - out).values())
    if tp + fp > 0:
        scores.precisions.append(tp / (tp + fp))
    if tp + fn > 0:
        scores.recalls.append(tp / (tp + fn))
    if repeat_pairs(text) > repeat_pairs(case.gold):
        scores.dup_pages += 1
    out_key, gold_key = normalized(text), normalized(case.gold)
    leaked_before = scores.comments_leaked
    if case.comment_rule == "dragnet":
        _score_dragnet_comments(scores, case, out_key, gold_key)
    else:
        for comment in case.comments:
            key = normalized(comment)
            if len(key.split()) < COMMENT_MIN_TOKENS or key in gold_key:
                continue
            scores.comments_counted += 1
            scores.comments_leaked += key in out_key
    scores.leak_pages += scores.comments_leaked > leaked_before
    for paragraph in case.gold.splitlines():
        if len(paragraph.strip()) >= LOST_MIN_CHARS:
            scores.gold_paragraphs += 1
            scores.lost_paragraphs += normalized(paragraph) not in out_key
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def _score_dragnet_comments(scores: Scores, case: Case, out_key: str, gold_key: str) -> None:
    """Real comment lines of >= 20 characters whose words do not also stand in the article, found
    in the output as whole tokens."""
    padded_out, padded_gold = f" {out_key} ", f" {gold_key} "
    for comment in case.comments:
        key = normalized(comment)
        if len(comment.strip()) < DRAGNET_COMMENT_MIN_CHARS or not key or f" {key} " in padded_gold:
            continue
        scores.comments_counted += 1
        scores.comments_leaked += f" {key} " in padded_out


def _score_snippets(scores: Scores, case: Case, text: str) -> float:
    out = snippet_normalized(text)
    tp = sum(1 for snippet in case.with_snippets if snippet_normalized(snippet) in out)
    fn = len(case.with_snippets) - tp
    fp = sum(1 for snippet in case.without_snippets if snippet_normalized(snippet) in out)
    scores.snippet_tp += tp
    scores.snippet_fn += fn
    scores.snippet_fp += fp
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def _score_meta(scores: Scores, case: Case, meta: dict) -> None:
    for name, expected in case.meta.items():
        scores.meta_counted[name] += 1
        scores.meta_matched[name] += meta_matches(name, meta.get(name), expected)


def meta_matches(name: str, found: str | None, expected: str | list[str]) -> bool:
    """A date matches on its YYYY-MM-DD; a title or author after folding case, spacing and NFKC; a
    list of authors when every one of them is named."""
    if not found:
        return False
    if name == "date":
        return found[:10] == str(expected)[:10]
    folded = snippet_normalized(found).casefold()
    if isinstance(expected, list):
        return all(snippet_normalized(author).casefold() in folded for author in expected)
    return folded == snippet_normalized(expected).casefold()


# --- extractors --------------------------------------------------------------------------------------

def tidyclip_output(case: Case) -> Output:
    try:
        clip = make_clip(case.html, case.url)
    except BadInput:
        return Output("", {})
    return Output(clip["text"], {"title": clip["title"], "author": clip["author"], "date": clip["published"]})


def tidyclip_text(case: Case) -> str:
    return tidyclip_output(case).text


def trafilatura_output(case: Case) -> Output:
    return Output(trafilatura.extract(case.html, url=case.url or None) or "", {})


def trafilatura_precise_output(case: Case) -> Output:
    return Output(trafilatura.extract(case.html, url=case.url or None, favor_precision=True,
                                      include_comments=False) or "", {})


EXTRACTORS: dict[str, Callable[[Case], Output]] = {
    "tidyclip": tidyclip_output,
    "trafilatura default": trafilatura_output,
    "trafilatura precision": trafilatura_precise_output,
}


def run(cases: list[Case], extractors: dict[str, Callable[[Case], Output | str]], repeat: int = 1,
        pages_out=None) -> dict[str, Scores]:
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
            page_f1 = score_page(results[name], case, output)
            results[name].page_f1[case.key] = page_f1
            if pages_out is not None:
                text = output.text if isinstance(output, Output) else output
                pages_out.write(json.dumps({"page": case.key, "url": case.url, "extractor": name, "f1": round(page_f1, 4),
                                            "ms": round(seconds * 1000, 2), "text": text}, ensure_ascii=False) + "\n")
    return results


def _timed(extractor: Callable[[Case], Output | str], case: Case, repeat: int) -> tuple[Output | str, float, str]:
    """(first output, fastest time, failure message) of REPEAT runs; a crash is scored as an empty page."""
    outputs: list[Output | str] = []
    fastest, failure = float("inf"), ""
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        try:
            outputs.append(extractor(case))
        except Exception as exc:
            outputs.append(Output("", {}))
            failure = failure or f"{type(exc).__name__}: {exc}"
        fastest = min(fastest, time.perf_counter() - started)
    return outputs[0], fastest, failure


def collapses(results: dict[str, Scores]) -> list[str]:
    """Pages where tidyclip's F1 is below 0.2 while trafilatura precision's is above 0.8."""
    ours, other = results.get("tidyclip"), results.get("trafilatura precision")
    if not ours or not other:
        return []
    return [key for key, f1 in ours.page_f1.items()
            if f1 < COLLAPSE_BELOW and other.page_f1.get(key, 0.0) > COLLAPSE_OTHER_ABOVE]


def table(title: str, results: dict[str, Scores]) -> str:
    first = next(iter(results.values()))
    snippets = first.snippet_scored
    metas = [name for name in ("title", "author", "date") if first.meta_counted[name]]
    head = "| extractor | F | precision | recall |" if snippets else \
        "| extractor | F1 | precision | recall | dup pages | comment leak (pages) | lost paragraphs |"
    head += "".join(f" {name} |" for name in metas) + " time/page |"
    lines = [f"#### {title}", "", head, "|---" * (head.count("|") - 1) + "|"]
    for name, s in results.items():
        row = f"| {name} | {s.f1:.3f} | {s.precision:.3f} | {s.recall:.3f} |"
        if not snippets:
            leak = f"{s.comment_leak:.1%} ({s.leak_pages})" if s.comments_counted else "-"
            row += f" {s.dup_pages} of {s.pages} | {leak} | {s.lost:.1%} |"
        for meta in metas:
            share = s.meta_share(meta)
            row += f" {share:.1%} |" if share is not None and name == "tidyclip" else " - |"
        row += f" {s.median_seconds * 1000:.1f} ms |"
        lines.append(row)
    base, ours = results.get("trafilatura default"), results.get("tidyclip")
    if base and ours and base.median_seconds:
        lines += ["", f"tidyclip / trafilatura default median time: {ours.median_seconds / base.median_seconds:.2f}x"]
    if metas:
        counted = ", ".join(f"{name} {first.meta_counted[name]}" for name in metas)
        lines.append(f"metadata pages with a gold value: {counted}")
    collapsed = collapses(results)
    lines.append(f"pages with tidyclip F1 < {COLLAPSE_BELOW} while trafilatura precision > {COLLAPSE_OTHER_ABOVE}: "
                 f"{len(collapsed)}{' (' + ', '.join(collapsed) + ')' if collapsed else ''}")
    return "\n".join(lines)


def worst(results: dict[str, Scores], count: int) -> str:
    ours, other = results.get("tidyclip"), results.get("trafilatura precision")
    if not ours or not other or not count:
        return ""
    gaps = sorted(ours.page_f1, key=lambda key: ours.page_f1[key] - other.page_f1.get(key, 0.0))[:count]
    return "\n".join(f"  {key}: tidyclip {ours.page_f1[key]:.3f}, trafilatura precision {other.page_f1.get(key, 0):.3f}"
                     for key in gaps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--scramble-names", action="store_true",
                        help="replace every class and id by a hash first (generated class names)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; a page's time is the fastest (default 3)")
    parser.add_argument("--pages", type=Path, help="write per-page scores and outputs here (JSON lines)")
    parser.add_argument("--worst", type=int, default=0, help="print the N pages tidyclip trails precision most on")
    parser.add_argument("--only", choices=list(EXTRACTORS), action="append", help="run only these extractors")
    args = parser.parse_args(argv)
    extractors = {name: EXTRACTORS[name] for name in (args.only or EXTRACTORS)}
    pages_out = args.pages.open("w", encoding="utf-8") if args.pages else None
    for folder in args.folders:
        cases = load_cases(folder)
        if not cases:
            print(f"{folder}: no pages in a known corpus layout", file=sys.stderr)
            return 1
        if args.scramble_names:
            for case in cases:
                case.html = scramble_names(case.html)
        scrambled = ", class and id names scrambled" if args.scramble_names else ""
        results = run(cases, extractors, args.repeat, pages_out)
        print(table(f"{folder.name} ({len(cases)} pages{scrambled})", results), end="\n\n", flush=True)
        if args.worst:
            print(worst(results, args.worst), end="\n\n", flush=True)
    if pages_out:
        pages_out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
