"""Which of trafilatura's two candidates is the article: a small learned model over the cleaned results.

trafilatura's balanced focus keeps more of an article than its precision focus, but on real pages it
sometimes takes another element whole (a blog's "about me" box, a magazine's footer, a gallery's
captions) where precision takes the article, and sometimes precision cuts an article to its standfirst.
Neither the lengths nor any one rule tell which (docs/BENCHMARKS.md); the model reads both cleaned
results side by side: how much of each the other holds, the lines only one of them has (their length,
punctuation, digits), link density, headings and lists. It is a gradient-boosted set of small trees,
fitted by `scripts/fit_chooser.py` on the four dev sets with a 5-fold split (figures on pages the fit
did not see are in BENCHMARKS), and read here from `chooser_model.json` with no learning library.
A second, smaller model (the gate) decides from the balanced result alone whether precision's is worth
making at all.
"""

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tidyclip.engine.extract import Block, BodyStats

MODEL_PATH = Path(__file__).with_name("chooser_model.json")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?\"”')]$")
#: Words per shingle when measuring how much of one candidate the other holds.
SHINGLE = 4
#: A line shorter than this is a label, a date or a link rather than a sentence.
SHORT_LINE = 40
#: A balanced clip shorter than this always gets precision's candidate too: on the dev pages where
#: balanced takes another element whole (a caption, a footer, a consent form), what it takes is short,
#: and the gate's score, fitted to let a share of pages through, misses many of them.
SHORT_CLIP_CHARS = 1000


@dataclass
class Cleaned:
    """One candidate after images are put back and the rules have run."""

    focus: str
    blocks: list[Block]   # every block, images included: what `restore` positions count
    keys: list[str]       # their `block_keys`
    kept: list[Block]
    cleaning: dict
    text: str             # `render_text` of the kept blocks
    stats: BodyStats


def worth_a_second_look(balanced: Cleaned) -> bool:
    """Whether precision's candidate may be the better clip, judged from the balanced one alone: the
    second trafilatura run costs as much as the first, so it is made only for a short clip or where the
    gate model expects it to matter (it fires on GATE_SHARE of the dev pages)."""
    model = _model()
    return len(balanced.text) < SHORT_CLIP_CHARS or score(own_features(balanced), model["gate"]) > model["gate_threshold"]


def choose(balanced: Cleaned, precise: Cleaned) -> Cleaned:
    """The candidate the model takes for the article; balanced when they agree or the model is unsure."""
    if balanced.text == precise.text:
        return balanced
    return precise if score(features(balanced, precise), _model()["chooser"]) > 0 else balanced


def own_features(cleaned: Cleaned) -> list[float]:
    """What the gate reads of one candidate: its length, link density, lines, headings and lists."""
    lines = _lines(cleaned.text)
    stats = cleaned.stats
    return [
        math.log(len(cleaned.text) + 1),
        _link_density(stats),
        math.log(stats.elements + 1),
        stats.headings / (stats.elements + 1),
        stats.lists / (stats.elements + 1),
        len(cleaned.cleaning["removed"]),
        *_line_features(lines, len(cleaned.text))[1:],
    ]


def features(balanced: Cleaned, precise: Cleaned) -> list[float]:
    """What the chooser reads, in its order: each candidate's own features, then how they differ
    (`scripts/fit_chooser.py` and this module share this one function)."""
    b_lines, p_lines = _lines(balanced.text), _lines(precise.text)
    b_set, p_set = set(b_lines), set(p_lines)
    b_length, p_length = len(balanced.text), len(precise.text)
    b_shingles, p_shingles = _shingles(balanced.text), _shingles(precise.text)
    shared = len(b_shingles & p_shingles)
    return [
        *own_features(balanced),
        *own_features(precise),
        math.log((p_length + 1) / (b_length + 1)),
        shared / (len(p_shingles) or 1),
        shared / (len(b_shingles) or 1),
        float(p_length == 0),
        *_line_features([line for line in b_lines if line not in p_set], b_length),
        *_line_features([line for line in p_lines if line not in b_set], b_length),
        *_line_features([line for line in b_lines if line in p_set], b_length),
        float(bool(b_lines) and bool(p_lines) and b_lines[0] == p_lines[0]),
        float(bool(b_lines) and bool(p_lines) and b_lines[-1] == p_lines[-1]),
    ]


def score(row: list[float], model: dict) -> float:
    """A model's log-odds for ROW (the chooser's: that the precise candidate is the better clip)."""
    total = model["init"]
    for tree in model["trees"]:
        node = 0
        while tree["left"][node] >= 0:
            node = tree["left"][node] if row[tree["feature"][node]] <= tree["threshold"][node] else tree["right"][node]
        total += model["rate"] * tree["value"][node]
    return total


@cache
def _model() -> dict:
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[start:start + SHINGLE]) for start in range(max(0, len(words) - SHINGLE + 1))}


def _link_density(stats: BodyStats) -> float:
    return stats.link_chars / stats.chars if stats.chars else 0.0


def _mean_line(lines: list[str]) -> float:
    return sum(map(len, lines)) / len(lines) if lines else 0.0


def _line_features(lines: list[str], total: int) -> list[float]:
    """Of some lines: their share of the balanced text, mean length, and the shares that end a sentence,
    are short and hold a digit."""
    if not lines:
        return [0.0] * 5
    return [sum(map(len, lines)) / (total + 1), math.log(_mean_line(lines) + 1),
            sum(1 for line in lines if _SENTENCE_END.search(line)) / len(lines),
            sum(1 for line in lines if len(line) < SHORT_LINE) / len(lines),
            sum(1 for line in lines if any(map(str.isdigit, line))) / len(lines)]
