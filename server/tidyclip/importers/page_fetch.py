"""Fetching an imported page: the safe HTTP client (tidyclip/fetch/) with the rules for pages. The
addresses are the user's own (their Pocket list, their bookmarks), so their hosts are fetched as
given, a private address too; an HTML Accept, PAGE_FETCH_MAX_BYTES and PAGE_FETCH_SECONDS. What the
client refuses becomes the reason the list shows: "HTTP 404", "not HTML (application/pdf)", "too
big", "timed out"."""

from tidyclip.config import PAGE_FETCH_MAX_BYTES, PAGE_FETCH_SECONDS
from tidyclip.fetch import FetchFailed, FetchRules, fetch
from tidyclip.importers.page_queue import FetchedPage, FetchPage, PageFetchFailed

ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
#: Failures that may pass: try again later.
TRANSIENT_CODES = ("timeout", "connect", "broken", "dns")
#: HTTP answers that say "later", not "never".
TRANSIENT_STATUSES = (408, 425, 429, 500, 502, 503, 504)
#: What starts an HTML page, for a server that does not say what it sends.
HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<?xml")


def page_fetcher(*, max_bytes: int = PAGE_FETCH_MAX_BYTES, timeout: float = PAGE_FETCH_SECONDS) -> FetchPage:
    rules = FetchRules(max_bytes=max_bytes, timeout=timeout, accept=ACCEPT_HTML, allow_private=True)

    def fetch_page(url: str) -> FetchedPage:
        try:
            fetched = fetch(url, rules)
        except FetchFailed as exc:
            raise PageFetchFailed(reason_of(exc), transient=is_transient(exc)) from None
        if not is_html(fetched.content_type, fetched.body):
            raise PageFetchFailed(f"not HTML ({fetched.content_type.split(';')[0].strip() or 'no type given'})")
        return FetchedPage(fetched.url, fetched.body)

    return fetch_page


def reason_of(failure: FetchFailed) -> str:
    if failure.code == "http":
        return f"HTTP {failure.status}"
    return "timed out" if failure.code == "timeout" else failure.reason


def is_transient(failure: FetchFailed) -> bool:
    return failure.code in TRANSIENT_CODES or (failure.code == "http" and failure.status in TRANSIENT_STATUSES)


def is_html(content_type: str, body: bytes) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    if kind:
        return "html" in kind
    return body.lstrip()[:64].lower().startswith(HTML_STARTS)
