"""The door: who may talk to the server.

Every web page the user visits can send requests to 127.0.0.1, so (as Zotero and Joplin learned):
- the Host header must name the loopback address (DNS rebinding gives a hostile site our address
  under its own name), for every route, review pages included: `install_host_check(app)`;
- the API answers only requests without an Origin or from a browser extension; a web page's Origin
  is refused, and no CORS header ever names a web origin;
- the API needs the Bearer token, and takes only application/json bodies (a text/plain "simple"
  request is how cross-site forms reach local servers), up to config.MAX_BODY_BYTES.

Review pages reuse `check_host` (installed app-wide) and `same_origin_request` for their own CSRF checks,
and `check_fetch_site` keeps other sites' pages from reading (or timing) the routes that show the user's data.
"""

import hmac
import re
from urllib.parse import urlsplit

from flask import Flask, Request, Response, request

from tidyclip.config import MAX_BODY_BYTES
from tidyclip.errors import Refused, TooLarge, Unauthorized, UnsupportedMediaType

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
EXTENSION_SCHEMES = frozenset({"chrome-extension", "moz-extension", "safari-web-extension"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
PREFLIGHT_MAX_AGE = "600"


#: A Host header read as an RFC 3986 authority without userinfo: host (an IP literal in brackets, or
#: a name without ":", "@" or brackets), then an optional port of ASCII digits. Anything else (a "@",
#: a second colon, a port of other digits) does not match, so it cannot smuggle another host past us.
AUTHORITY = re.compile(r"(?P<host>\[[^\[\]@]*\]|[^:\[\]@]*)(?::[0-9]*)?")


def host_name(host_header: str) -> str | None:
    """The host part of a Host header ("[::1]:7373" -> "[::1]"), or None when it is no plain authority
    ("localhost:7373@evil.example" has userinfo; "localhost:7a" a port that is not digits)."""
    authority = AUTHORITY.fullmatch(host_header)
    return authority["host"].lower() if authority else None


def is_loopback_host(host_header: str | None) -> bool:
    name = host_name(host_header) if host_header else None
    return name is not None and name in LOOPBACK_HOSTS


def is_extension_origin(origin: str) -> bool:
    return urlsplit(origin).scheme.lower() in EXTENSION_SCHEMES


def check_host() -> None:
    if not is_loopback_host(request.headers.get("Host")):
        raise Refused("this server answers only to 127.0.0.1, localhost or [::1]", code="bad_host")


def install_host_check(app: Flask) -> None:
    """Refuse (403) every request, on every route, whose Host is not a loopback name."""
    app.before_request(check_host)


def check_origin() -> None:
    """No Origin (the extension's service worker, curl) or an extension's Origin; nothing else."""
    origin = request.headers.get("Origin")
    if origin is not None and not is_extension_origin(origin):
        raise Refused("requests from web pages are not accepted", code="bad_origin")


def same_origin_request(req: Request | None = None) -> bool:
    """For the review pages' CSRF checks: the Origin (or Referer) names this very server."""
    req = req or request
    source = req.headers.get("Origin") or req.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return parts.scheme == "http" and parts.netloc.lower() == (req.headers.get("Host") or "").lower() and is_loopback_host(parts.netloc)


#: Sec-Fetch-Site values no other site's page can cause: this server's own pages, the user typing an
#: address or opening a bookmark; and no header at all (curl, scripts, browsers that do not send it).
FIRST_PARTY_FETCHES = frozenset({None, "same-origin", "none"})


def check_fetch_site(*, navigation_ok: bool) -> None:
    """Refuse a read that another site's page made (a no-cors fetch, an <img>, a <script>, a frame): it
    could time the answer or tell a 200 from a 404, and learn what the user clipped. A page on another
    port of this machine is "same-site" and refused like any other site. `navigation_ok`: a top-level
    navigation (a link followed into a tab) still opens the page, which only the user sees."""
    site = request.headers.get("Sec-Fetch-Site")
    if (site.lower() if site else None) in FIRST_PARTY_FETCHES:
        return
    navigation = (request.headers.get("Sec-Fetch-Mode", "").lower() == "navigate"
                  and request.headers.get("Sec-Fetch-Dest", "").lower() == "document")
    if navigation_ok and navigation:
        return
    raise Refused("this page is not shown to other sites: open it from tidyclip itself", code="cross_site")


def check_token(expected: str) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("an Authorization: Bearer token is required (run `tidyclip token`)")
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthorized("the token is wrong (run `tidyclip token` for the right one)")


def check_body() -> None:
    """Bodies only as JSON, and not too large; checked before a byte of the body is read."""
    if request.method not in BODY_METHODS:
        return
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise TooLarge(f"the request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")


def is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def preflight_response(methods: str) -> Response:
    """The answer to an extension's CORS preflight (web origins never get here: check_origin)."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    if request.headers.get("Access-Control-Request-Private-Network") == "true":
        response.headers["Access-Control-Allow-Private-Network"] = "true"
    return response


def add_extension_cors(response: Response) -> Response:
    """Let an extension read the answer: its own Origin echoed, never a web page's, never "*"."""
    origin = request.headers.get("Origin")
    if origin and is_extension_origin(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
    response.vary.add("Origin")
    return response
