"""Same story, other outlet. PLACEHOLDER: the real detector replaces these bodies, not their signatures."""

from typing import Any

from tidyclip.clip import Clip


def link(store: Any, clip: Clip) -> list[dict]:
    """Find stored clips telling the same story as `clip`, record the link both ways, return [{id, title, site, score}]."""
    return []


def forget(store: Any, clip_id: str) -> None:
    """Drop `clip_id` from the story index and from the `similar` lists of the clips it was linked to."""


def fold(items: list[Clip]) -> list[Clip]:
    """One per story: keep the first clip of each story in `items`, with the others under its "also" key."""
    return items
