#!/usr/bin/env python3
"""Engine time against page size: make_clip beside plain trafilatura on pages of 1 to 16 MB, one process.

    .venv/bin/python scripts/bench_scaling.py [--sizes 1 2 4 8 16] [--repeat 2] [--profile MB]

Each page is an article of generated paragraphs (a seeded Zipf draw from a made-up vocabulary of
100,000 words, so the words are as uneven as a real text's and every run sees the same page), a
third of them with a link and a fifth with emphasis, headings and short lists between them, a site
header (its menu's "Comments" link makes the page's wrapper a comment region to weigh) and footer; about one paragraph in 60 comes back later exactly,
one in 60 a little changed (a word, a wire tag, quote marks), one in 200 as a teaser cut off with
"...". A size's time is the fastest of `--repeat` runs of `make_clip` (decode, parse, extract,
clean, render) and of `trafilatura.extract` (defaults) on the same HTML, which one goes first
alternating; wall time and CPU time (which other work on a shared machine disturbs less). `--profile MB` prints a cProfile of make_clip on a page of that size instead.
"""

import argparse
import cProfile
import itertools
import pstats
import random
import time
from html import escape

import trafilatura

from tidyclip.engine import make_clip

URL = "https://news.example/2026/11/a-long-story"
SEED = 20261128
VOCABULARY = 100_000
_SYLLABLES = ("ba be bi bo bu ca co cu da de di do du fa fe fi fo ga ge go ha he hi ho ka ke ki ko la le li lo lu "
              "ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve "
              "vi vo za ze zo an en in on ar er or al el il ol st tr pl gr").split()
_WIRE_TAGS = ("LONDON (Reuters) - ", "(AP) — ", "WASHINGTON, May 3 (Reuters) - ")


class Writer:
    """Deterministic article text: words drawn Zipf-like from a made-up vocabulary."""

    def __init__(self, seed: int = SEED) -> None:
        self.random = random.Random(seed)
        words = set()
        while len(words) < VOCABULARY:
            words.add("".join(self.random.choice(_SYLLABLES) for _ in range(self.random.choice((1, 2, 2, 3, 3, 4)))))
        self.words = sorted(words)
        self.random.shuffle(self.words)
        self.cumulative = list(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))

    def sentence(self, shortest: int = 6, longest: int = 28) -> str:
        words = self.random.choices(self.words, cum_weights=self.cumulative, k=self.random.randint(shortest, longest))
        if self.random.random() < 0.3:
            words.insert(self.random.randrange(len(words)), str(self.random.randint(2, 2030)))
        if self.random.random() < 0.2:
            cut = self.random.randrange(1, len(words))
            words[cut - 1] += ","
        return " ".join(words).capitalize() + self.random.choice(".....?!")

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.random.choice((1, 2, 3, 3, 4, 5, 6))))

    def marked_up(self, text: str) -> str:
        """TEXT as HTML, a few words of it a link or emphasised, as in a news article."""
        words = [escape(word) for word in text.split(" ")]
        for tag, share in (("a", 0.35), ("em", 0.2)):
            if len(words) > 4 and self.random.random() < share:
                start = self.random.randrange(len(words) - 3)
                end = start + self.random.randint(1, 3)
                opening = f"<a href='/topic/{self.random.randrange(500)}'>" if tag == "a" else "<em>"
                words[start] = opening + words[start]
                words[end - 1] += f"</{tag}>"
        return " ".join(words)

    def changed(self, text: str) -> str:
        """TEXT pasted again a little changed, the way dirty-dev's near-repeats are."""
        how = self.random.randrange(3)
        if how == 0:
            return self.random.choice(_WIRE_TAGS) + text
        if how == 1:
            return f"“{text}”".replace(" ", "  ", 2)
        words = text.split(" ")
        words[self.random.randrange(len(words))] = self.random.choice(self.words)
        return " ".join(words)


def article_html(megabytes: float, seed: int = SEED) -> str:
    """An article page of about MEGABYTES of UTF-8."""
    writer = Writer(seed)
    target = int(megabytes * 1_000_000)
    title = writer.sentence(5, 12).rstrip(".?!,")
    head = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)} | The Example</title>"
            f"<meta name='author' content='Jo Writer'><meta property='og:title' content='{escape(title)}'></head><body>"
            "<div id='page'><header><nav><a class='comments-link' href='#comments'>Comments</a> <a href='/'>Home</a> "
            "<a href='/world'>World</a> <a href='/business'>Business</a></nav></header>"
            f"<main><article><h1>{escape(title)}</h1><p class='byline'>By Jo Writer, November 28, 2026</p>")
    tail = "</article></main><footer><p>© 2026 The Example. All rights reserved.</p></footer></div></body></html>"
    parts, size, written = [head], len(head) + len(tail), []
    while size < target:
        roll = writer.random.random()
        if written and roll < 1 / 60:
            html = f"<p>{escape(writer.random.choice(written))}</p>"
        elif written and roll < 2 / 60:
            html = f"<p>{escape(writer.changed(writer.random.choice(written)))}</p>"
        elif written and roll < 2 / 60 + 1 / 200:
            whole = writer.random.choice(written)
            html = f"<p>{escape(whole[:max(40, len(whole) // 3)])}...</p>"
        elif roll < 0.1:
            html = f"<h2>{escape(writer.sentence(3, 10).rstrip('.?!,'))}</h2>"
        elif roll < 0.13:
            html = "<ul>" + "".join(f"<li>{escape(writer.sentence())}</li>" for _ in range(writer.random.randint(2, 5))) + "</ul>"
        else:
            text = writer.paragraph()
            written.append(text)
            html = f"<p>{writer.marked_up(text)}</p>"
        parts.append(html)
        size += len(html.encode())
    parts.append(tail)
    return "".join(parts)


def fastest(function, repeat: int) -> tuple[float, float]:
    """The shortest wall time and the shortest CPU time of REPEAT runs of FUNCTION."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu


def measure(sizes: list[float], repeat: int) -> None:
    print("| page | paragraphs | tidyclip make_clip (wall / CPU) | plain trafilatura.extract (wall / CPU) | ratio (wall / CPU) |")
    print("|---|---|---|---|---|")
    for turn, megabytes in enumerate(sizes):
        html = article_html(megabytes)
        runs = {"tidyclip": lambda: make_clip(html, URL), "trafilatura": lambda: trafilatura.extract(html, url=URL)}
        order = list(runs) if turn % 2 == 0 else list(reversed(runs))
        times = {name: fastest(runs[name], repeat) for name in order}
        (ours, our_cpu), (theirs, their_cpu) = times["tidyclip"], times["trafilatura"]
        print(f"| {len(html.encode()) / 1e6:.1f} MB | {html.count('<p>'):,} | {ours:.2f} s / {our_cpu:.2f} s | "
              f"{theirs:.2f} s / {their_cpu:.2f} s | {ours / theirs:.2f}x / {our_cpu / their_cpu:.2f}x |", flush=True)


def profile(megabytes: float) -> None:
    html = article_html(megabytes)
    profiler = cProfile.Profile()
    profiler.runcall(make_clip, html, URL)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8, 16], help="page sizes in MB")
    parser.add_argument("--repeat", type=int, default=2, help="runs per size and extractor (the fastest counts)")
    parser.add_argument("--profile", type=float, metavar="MB", help="profile make_clip on a page of this size")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
    else:
        measure(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
