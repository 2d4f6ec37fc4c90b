"""The cleaning stage: extracted blocks in, kept blocks and a cleaning report out.

Each rule is a module with one job: given the blocks, what the page says about itself (`Page`) and
the positions still in play, it answers {position: kind} for the blocks it would remove. Rules run
in order, so a later rule never counts what an earlier one already took (comments go before
repeats: a reader quoting the article is a comment, not a repeat). Positions the user restored are
never offered to any rule.
"""

from collections.abc import Iterable

from tidyclip.clip import Removed, empty_cleaning
from tidyclip.engine.clean import chrome, comments, headline, markers, repeats, teaser
from tidyclip.engine.clean.page import Found, Page
from tidyclip.engine.extract import Block
from tidyclip.engine.text import normalize

#: The rules in the order they run.
RULES = (comments.find, chrome.find, headline.find, repeats.find, teaser.find)

__all__ = ["Page", "block_keys", "clean"]


def block_keys(blocks: list[Block]) -> list[str]:
    """The normalized text of each block, what every rule compares: made once for the picture placer and the rules."""
    return [normalize(block.text) for block in blocks]


def clean(blocks: list[Block], keys: list[str], page: Page, restore: Iterable[int] = ()) -> tuple[list[Block], dict]:
    """The blocks to keep, in order, and the cleaning report (counts, removed texts, restored positions).
    KEYS are the blocks' `block_keys`."""
    restored = sorted({position for position in restore if 0 <= position < len(blocks)})
    kept_by_user = set(restored)
    open_positions = [position for position in range(len(blocks)) if position not in kept_by_user]
    removed: dict[int, str | Found] = {}
    for rule in RULES:
        found = rule(blocks, keys, page, open_positions)
        removed.update(found)
        open_positions = [position for position in open_positions if position not in found]
    # markers go after the rules: a block that goes whole (a repeat) is reported with its marker
    trimmed = markers.strip(blocks, keys, page, open_positions)

    report = empty_cleaning()
    for position in sorted(removed):
        finding = removed[position]
        kind, evidence = finding if isinstance(finding, Found) else (finding, "")
        report[kind] += 1
        entry: Removed = {"kind": kind, "text": blocks[position].text, "position": position}
        if evidence:
            entry["evidence"] = evidence  # the rule says what showed it: a comment region's kinds of evidence
        report["removed"].append(entry)
    for position, marker in trimmed.items():
        report["boilerplate"] += 1
        report["removed"].append({"kind": "boilerplate", "text": marker, "position": position, "part": "start"})
    report["restored"] = restored
    kept = [block for position, block in enumerate(blocks) if position not in removed]
    return kept, report
