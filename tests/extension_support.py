"""Helpers for the extension tests: the extension loaded in a real headless browser, and a tiny web
server that serves test pages from 127.0.0.1 (the extension's host permissions cover it, so the
background can script those tabs without a user gesture).

The tests speak to either browser through one small interface: `ExtensionDriver` (the loaded
extension: run code in its background, open pages and the real popup, stop the background) and
`BrowserTab` (one page: fill a field by its label, click a button by its name, wait for text).
This module drives Chromium through Playwright; firefox_support.py drives Firefox through Marionette.
"""

import functools
import http.server
import threading
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, Worker, expect

from conftest import CHROMIUM, CHROMIUM_ARGS, EXTENSION_DIR, free_port

WORKER_WAIT_MS = 15_000
#: How long a test waits for something to show on a page, unless it says otherwise.
WAIT_S = 15.0
#: The context-menu entries and the item ids the background's listener receives.
MENU_ITEMS = {"Clip page to tidyclip": "clip-page", "Clip selection to tidyclip": "clip-selection"}


class LocalServer:
    """An http.server on 127.0.0.1 in a thread, for the time of a `with` block."""

    def __init__(self, handler):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"


class PageServer(LocalServer):
    """Serves one folder."""

    def __init__(self, folder: Path):
        super().__init__(functools.partial(QuietHandler, directory=str(folder)))

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def wait_until(condition, what: str, timeout: float = WAIT_S, required: bool = True) -> bool:
    """Poll `condition` until it holds; past `timeout`, fail (or just say False when not required)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if required:
                raise AssertionError(f"timed out waiting for {what}")
            return False
        time.sleep(0.1)
    return True


class BrowserTab:
    """One page in the browser, found by the words a user sees: fields by label, buttons by name;
    other elements by CSS selector. Every expect_* waits up to `timeout` seconds."""

    url: str

    def title(self) -> str: ...
    def fill(self, label: str, text: str) -> None: ...
    def click(self, button: str) -> None: ...
    def expect_text(self, selector: str, text: str, *, exact: bool = False, timeout: float = WAIT_S) -> None: ...
    def expect_value(self, label: str, value: str) -> None: ...
    def expect_hidden(self, selector: str) -> None: ...
    def expect_enabled(self, button: str, enabled: bool = True) -> None: ...
    def attribute(self, selector: str, name: str) -> str | None: ...
    def evaluate(self, script: str, arg=None):
        """Run a JS expression, or a function called with `arg`, in the page."""
    def reload(self) -> None: ...
    def close(self) -> None: ...


class ExtensionDriver:
    """The loaded extension in one browser. Subclasses run code in the background and open pages;
    what the toolbar does on top of that is the same in every browser."""

    name: str
    #: moz-extension or chrome-extension
    scheme: str
    id: str

    def evaluate(self, script: str, arg=None):
        """Run a JS expression, or a function called with `arg`, in the background, where `self`
        is the background's global (self.clipTab ...) and `chrome` its extension API."""
        raise NotImplementedError

    def open_page(self, url: str) -> BrowserTab:
        raise NotImplementedError

    def open_popup(self, tab: BrowserTab) -> BrowserTab:
        """Open the real toolbar popup over `tab` and return it."""
        raise NotImplementedError

    def click_menu(self, tab: BrowserTab, entry: str) -> None:
        """Choose `entry` from the page's context menu. Chromium's menu cannot be driven from outside
        the browser: here the click goes to the listener the menu calls, with what the menu passes
        (Firefox's driver clicks the real menu)."""
        self.evaluate("([menuItemId, tabId]) => { self.onMenuClicked({menuItemId}, {id: tabId}); }",
                      [MENU_ITEMS[entry], self.tab_id(tab.url)])

    def stop_background(self) -> None:
        """Stop the background, as the browser does when it is idle."""
        raise NotImplementedError

    def page_urls(self) -> list[str]:
        """The addresses of the browser's open tabs."""
        raise NotImplementedError

    def page_url(self, path: str) -> str:
        return f"{self.scheme}://{self.id}/{path}"

    def wait_for_popup(self, popup: BrowserTab) -> BrowserTab:
        """The popup once its script has the tab's status from the background (it fills in the links)."""
        wait_until(lambda: popup.attribute("#open-library", "href") not in (None, "#"), "the popup to load")
        return popup

    def restart_background(self) -> None:
        """Stop the background and wake a new one; fails if the old one lived on."""
        self.evaluate("self.beforeRestart = true")
        self.stop_background()
        assert self.evaluate("self.beforeRestart") is None, "the background did not restart"

    def pair(self, server_url: str, token: str) -> None:
        """Settings as the options page saves them, for tests about something else."""
        self.evaluate("([serverUrl, token]) => chrome.storage.local.set({serverUrl, token})", [server_url, token])

    def reset(self) -> None:
        """A fresh start: no settings, no queue, no pending retry."""
        self.evaluate("async () => { await chrome.storage.local.clear(); await chrome.alarms.clearAll(); }")

    def tab_id(self, url: str) -> int:
        # Not tabs.query({url}): Firefox ignores a URL pattern with a port.
        found = self.evaluate("async (url) => (await chrome.tabs.query({})).find((tab) => tab.url === url)?.id", url)
        assert found is not None, f"no tab shows {url}"
        return found

    def clip(self, tab: BrowserTab, *, selection: bool = False) -> dict:
        """Clip the tab through the handler the toolbar popup calls."""
        return self.evaluate("([tabId, selection]) => self.clipTab(tabId, {selection})", [self.tab_id(tab.url), selection])

    def flush(self) -> dict:
        return self.evaluate("self.flushQueue()")

    def waiting(self) -> list[dict]:
        return self.evaluate("self.listQueue()")

    def badge(self, tab: BrowserTab) -> str:
        return self.evaluate("(tabId) => chrome.action.getBadgeText({tabId})", self.tab_id(tab.url))


