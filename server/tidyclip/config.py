"""Every setting in one place, with its default and why.

The data dir comes from, in order: a `--data-dir` argument, the `TIDYCLIP_DATA_DIR` environment
variable, then the platform's user data dir (platformdirs), e.g. ~/.local/share/tidyclip on Linux.
"""

import os
from pathlib import Path

import platformdirs

#: The server listens on loopback only unless told otherwise: every web page the user visits can
#: reach 127.0.0.1, nothing outside the machine should.
DEFAULT_HOST = "127.0.0.1"
#: The port the server and the extension agree on when nobody changed it.
DEFAULT_PORT = 7373
#: Largest request body the API accepts (a clipped page with inline images can be big).
MAX_BODY_BYTES = 32 * 1024 * 1024
#: Largest page the engine will parse; larger input is refused with a clear error.
MAX_PAGE_BYTES = 24 * 1024 * 1024
#: Environment variable that overrides the data dir.
DATA_DIR_ENV = "TIDYCLIP_DATA_DIR"
#: Requests the server handles at once (waitress threads); saves are serialized by the store anyway,
#: so more threads only help reads while a slow page is being cleaned.
SERVER_THREADS = 8
#: Clips per page on the review list (the next page loads as you scroll).
REVIEW_PAGE_SIZE = 30
#: How long a deletion from the review pages can be undone (kept in the server's memory).
UNDO_KEEP_SECONDS = 15 * 60
#: Same story, other outlet: two clips tell the same story when at least this share of the longer
#: text's word shingles is found in the other. 0.5 pairs a wire copy with a paragraph or two cut or
#: added; separately written reports of one event share a few quotes, far below it.
STORY_MIN_SHARED = 0.5
#: Words per shingle: long enough that common phrases ("said on Tuesday that the") rarely match.
STORY_SHINGLE_WORDS = 5
#: Clips with fewer shingles than this (about 25 words) are too short to call the same story.
STORY_MIN_SHINGLES = 20


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data dir to use: the explicit one, else $TIDYCLIP_DATA_DIR, else the platform default."""
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("tidyclip", appauthor=False)
    return Path(chosen).expanduser()
