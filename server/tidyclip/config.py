"""Every setting in one place, with its default and why.

The data dir comes from, in order: a `--data-dir` argument, the `TIDYCLIP_DATA_DIR` environment
variable, then the platform's user data dir (platformdirs), e.g. ~/.local/share/tidyclip on Linux.
"""

import os
from pathlib import Path

import platformdirs

from tidyclip.errors import BadInput

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
#: Clips one API list call may ask for (`limit`).
MAX_PAGE_SIZE = 500
#: The orders a list or search can be sorted in; "relevance" only means something with a search.
SORTS = ("relevance", "newest", "oldest", "updated", "title")
#: A search ranks at most this many of its matches (the ones indexed last): ranking every clip that
#: holds a word found everywhere costs more than a search may take, and tells little.
RANK_CANDIDATES = 10_000
#: Title matches weigh more than text matches (the bm25 weight of the title column; text is 1).
TITLE_WEIGHT = 8.0
#: Words of text shown around the first match of a search.
SNIPPET_WORDS = 30

# -- what a stored clip may hold (clip.py checks it, fields.py cleans it) --
#: Longest page address accepted.
MAX_URL_CHARS = 8192
MAX_TITLE_CHARS = 500
#: The note, and the other plain-text fields a page gives (author, site, excerpt).
MAX_NOTE_CHARS = 100_000
MAX_TAG_CHARS = 100
MAX_TAGS = 100
#: Words a clip may count: far above any page the engine accepts (MAX_PAGE_BYTES).
MAX_WORD_COUNT = 10**8

# -- reading: states and highlights (tidyclip/reading/) --
#: A clip is "unread" until the reader archives it.
READING_STATES = ("unread", "archived")
#: Highlights one clip may hold (a clip with 500 opens in the reader well within 300 ms).
MAX_HIGHLIGHTS = 5000
#: Longest highlighted passage (a long chapter); the context kept before and after it.
MAX_QUOTE_CHARS = 50_000
QUOTE_CONTEXT_CHARS = 32
#: How alike (rapidfuzz ratio, 0-100) a passage of the new text must be to a highlight's quote for the
#: highlight to move there after the text changed; below it the highlight is kept as detached.
FUZZY_ANCHOR_SCORE = 85
#: Highlight matches weigh between title and text in a search (bm25 weight of the highlights column).
HIGHLIGHT_WEIGHT = 2.0
#: The list's reading time: words a minute of an ordinary reader.
READING_WORDS_PER_MINUTE = 230

# -- the store --
#: The journal is emptied (after one sync) when writes pause this long...
CHECKPOINT_IDLE_SECONDS = 1.0
#: ...or at once when it grows past this (a long import).
JOURNAL_MAX_BYTES = 64 * 1024 * 1024
#: Fast: the page is compressed while the user waits; level 6 saves ~15% more space.
GZIP_LEVEL = 1
#: Pages compressed at once while the engine reads them (zlib lets go of the GIL: another core does it).
COMPRESSORS = 2
#: Versions of a clip kept when its page is clipped again with a new text (the oldest go first);
#: None keeps every one. $TIDYCLIP_KEEP_VERSIONS (a whole number from 1) overrides it.
KEEP_VERSIONS: int | None = None
KEEP_VERSIONS_ENV = "TIDYCLIP_KEEP_VERSIONS"
#: How often a restore or reclean cleans a page again when the page's clip changed while it worked.
ENGINE_WRITE_RETRIES = 3
#: Same story, other outlet: two clips tell the same story when at least this share of the longer
#: text's word shingles is found in the other. 0.5 pairs a wire copy with a paragraph or two cut or
#: added; separately written reports of one event share a few quotes, far below it.
STORY_MIN_SHARED = 0.5
#: Words per shingle: long enough that common phrases ("said on Tuesday that the") rarely match.
STORY_SHINGLE_WORDS = 5
#: Clips with fewer shingles than this (about 25 words) are too short to call the same story.
STORY_MIN_SHINGLES = 20
#: Changed clips the story index takes in one transaction while it follows the store.
STORY_BATCH = 500
#: How often the server's story follower looks for changes other processes made (the CLI beside it).
STORY_FOLLOW_SECONDS = 5.0
#: Changes a command-line run pairs before it exits; more are left to the next run or the server.
STORY_FOLLOW_AT_EXIT = 2000


