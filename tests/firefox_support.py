"""The extension in a real headless Firefox, driven by Marionette (Firefox's own remote protocol,
through Mozilla's `marionette-driver` client; no geckodriver).

The add-on is installed as a temporary add-on, with a fixed UUID (the profile pref
`extensions.webextensions.uuids`) so its pages' moz-extension:// addresses are known. Code for the
background runs from one of the extension's own pages (the "driver" tab), which reaches the event page
with runtime.getBackgroundPage(); the real popup is reached the same way (extension.getViews), since
Marionette cannot enter the popup's panel.
"""

import json
import uuid
from pathlib import Path

import pytest
from marionette_driver.addons import Addons
from marionette_driver.by import By
from marionette_driver.marionette import Marionette

from conftest import EXTENSION_DIR, ROOT
from extension_support import ExtensionDriver, ScriptedTab, called, wait_until

#: Debian's current ESR (scripts/setup installs it).
FIREFOX = Path("/usr/lib/firefox-esr/firefox-esr")
#: The oldest Firefox the manifest allows (strict_min_version): 140 ESR, unpacked by scripts/setup.
FIREFOX_140 = ROOT / ".venv" / "firefox-esr-140" / "firefox-esr"
#: Written by scripts/setup, with apt's words, when Debian serves no 140 ESR.
FIREFOX_140_UNAVAILABLE = ROOT / ".venv" / "firefox-esr-140.unavailable"
#: Which moz-extension:// UUID each add-on gets, set before the add-on is installed.
UUIDS_PREF = "extensions.webextensions.uuids"
GECKO_ID = json.loads((EXTENSION_DIR / "manifest.json").read_text())["browser_specific_settings"]["gecko"]["id"]
#: Long enough for a clip whose answer is slow (the tests wait on the page, not in one script).
SCRIPT_TIMEOUT_S = 120

def in_background(script: str) -> str:
    """For the driver tab, an extension page: `self` and `chrome` are the event page's own."""
    return """
const [arg, done] = arguments;
(async () => {
  const background = await browser.runtime.getBackgroundPage();
  const result = await (function (self, chrome) { return %s; })(background, background.chrome);
  return JSON.stringify({ value: result ?? null });
})().then(done, (error) => done(JSON.stringify({ error: String(error?.stack ?? error) })));
""" % called(script)


def in_page(script: str) -> str:
    """For a tab, on its document (in Marionette's sandbox: the page's own script does not see it)."""
    return "const arg = arguments[0]; return %s;" % called(script)


def in_popup(script: str) -> str:
    """For the driver tab, on the popup's document."""
    return """
const [popup] = browser.extension.getViews({ type: "popup" });
if (!popup) throw new Error("the popup is not open");
const arg = arguments[0];
return (function (document, window) { return %s; })(popup.document, popup);
""" % called(script)


# In the browser's own window (chrome context).
STOP_BACKGROUND = """
const [id, done] = arguments;
const { ExtensionParent } = ChromeUtils.importESModule("resource://gre/modules/ExtensionParent.sys.mjs");
ExtensionParent.GlobalManager.getExtension(id).terminateBackground().then(() => done(true), (error) => done(String(error)));
"""
CHOOSE_MENU_ENTRY = """
const [label] = arguments;
const menu = document.getElementById("contentAreaContextMenu");
const item = [...menu.querySelectorAll("menuitem")].find((entry) => !entry.hidden && entry.label === label);
if (!item) return false;
menu.activateItem(item);
return true;
"""


class FirefoxTab(ScriptedTab):
    """A tab; scripts run in Marionette's sandbox over the page (the page's own script does not see them)."""

    def __init__(self, extension: "FirefoxExtension", handle: str):
        self.extension = extension
        self.marionette = extension.marionette
        self.handle = handle

    def make_current(self) -> None:
        """Point Marionette at this tab (without selecting it in the browser)."""
        self.marionette.switch_to_window(self.handle, focus=False)

    def evaluate(self, script: str, arg=None):
        self.make_current()
        return self.marionette.execute_script(in_page(script), script_args=[arg])

    @property
    def url(self) -> str:
        self.make_current()
        return self.marionette.get_url()

    def title(self) -> str:
        self.make_current()
        return self.marionette.title

    def reload(self) -> None:
        self.make_current()
        self.marionette.refresh()

    def close(self) -> None:
        self.make_current()
        self.marionette.close()
        self.extension.driver_tab.make_current()


class FirefoxPopup(ScriptedTab):
    """The real toolbar popup, reached from the driver tab (the popup is an extension page too)."""

    def __init__(self, extension: "FirefoxExtension"):
        self.extension = extension
        self.marionette = extension.marionette

    @property
    def url(self) -> str:
        return self.extension.page_url("popup/popup.html")

    def evaluate(self, script: str, arg=None):
        self.extension.driver_tab.make_current()
        return self.marionette.execute_script(in_popup(script), script_args=[arg], sandbox=None)

    def close(self) -> None:
        self.evaluate("window.close()")
        wait_until(lambda: not self.extension.popup_open(), "the popup to close")


