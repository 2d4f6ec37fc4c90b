"""A proxy in front of a real tidyclip server that answers clips slowly: every POST /api/clips is
held for `delay` seconds before it goes on to the server, as a server busy with a 20 MB page is.
It counts the clips it passed on, so a test can tell how many times the server was sent the page."""

import http.server
import threading
import time

import requests

from extension_support import LocalServer

#: Not passed on: they describe one hop, and requests sets its own.
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host", "accept-encoding"}


class SlowProxy(LocalServer):
    """http://127.0.0.1:<port> forwarding to `target` (a base URL); POST /api/clips waits `delay` s, and
    a look-up of one page's clip (GET /api/clips?url=...) waits `lookup_delay` s."""

    def __init__(self, target: str, delay: float, lookup_delay: float = 0.0):
        self.target = target
        self.delay = delay
        self.lookup_delay = lookup_delay
        self.clips_passed_on = 0
        self.lookups_answered = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._forward(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler)

    def _forward(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if handler.command == "POST" and handler.path.split("?")[0] == "/api/clips":
            # Held before the server sees it, and passed on even if the browser gave up meanwhile,
            # as a slow server would go on working on a request whose client went away.
            time.sleep(self.delay)
            with self._lock:
                self.clips_passed_on += 1
        lookup = handler.command == "GET" and handler.path.startswith("/api/clips?") and "url=" in handler.path
        if lookup:
            time.sleep(self.lookup_delay)
        headers = {name: value for name, value in handler.headers.items() if name.lower() not in HOP_HEADERS}
        answer = requests.request(handler.command, self.target + handler.path, headers=headers, data=body, timeout=120)
        if lookup:
            with self._lock:
                self.lookups_answered += 1
        try:
            handler.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in HOP_HEADERS:
                    handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(answer.content)))
            handler.end_headers()
            handler.wfile.write(answer.content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away before the answer: what the slow-answer tests look for
