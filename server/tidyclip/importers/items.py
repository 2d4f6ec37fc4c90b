"""What every reader of another service's export yields: one `ImportItem` per saved article.

An item carries what the source knew, under the names the clip contract uses (the shared
architecture note): `state` ("unread" | "archived"), `favorite`, `highlights` ({quote, prefix,
suffix, note}). `html` is the article itself when the export holds it (Omnivore); otherwise None,
and the clip waits for its page to be fetched.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

UNREAD, ARCHIVED = "unread", "archived"


@dataclass
class ImportItem:
    url: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    #: When the article was saved at the source (ISO 8601 UTC), the clip's created date; None: unknown.
    created: str | None = None
    state: str = UNREAD
    favorite: bool = False
    highlights: list[dict[str, str]] = field(default_factory=list)
    note: str = ""
    html: str | None = None
    #: Where in the file the item is ("pocket/part_000000.csv row 12"), for messages.
    where: str = ""


def highlight(quote: str, note: str = "") -> dict[str, str]:
    """A highlight as the contract has it; an export gives the quote without the text around it."""
    return {"quote": quote, "prefix": "", "suffix": "", "note": note}


def iso_utc(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_utc() -> str:
    return iso_utc(datetime.now(UTC))


def from_unix(value: Any) -> str | None:
    """Seconds since 1970 ("1700000000", as Pocket, Instapaper and browsers write them) as ISO 8601
    UTC; None when it is not a number or not a plausible date."""
    try:
        seconds = float(str(value).strip())
        if seconds > 10**11:  # milliseconds (some bookmark files)
            seconds /= 1000
        return iso_utc(datetime.fromtimestamp(seconds, UTC)) if seconds > 0 else None
    except (ValueError, OverflowError, OSError):
        return None


def from_iso(value: Any) -> str | None:
    """An ISO 8601 date ("2023-04-20T10:11:12.000Z") as ISO 8601 UTC; None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return iso_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def split_tags(value: str | None, separator: str) -> list[str]:
    return [tag.strip() for tag in (value or "").split(separator) if tag.strip()]


def is_web_address(url: str) -> bool:
    return url.startswith(("http://", "https://"))