# -- pages driven by scripts (Firefox's, and Chromium's over a bare DevTools pipe) ---------------

# What a user reads and works with, as functions of the document (one set for tabs and the popup).
CONTROL_BY_LABEL = "[...document.querySelectorAll('label')].find((label) => label.textContent.trim() === name)?.control"
BUTTON_BY_NAME = "[...document.querySelectorAll('button')].find((button) => button.textContent.trim() === name)"
FILL = f"""([name, text]) => {{
  const field = {CONTROL_BY_LABEL};
  field.focus(); field.value = text;
  field.dispatchEvent(new Event('input', {{ bubbles: true }}));
  field.dispatchEvent(new Event('change', {{ bubbles: true }}));
}}"""
CLICK = f"(name) => {{ {BUTTON_BY_NAME}.click(); }}"
BUTTON_ENABLED = f"(name) => !{BUTTON_BY_NAME}.disabled"
VALUE = f"(name) => {CONTROL_BY_LABEL}.value"
TEXT = "(selector) => document.querySelector(selector)?.textContent ?? null"
HIDDEN = "(selector) => { const found = document.querySelector(selector); return !found || found.closest('[hidden]') !== null || !found.getClientRects().length; }"
ATTRIBUTE = "([selector, name]) => document.querySelector(selector)?.getAttribute(name) ?? null"



def called(script: str, arg: str = "arg") -> str:
    """A JS expression for `script` as the drivers take it: an expression, or a function called with
    the JS value named `arg`."""
    return f"(() => {{ const value = ({script}); return typeof value === 'function' ? value({arg}) : value; }})()"


class ScriptedTab(BrowserTab):
    """The BrowserTab words as scripts run on the page's document; subclasses say how a script gets
    there (`evaluate`)."""

    def fill(self, label: str, text: str) -> None:
        self.evaluate(FILL, [label, text])

    def click(self, button: str) -> None:
        self.evaluate(CLICK, button)

    def expect_text(self, selector: str, text: str, *, exact: bool = False, timeout: float = WAIT_S) -> None:
        def shows() -> bool:
            found = self.evaluate(TEXT, selector)
            return found is not None and (found.strip() == text if exact else text in found)
        if not wait_until(shows, "", timeout=timeout, required=False):
            raise AssertionError(f"timed out waiting for {selector} to show {text!r}; it shows {self.evaluate(TEXT, selector)!r}")

    def expect_value(self, label: str, value: str) -> None:
        wait_until(lambda: self.evaluate(VALUE, label) == value, f"{label} to hold {value!r}")

    def expect_hidden(self, selector: str) -> None:
        wait_until(lambda: self.evaluate(HIDDEN, selector), f"{selector} to be hidden")

    def expect_enabled(self, button: str, enabled: bool = True) -> None:
        wait_until(lambda: self.evaluate(BUTTON_ENABLED, button) == enabled, f"{button} to be {'enabled' if enabled else 'disabled'}")

    def attribute(self, selector: str, name: str) -> str | None:
        return self.evaluate(ATTRIBUTE, [selector, name])


