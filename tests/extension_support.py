"""Helpers for the extension tests: headless Chromium with extension/ loaded, and a tiny web
server that serves test pages from 127.0.0.1 (the extension's host permissions cover it, so the
service worker can script those tabs without a user gesture)."""

import functools
import http.server
import threading
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, Worker

from conftest import CHROMIUM, CHROMIUM_ARGS, EXTENSION_DIR, free_port

WORKER_WAIT_MS = 15_000


class PageServer:
    """http.server on 127.0.0.1 in a thread, serving one folder."""

    def __init__(self, folder: Path):
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "PageServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/{path.lstrip('/')}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Extension:
    """The loaded extension: its service worker, its pages, and what the toolbar would do."""

    def __init__(self, context: BrowserContext, playwright: Playwright, user_data_dir: Path):
        self.context = context
        self.playwright = playwright
        self.user_data_dir = Path(user_data_dir)
        self.worker = self._wait_for_worker()
        self.id = self.worker.url.split("/")[2]
        self._devtools = None

    def _wait_for_worker(self) -> Worker:
        for worker in self.context.service_workers:
            if worker.url.startswith("chrome-extension://"):
                return worker
        return self.context.wait_for_event("serviceworker", timeout=WORKER_WAIT_MS)

    def page_url(self, path: str) -> str:
        return f"chrome-extension://{self.id}/{path}"

    def evaluate(self, script: str, arg=None):
        """Run an expression in the service worker (self.clipTab, chrome.* ...)."""
        return self.worker.evaluate(script, arg)

    def pair(self, server_url: str, token: str) -> None:
        """Settings as the options page saves them, for tests about something else."""
        self.evaluate("([serverUrl, token]) => chrome.storage.local.set({serverUrl, token})", [server_url, token])

    def reset(self) -> None:
        """A fresh start: no settings, no queue, no pending retry."""
        self.evaluate("async () => { await chrome.storage.local.clear(); await chrome.alarms.clearAll(); }")

    def tab_id(self, url: str) -> int:
        return self.evaluate("async (url) => (await chrome.tabs.query({url}))[0].id", url)

    def clip(self, page: Page, *, selection: bool = False) -> dict:
        """Clip the tab showing `page` through the handler the toolbar popup calls."""
        return self.evaluate(
            "([tabId, selection]) => self.clipTab(tabId, {selection})", [self.tab_id(page.url), selection]
        )

    def flush(self) -> dict:
        return self.evaluate("self.flushQueue()")

    def waiting(self) -> list[dict]:
        return self.evaluate("self.listQueue()")

    def badge(self, page: Page) -> str:
        return self.evaluate("(tabId) => chrome.action.getBadgeText({tabId})", self.tab_id(page.url))

    def open_popup(self, page: Page) -> Page:
        """Open the real toolbar popup over `page` (chrome.action.openPopup) and return it.

        Playwright does not attach to extension popups; a new connection over the DevTools port,
        made once the popup exists, sees it among the page targets."""
        page.bring_to_front()
        popup_url = self.page_url("popup/popup.html")
        cdp = self.context.browser.new_browser_cdp_session()
        self.evaluate("chrome.action.openPopup()")
        wait_until(lambda: any(t["url"] == popup_url for t in cdp.send("Target.getTargets")["targetInfos"]), "the popup to open")
        cdp.detach()
        if self._devtools is not None:
            self._devtools.close()
        port = (self.user_data_dir / "DevToolsActivePort").read_text().split()[0]
        self._devtools = self.playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        return next(p for c in self._devtools.contexts for p in c.pages if p.url == popup_url)

    def restart_worker(self) -> None:
        """Stop the service worker, as the browser does when it is idle, and wake a new one with an
        extension page (Playwright keeps the same Worker handle for the restarted worker)."""
        self.evaluate("self.beforeRestart = true")
        cdp = self.context.browser.new_browser_cdp_session()
        (target,) = self._worker_targets(cdp)
        cdp.send("Target.closeTarget", {"targetId": target["targetId"]})
        # The browser may start a new worker at once for a pending event: no need to see it gone.
        wait_until(lambda: not self._worker_targets(cdp), "the service worker to stop", timeout=3, required=False)
        page = self.context.new_page()
        page.goto(self.page_url("popup/popup.html"))
        wait_until(lambda: self._worker_targets(cdp), "a new service worker")
        page.close()
        cdp.detach()
        assert self.evaluate("self.beforeRestart") is None, "the service worker did not restart"

    def _worker_targets(self, cdp) -> list[dict]:
        targets = cdp.send("Target.getTargets")["targetInfos"]
        return [t for t in targets if t["type"] == "service_worker" and t["url"].startswith(f"chrome-extension://{self.id}/")]


def wait_until(condition, what: str, timeout: float = 15.0, required: bool = True) -> bool:
    """Poll `condition` until it holds; past `timeout`, fail (or just say False when not required)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if required:
                raise AssertionError(f"timed out waiting for {what}")
            return False
        time.sleep(0.1)
    return True


def launch(playwright: Playwright, user_data_dir: Path) -> BrowserContext:
    """Headless Chromium with extension/ loaded, in a fresh profile."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS + [
            f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}",
            # A DevTools port (written to DevToolsActivePort) lets open_popup reach the popup.
            "--remote-debugging-port=0",
        ],
        # Playwright turns extensions off by default.
        ignore_default_args=["--disable-extensions"],
    )