# -- fetching from the web (fetch/: images of a clip, imported pages) --
#: Redirects one fetch follows, each hop checked again (scheme, address) before it is connected to.
FETCH_MAX_REDIRECTS = 5
#: Sent with every fetch: some sites refuse clients that do not name themselves like a browser.
FETCH_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) tidyclip/0.1 (+https://github.com/tidyclip)"
#: Largest image kept; a bigger one stops downloading at this size and is listed as failed.
IMAGE_MAX_BYTES = 10 * 1024 * 1024
#: Seconds one image may take (connecting, then reading the whole of it).
IMAGE_FETCH_SECONDS = 10.0
#: Pictures downloaded for one clip (the first ones of its body, the lead picture first).
MAX_IMAGES = 100
#: Downloads at once for one clip, and clips whose pictures are downloaded at once.
IMAGE_FETCHES_AT_ONCE = 4
IMAGE_CLIPS_AT_ONCE = 2
#: Of a srcset, the widest candidate up to this width is taken (wider ones cost bytes a reader never sees).
IMAGE_MAX_WIDTH = 2000
#: A tracking pixel: a side this small, or fewer bytes than IMAGE_TINY_BYTES with no side over IMAGE_TINY_SIDE.
IMAGE_PIXEL_SIDE = 2
IMAGE_TINY_BYTES = 2048
IMAGE_TINY_SIDE = 16
#: Pixels an image may have (Pillow refuses larger ones as decompression bombs).
IMAGE_MAX_PIXELS = 100_000_000
#: The longest side of the list's thumbnails (pixels; the list shows them at half that, sharp on HiDPI).
THUMBNAIL_SIDE = 240
#: Download pictures after a clip is saved; `tidyclip serve --no-images` or TIDYCLIP_IMAGES=off turn it off.
DOWNLOAD_IMAGES = True
IMAGES_ENV = "TIDYCLIP_IMAGES"
#: How often the server removes image files no clip uses (those older than UNDO_KEEP_SECONDS).
IMAGE_COLLECT_SECONDS = 30 * 60

# -- moving in: pages an import names but does not hold (importers/page_queue.py) --
#: New clips waiting for their page saved in one go (one sync for all of them, not one each): the
#: first of 10,000 Pocket rows is listed within a second, and the extension's clips wait at most one batch.
IMPORT_BATCH = 500
#: Pages fetched at once, across all sites. Two keep both cores busy cleaning pages (the engine holds
#: the GIL: four fetched no more a second, and doubled the extension's wait meanwhile; BENCHMARKS.md).
PAGE_FETCH_WORKERS = 2
#: Seconds between two fetches from one site (never two at once from one site): polite to the site,
#: and what keeps an import of 5,000 articles from one blog from looking like an attack on it.
PAGE_FETCH_HOST_DELAY = 1.0
#: Tries after the first for a fetch that failed for a reason that may pass (timed out, refused, 5xx, 429).
PAGE_FETCH_RETRIES = 3
#: Seconds the site waits before the first retry; doubled for each retry after it.
PAGE_FETCH_BACKOFF = 5.0
#: Largest page fetched; a bigger one fails as "too big" (the engine takes no more either).
PAGE_FETCH_MAX_BYTES = MAX_PAGE_BYTES
#: Seconds one page may take (connecting, then reading the whole of it).
PAGE_FETCH_SECONDS = 20.0


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data dir to use: the explicit one, else $TIDYCLIP_DATA_DIR, else the platform default."""
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("tidyclip", appauthor=False)
    return Path(chosen).expanduser()


def keep_versions() -> int | None:
    """How many versions of a clip to keep (None: all): $TIDYCLIP_KEEP_VERSIONS, else KEEP_VERSIONS."""
    raw = os.environ.get(KEEP_VERSIONS_ENV, "").strip()
    if not raw:
        return KEEP_VERSIONS
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise BadInput(f"{KEEP_VERSIONS_ENV} must be a whole number from 1, not {raw!r}")
    return int(raw)