# -- Chromium, through Playwright -------------------------------------------------------------------

class ChromiumTab(BrowserTab):
    def __init__(self, page: Page):
        self.page = page

    @property
    def url(self) -> str:
        return self.page.url

    def title(self) -> str:
        return self.page.title()

    def fill(self, label: str, text: str) -> None:
        self.page.get_by_label(label).fill(text)

    def click(self, button: str) -> None:
        self.page.get_by_role("button", name=button).click()

    def expect_text(self, selector: str, text: str, *, exact: bool = False, timeout: float = WAIT_S) -> None:
        # Extension pages' CSP blocks eval: Playwright's expect works there, wait_for_function does not.
        located = expect(self.page.locator(selector))
        (located.to_have_text if exact else located.to_contain_text)(text, timeout=timeout * 1000)

    def expect_value(self, label: str, value: str) -> None:
        expect(self.page.get_by_label(label)).to_have_value(value)

    def expect_hidden(self, selector: str) -> None:
        expect(self.page.locator(selector)).to_be_hidden()

    def expect_enabled(self, button: str, enabled: bool = True) -> None:
        located = expect(self.page.get_by_role("button", name=button))
        located.to_be_enabled() if enabled else located.to_be_disabled()

    def attribute(self, selector: str, name: str) -> str | None:
        return self.page.locator(selector).get_attribute(name)

    def evaluate(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    def reload(self) -> None:
        self.page.reload()

    def close(self) -> None:
        self.page.close()


class ChromiumExtension(ExtensionDriver):
    """The extension in headless Chromium: its service worker, its pages, the real popup."""

    name = "chromium"
    scheme = "chrome-extension"

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

    def evaluate(self, script: str, arg=None):
        return self.worker.evaluate(script, arg)

    def open_page(self, url: str) -> ChromiumTab:
        page = self.context.new_page()
        page.goto(url)
        return ChromiumTab(page)

    def page_urls(self) -> list[str]:
        # Playwright takes in new pages while it is called: evaluate() keeps it listening.
        self.evaluate("true")
        return [page.url for page in self.context.pages]

    def open_popup(self, tab: ChromiumTab) -> ChromiumTab:
        """chrome.action.openPopup over the tab. Playwright does not attach to extension popups; a new
        connection over the DevTools port, made once the popup exists, sees it among the page targets."""
        tab.page.bring_to_front()
        popup_url = self.page_url("popup/popup.html")
        cdp = self.context.browser.new_browser_cdp_session()
        self.evaluate("chrome.action.openPopup()")
        wait_until(lambda: any(t["url"] == popup_url for t in cdp.send("Target.getTargets")["targetInfos"]), "the popup to open")
        cdp.detach()
        if self._devtools is not None:
            self._devtools.close()
        port = (self.user_data_dir / "DevToolsActivePort").read_text().split()[0]
        self._devtools = self.playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        return self.wait_for_popup(ChromiumTab(next(p for c in self._devtools.contexts for p in c.pages if p.url == popup_url)))

    def stop_background(self) -> None:
        """Close the worker's target and wake a new one with an extension page (Playwright keeps the
        same Worker handle for the restarted worker)."""
        cdp = self.context.browser.new_browser_cdp_session()
        (target,) = self._worker_targets(cdp)
        cdp.send("Target.closeTarget", {"targetId": target["targetId"]})
        # The browser may start a new worker at once for a pending event: no need to see it gone.
        wait_until(lambda: not self._worker_targets(cdp), "the service worker to stop", timeout=3, required=False)
        # In the background, so that an open popup keeps the focus (it closes when it loses it).
        page = cdp.send("Target.createTarget", {"url": self.page_url("popup/popup.html"), "background": True})
        wait_until(lambda: self._worker_targets(cdp), "a new service worker")
        cdp.send("Target.closeTarget", {"targetId": page["targetId"]})
        cdp.detach()

    def _worker_targets(self, cdp) -> list[dict]:
        targets = cdp.send("Target.getTargets")["targetInfos"]
        return [t for t in targets if t["type"] == "service_worker" and t["url"].startswith(f"chrome-extension://{self.id}/")]


def launch_chromium(playwright: Playwright, user_data_dir: Path) -> BrowserContext:
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