class FirefoxExtension(ExtensionDriver):
    """The extension in headless Firefox: its event page, its pages, the real popup and menu."""

    scheme = "moz-extension"

    def __init__(self, marionette: Marionette, name: str):
        self.marionette = marionette
        self.name = name
        self.id = json.loads(marionette.get_pref(UUIDS_PREF))[GECKO_ID]
        self.version = marionette.session_capabilities["browserVersion"]
        Addons(marionette).install(str(EXTENSION_DIR), temp=True)
        # The first install opens the options page, in a blank tab it finds: let it, before a tab
        # of ours is opened (and navigated away) where it might land.
        options_url = self.page_url("options/options.html")
        wait_until(lambda: options_url in self.page_urls(), "the options page", required=False)
        # Scripts for the background run from an extension page of our own, left open.
        self.driver_tab = self._new_tab(self.page_url("popup/popup.html"))

    def _new_tab(self, url: str) -> FirefoxTab:
        handle = self.marionette.open(type="tab", focus=False)["handle"]
        self.marionette.switch_to_window(handle, focus=False)
        self.marionette.navigate(url)
        return FirefoxTab(self, handle)

    def evaluate(self, script: str, arg=None):
        self.driver_tab.make_current()
        answer = json.loads(self.marionette.execute_async_script(in_background(script), script_args=[arg], sandbox=None))
        if "error" in answer:
            raise RuntimeError(f"in the background: {answer['error']}")
        return answer["value"]

    def open_page(self, url: str) -> FirefoxTab:
        return self._new_tab(url)

    def page_urls(self) -> list[str]:
        with self.marionette.using_context("chrome"):
            return self.marionette.execute_script("return gBrowser.tabs.map((tab) => tab.linkedBrowser.currentURI.spec)")

    def popup_open(self) -> bool:
        self.driver_tab.make_current()
        return self.marionette.execute_script("return browser.extension.getViews({type: 'popup'}).length > 0", sandbox=None)

    def open_popup(self, tab: FirefoxTab) -> FirefoxPopup:
        """action.openPopup over the tab (made the selected one, as the user's click would find it)."""
        self.marionette.switch_to_window(tab.handle, focus=True)
        self.evaluate("chrome.action.openPopup()")
        wait_until(self.popup_open, "the popup to open")
        return self.wait_for_popup(FirefoxPopup(self))

    def click_menu(self, tab: FirefoxTab, entry: str) -> None:
        """Right-click the page, then choose the entry from the browser's context menu."""
        self.marionette.switch_to_window(tab.handle, focus=True)
        body = self.marionette.find_element(By.TAG_NAME, "body")
        self.marionette.actions.sequence("pointer", "mouse").pointer_move(0, 0, origin=body) \
            .pointer_down(button=2).pointer_up(button=2).perform()
        with self.marionette.using_context("chrome"):
            wait_until(lambda: self.marionette.execute_script(CHOOSE_MENU_ENTRY, script_args=[entry]), f"the menu entry {entry!r}")

    def stop_background(self) -> None:
        """What Firefox does to an idle event page (about:debugging's "Terminate background script");
        the next call from the driver tab wakes a new one."""
        with self.marionette.using_context("chrome"):
            stopped = self.marionette.execute_async_script(STOP_BACKGROUND, script_args=[GECKO_ID])
        assert stopped is True, stopped


def firefox_binary(name: str) -> Path:
    """The Firefox a parameter names: "firefox" (current ESR) or "firefox-140"."""
    if name == "firefox":
        if not FIREFOX.exists():
            pytest.fail(f"{FIREFOX} is missing: scripts/setup --test installs Debian's firefox-esr")
        return FIREFOX
    if FIREFOX_140_UNAVAILABLE.exists():
        pytest.skip(f"Firefox 140 ESR could not be had: {FIREFOX_140_UNAVAILABLE.read_text().strip()}")
    if not FIREFOX_140.exists():
        pytest.fail(f"{FIREFOX_140} is missing: scripts/setup --test unpacks Debian's firefox-esr 140 there")
    return FIREFOX_140


def launch_firefox(binary: Path, log_dir: Path) -> Marionette:
    """Headless Firefox on a fresh profile with Marionette on a free port; the add-on's UUID fixed."""
    prefs = {
        UUIDS_PREF: json.dumps({GECKO_ID: str(uuid.uuid4())}),
        # action.openPopup stands in for the user's click on the button (Firefox 140 needs this to
        # take it without a click; later versions take it anyway).
        "extensions.openPopupWithoutUserGesture.enabled": True,
    }
    marionette = Marionette(bin=str(binary), headless=True, port=0, prefs=prefs, gecko_log=str(log_dir / "gecko.log"))
    marionette.start_session()
    marionette.timeout.script = SCRIPT_TIMEOUT_S
    return marionette
