"""Is a tidyclip server answering on this machine: what `service status` and `tidyclip open` ask
(a server started by hand counts as much as one the service started)."""

import json
import urllib.request
import webbrowser
from typing import Any

from tidyclip.errors import TidyclipError

#: An answer takes milliseconds; a port that holds the line this long is not a working tidyclip.
HEALTH_TIMEOUT_SECONDS = 3.0

# No proxy: an http_proxy setting must not send a question about 127.0.0.1 to another machine.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def server_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def health(host: str, port: int) -> dict[str, Any] | None:
    """The server's /api/health answer ({"status": "ok", "version", "clips"}), or None when nothing
    (or something other than tidyclip) answers there."""
    try:
        with _opener.open(f"{server_url(host, port)}/api/health", timeout=HEALTH_TIMEOUT_SECONDS) as response:
            answer = json.load(response)
    except (OSError, ValueError):  # refused, timed out, an HTTP error, not JSON
        return None
    return answer if isinstance(answer, dict) and answer.get("status") == "ok" else None


def describe_health(host: str, port: int) -> tuple[bool, str]:
    """(running?, one line saying so) for the server at host:port."""
    url = server_url(host, port)
    answer = health(host, port)
    if answer is None:
        return False, f"tidyclip is not running at {url}"
    clips = answer.get("clips")
    counted = "" if clips is None else f" with {clips} clip" + ("" if clips == 1 else "s")  # an older server does not count
    return True, f"tidyclip {answer.get('version', '?')} is running at {url}{counted}"


def open_review_page(host: str, port: int) -> str:
    """Open the review page of the server at host:port in the default browser ($BROWSER if set);
    the address opened."""
    url = server_url(host, port) + "/"
    if health(host, port) is None:
        raise TidyclipError(f"tidyclip is not running at {url}: start it with `tidyclip serve`"
                            " (or `tidyclip service install`, once, to have it start when you log in)")
    if not webbrowser.open(url):
        raise TidyclipError(f"found no browser to open: open {url} in yours")
    return url
