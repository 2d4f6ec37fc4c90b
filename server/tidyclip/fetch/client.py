"""A guarded HTTP GET over urllib3: http and https only, no cookies, credentials or proxies, a byte cap
read as a stream, a deadline, redirects followed one hop at a time, every hop's addresses checked by
address_guard before anything connects to them.

DNS rebinding: the name is resolved once, every address checked, and the connection is made to a checked
address (the pool is opened on the IP; Host, SNI and the certificate check still use the name), so a
second lookup that answers differently is never made.

Two callers, two sets of rules (FetchRules): a clip's images (image Accept, 10 MB, private addresses only
when the page came from one) and imported pages (HTML Accept, their own cap, the user's own addresses
fetched as given: `allow_private=True`).
"""

import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from tidyclip.config import FETCH_MAX_REDIRECTS, FETCH_USER_AGENT
from tidyclip.fetch.address_guard import any_private, refusal

SCHEMES = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
#: Bytes read at a time: the cap is checked between reads, so at most one chunk past it is ever held.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchRules:
    """What one kind of fetch may do. `accept` is the Accept header (browser-like for its kind)."""

    max_bytes: int
    timeout: float
    accept: str
    allow_private: bool = False
    max_redirects: int = FETCH_MAX_REDIRECTS


@dataclass(frozen=True)
class Fetched:
    url: str  # where the bytes came from, after redirects
    status: int
    content_type: str  # as the server said it (the caller does not trust it)
    body: bytes


class FetchFailed(Exception):
    """A fetch that gave no body: `code` is one word for programs (address, refused, dns, connect, tls,
    timeout, http, too_big, redirects, broken), the message a short reason for people ("http 404");
    `status`: the HTTP status of an "http" failure (a 503 may pass, a 404 will not)."""

    def __init__(self, code: str, reason: str, status: int | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


def fetch(url: str, rules: FetchRules, referer: str | None = None) -> Fetched:
    """GET `url` under `rules`; raises FetchFailed with the reason it could not."""
    deadline = time.monotonic() + rules.timeout
    for _hop in range(rules.max_redirects + 1):
        response = _get_one(url, rules, referer, deadline)
        location = response.headers.get("Location") if response.status in REDIRECTS else None
        if location is None:
            return _read(url, response, rules, deadline)
        _done(response)
        url = urljoin(url, location)
    raise FetchFailed("redirects", f"more than {rules.max_redirects} redirects")


def host_is_private(url: str) -> bool:
    """Whether the page at `url` came from the user's own machine or network (its name resolves to a
    loopback, private or link-local address): then the images it names may be fetched from there too."""
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        return any_private(_resolve(host, 80))
    except FetchFailed:
        return False


def _checked_target(url: str, rules: FetchRules) -> tuple[str, str, int, list[str]]:
    """scheme, host, port and the guard-approved addresses of `url`, or FetchFailed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchFailed("address", f"not a valid address ({error})") from None
    if parts.scheme not in SCHEMES:
        raise FetchFailed("address", f"not http or https ({parts.scheme or 'no scheme'})")
    if parts.username is not None or parts.password is not None:
        raise FetchFailed("address", "an address with credentials in it is not fetched")
    if not parts.hostname:
        raise FetchFailed("address", "no host in the address")
    port = port or SCHEMES[parts.scheme]
    addresses = _resolve(parts.hostname, port)
    reason = refusal(addresses, rules.allow_private)
    if reason:
        raise FetchFailed("refused", reason)
    return parts.scheme, parts.hostname, port, addresses


def _resolve(host: str, port: int) -> list[str]:
    """Every address of `host` (the system resolver has no timeout of its own: a slow DNS server holds
    the fetch's thread until it answers or the resolver gives up)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchFailed("dns", f"the name {host} was not found ({error})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _get_one(url: str, rules: FetchRules, referer: str | None, deadline: float) -> urllib3.BaseHTTPResponse:
    """One request, no redirect followed, connected to the first checked address that answers."""
    scheme, host, port, addresses = _checked_target(url, rules)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Host": parts.netloc.rsplit("@", 1)[-1],
        "User-Agent": FETCH_USER_AGENT,
        "Accept": rules.accept,
        "Accept-Encoding": "gzip, deflate",
    }
    if referer:
        headers["Referer"] = referer
    failure = FetchFailed("connect", f"could not connect to {host}")
    for address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchFailed("timeout", "timed out")
        pool = _pool(scheme, address, host, port, left)
        try:
            return pool.urlopen("GET", path, headers=headers, redirect=False, retries=False,
                                preload_content=False, release_conn=False, assert_same_host=False)
        except NewConnectionError as error:
            failure = FetchFailed("connect", f"could not connect to {host} ({_short(error)})")
        except (TimeoutError, Urllib3Timeout):
            raise FetchFailed("timeout", "timed out") from None
        except SSLError as error:
            raise FetchFailed("tls", f"TLS failed ({_short(error)})") from None
        except HTTPError as error:
            raise FetchFailed("broken", f"the server broke off ({_short(error)})") from None
    raise failure


def _pool(scheme: str, address: str, host: str, port: int, timeout: float) -> urllib3.HTTPConnectionPool:
    """A one-connection pool opened on the checked IP; for https the name is still the one TLS checks."""
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(address, port, timeout=limits, maxsize=1, retries=False,
                                           cert_reqs="CERT_REQUIRED", assert_hostname=host, server_hostname=host)
    return urllib3.HTTPConnectionPool(address, port, timeout=limits, maxsize=1, retries=False)


def _read(url: str, response: urllib3.BaseHTTPResponse, rules: FetchRules, deadline: float) -> Fetched:
    """The body, read up to the cap before the deadline. The socket timeout bounds each read; a
    watchdog ends a server that trickles bytes to outlive the deadline."""
    try:
        if not 200 <= response.status < 300:
            raise FetchFailed("http", f"http {response.status}", status=response.status)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > rules.max_bytes:
            raise FetchFailed("too_big", f"too big ({int(declared)} bytes, at most {rules.max_bytes})")
        return Fetched(url, response.status, response.headers.get("Content-Type", ""),
                       _body_within(response, rules.max_bytes, deadline))
    finally:
        _done(response)


def _done(response: urllib3.BaseHTTPResponse) -> None:
    """The connection closed (each pool is used for one request: it was opened on one checked address)."""
    response.close()
    response.release_conn()


def _body_within(response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float) -> bytes:
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        response.shutdown()

    watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), cut_off)
    watchdog.daemon = True
    watchdog.start()
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed("too_big", f"too big (over {max_bytes} bytes)")
            chunks.append(chunk)
    except (TimeoutError, Urllib3Timeout):
        raise FetchFailed("timeout", "timed out") from None
    except (ProtocolError, HTTPError, OSError) as error:
        if expired.is_set():
            raise FetchFailed("timeout", "timed out") from None
        raise FetchFailed("broken", f"the server broke off ({_short(error)})") from None
    finally:
        watchdog.cancel()
    if expired.is_set():
        raise FetchFailed("timeout", "timed out")
    return b"".join(chunks)


def _short(error: Exception) -> str:
    return str(error).split(": ", 1)[-1][:200]
