"""What every format writer is given besides the clips."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class ExportOptions:
    #: The collection's name, shown as the title of HTML and EPUB exports.
    title: str = "tidyclip"
    #: When the export was made (UTC); recorded in the JSON header and the EPUB metadata.
    exported: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Looks up a clip's original page by id, for JSON exports that carry it; None leaves it out.
    original_of: Callable[[str], str | None] | None = None
    #: Looks up a clip's versions by id (Library.version_records, pages as text when the export carries
    #: them): JSON exports carry every version, a Markdown export with it adds the earlier ones as notes.
    history_of: Callable[[str], list[dict]] | None = None
    #: Reads a stored picture by file name (images/): the formats that carry pictures take them from it.
    image_of: Callable[[str], bytes | None] | None = None
    #: HTML: the pictures inside the page as data: URIs, so the one file reads offline.
    self_contained: bool = False
