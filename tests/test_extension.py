"""The browser extension, end to end: extension/ loaded in real headless browsers (Chromium, the
current Firefox ESR and Firefox 140 ESR, the oldest the manifest allows), talking to a real tidyclip
server over HTTP. Each scenario runs in every browser through one driver interface
(extension_support.py); clips go through the same handler the toolbar popup uses (`self.clipTab` in
the background) unless the test clicks the real popup or menu."""

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import EXTENSION_DIR, FIXTURES, ROOT, assert_meets_seed, free_port, require_chromium
from extension_support import BrowserTab, ChromiumExtension, ExtensionDriver, PageServer, launch_chromium, wait_until
from cdp_support import UnwatchedChromium
from firefox_support import FirefoxExtension, firefox_binary, launch_firefox
from slow_proxy import SlowProxy
from tidyclip.engine import make_clip

pytestmark = pytest.mark.browser

BROWSERS = ["chromium", "firefox", "firefox-140"]
#: For what only Chromium has (chrome:// pages) or only Chromium needs checked.
chromium_only = pytest.mark.parametrize("browser_name", ["chromium"], indirect=True)
#: Longer than the 30 s both browsers give an idle background.
SLOW_ANSWER_S = 40
#: How long the server's answer to "is this page clipped?" is held in the late look-up test.
LATE_LOOKUP_S = 3
#: Where the slow answers are tried, all at once (see the test).
SLOW_BROWSERS = ["chromium-unwatched", "firefox", "firefox-140"]

PERMISSIONS = {"activeTab", "scripting", "storage", "unlimitedStorage", "contextMenus", "alarms"}
HOSTS = {"http://127.0.0.1/*", "http://localhost/*"}
SELECTED_PARAGRAPHS = [
    "“Together with our allies, [we intend] to win the race to master the ethical and safe use of AI,” he said.",
    "He warned that there was “absolutely no doubt” adversaries would try to develop artificial intelligence in a way which was reckless and dangerous, and that it would be his agency’s job to deal with that.",
    "“It will be a significant part of our role going forward into the future, to try and … detect, uncover, and then disrupt people who would like to develop AI in directions which are dangerous.”",
]
#: Selects in the page from the paragraph FIRST to the paragraph LAST, as a reader's drag would.
SELECT_PARAGRAPHS = """([first, last]) => {
    const paragraphs = [...document.querySelectorAll('p')];
    const range = document.createRange();
    range.setStartBefore(paragraphs.find((p) => p.textContent === first));
    range.setEndAfter(paragraphs.find((p) => p.textContent === last));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
}"""
LAZY_PAGE = """<!DOCTYPE html><html><head><title>Lazy pictures</title></head><body><article>
<h1>Lazy pictures</h1>
<p>The first paragraph of a story whose pictures load late, long enough to count as an article body for any extractor.</p>
<img id="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/pictures/harbour.jpg" alt="The harbour">
<img id="lazyset" data-srcset="/pictures/boat-1x.jpg 1x, /pictures/boat-2x.jpg 2x" alt="A boat">
<p>The second paragraph goes on about the harbour and the boats in it, so there is some reading to keep here.</p>
<script>window.pageScriptRan = true;</script>
</article></body></html>"""
#: The in-page message's text for a role ("status" after a clip, "alert" after a failure); "" when none.
TOAST_TEXT = """(role) => document.getElementById('tidyclip-toast-host')?.shadowRoot
    .querySelector(`[role=${role}]`)?.textContent ?? ''"""


def manifest() -> dict:
    return json.loads((EXTENSION_DIR / "manifest.json").read_text())


# -- the package itself ---------------------------------------------------------------------------

def test_manifest_asks_for_least_permissions_and_supports_firefox():
    data = manifest()
    assert data["manifest_version"] == 3
    assert set(data["permissions"]) == PERMISSIONS
    assert set(data["host_permissions"]) == HOSTS
    assert data.get("optional_permissions") == ["tabs"]
    background = data["background"]
    assert background["service_worker"] == "background.js" and background["scripts"] == ["background.js"]
    gecko = data["browser_specific_settings"]["gecko"]
    assert gecko["id"]
    # 140 ESR is what many Linux distributions ship; nothing in the manifest needs more
    # (data_collection_permissions is read from 140 on).
    assert gecko["strict_min_version"] == "140.0"
    assert gecko["data_collection_permissions"] == {"required": ["none"]}
    assert data["commands"]["clip-page"]["suggested_key"]["default"] == "Alt+Shift+S"
    # The first retry comes 30 s after a failure: Chromium allows an alarm that soon from Chrome 120.
    assert data["minimum_chrome_version"] == "120"


def test_every_file_the_manifest_and_pages_name_exists_and_no_inline_script():
    data = manifest()
    named = [data["background"]["service_worker"], data["action"]["default_popup"], data["options_ui"]["page"]]
    named += list(data["icons"].values()) + list(data["action"]["default_icon"].values())
    for path in named:
        assert (EXTENSION_DIR / path).is_file(), path
    for page in EXTENSION_DIR.rglob("*.html"):
        html = page.read_text()
        # The extension CSP runs no inline script and no inline handler.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"\son[a-z]+=", html), page
        for ref in re.findall(r'(?:src|href)="([^"#:]+)"', html):
            assert (page.parent / ref).resolve().is_file(), f"{page.name} names a missing {ref}"
    for script in EXTENSION_DIR.rglob("*.js"):
        for ref in re.findall(r'from "(\.[^"]+)"', script.read_text()):
            assert (script.parent / ref).resolve().is_file(), f"{script.name} imports a missing {ref}"


# -- in the browser ------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=BROWSERS)
def browser_name(request) -> str:
    return request.param


@contextmanager
def loaded(name: str, profile: Path) -> Iterator[ExtensionDriver]:
    """A fresh browser named `name` (one of BROWSERS or SLOW_BROWSERS) with the extension loaded."""
    profile.mkdir(parents=True, exist_ok=True)
    if name.startswith("chromium"):
        require_chromium()
    if name == "chromium":
        with sync_playwright() as playwright:
            context = launch_chromium(playwright, profile)
            try:
                yield ChromiumExtension(context, playwright, profile)
            finally:
                context.close()
    elif name == "chromium-unwatched":
        extension = UnwatchedChromium(profile)
        try:
            yield extension
        finally:
            extension.close()
    else:
        marionette = launch_firefox(firefox_binary(name), profile)
        try:
            yield FirefoxExtension(marionette, name)
        finally:
            marionette.cleanup()


@pytest.fixture(scope="module")
def loaded_extension(browser_name, tmp_path_factory):
    """One browser for the module, with the extension loaded."""
    with loaded(browser_name, tmp_path_factory.mktemp(browser_name)) as extension:
        yield extension


@pytest.fixture
def extension(loaded_extension) -> ExtensionDriver:
    loaded_extension.reset()
    return loaded_extension


def page_folder(folder: Path) -> Path:
    """Test pages: the seed under several paths (the store keeps one clip per URL, so each test clips
    its own), the seed under a strict CSP, a page with lazy images, an empty page."""
    folder.mkdir(exist_ok=True)
    for name in ("seed", "seed-selection", "seed-queued", "seed-token"):
        (folder / name).mkdir()
        shutil.copy(FIXTURES / "seed-blogger" / "page.html", folder / name / "page.html")
    (folder / "lazy.html").write_text(LAZY_PAGE)
    strict = (FIXTURES / "seed-blogger" / "page.html").read_text(encoding="utf-8").replace(
        "<head>", """<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; style-src 'none'">""", 1)
    (folder / "strict-csp.html").write_text(strict, encoding="utf-8")
    (folder / "empty.html").write_text("<!DOCTYPE html><html><head><title>Nothing here</title></head><body></body></html>")
    return folder


@pytest.fixture(scope="module")
def pages(browser_name, tmp_path_factory):
    """The test pages on 127.0.0.1, a server per browser so each browser's pages have their own addresses."""
    with PageServer(page_folder(tmp_path_factory.mktemp("pages"))) as server:
        yield server


def stored_clips(server) -> dict:
    response = server.api("GET", "/api/clips", params={"limit": 50})
    assert response.status_code == 200, response.text
    return response.json()


def clips_of(server, url: str) -> int:
    return server.api("GET", "/api/clips", params={"url": url}).json()["total"]


def paragraphs_of(clip: dict) -> list[str]:
    return [part.strip() for part in clip["text"].split("\n\n") if part.strip()]


def expect_badge(extension: ExtensionDriver, tab: BrowserTab, text: str) -> None:
    wait_until(lambda: extension.badge(tab) == text, f"the badge to read {text!r}")


def expect_toast(tab: BrowserTab, role: str, text: str) -> str:
    """Wait for the in-page message to say `text`; its whole text."""
    wait_until(lambda: text in tab.evaluate(TOAST_TEXT, role), f"the in-page message to say {text!r}")
    return tab.evaluate(TOAST_TEXT, role)


def test_the_browser_takes_the_add_on(loaded_extension):
    if isinstance(loaded_extension, FirefoxExtension):
        # strict_min_version is what lets 140 ESR install it; the version says which Firefox ran.
        major = int(loaded_extension.version.split(".")[0])
        assert major == 140 if loaded_extension.name == "firefox-140" else major > 140
    assert loaded_extension.evaluate("chrome.runtime.getManifest().version") == manifest()["version"]


def test_first_install_opens_the_options_page_to_pair(loaded_extension):
    options_url = loaded_extension.page_url("options/options.html")
    wait_until(lambda: options_url in loaded_extension.page_urls(), "the options page")


def test_options_page_pairs_like_a_user(extension, server):
    tab = extension.open_page(extension.page_url("options/options.html"))
    tab.expect_text("#status", "Not paired yet")
    tab.expect_value("Server address", "http://127.0.0.1:7373")

    tab.fill("Server address", server.base_url)
    tab.fill("Token", "not-the-token")
    tab.click("Test connection")
    tab.expect_text("#status", "Server check passed")
    tab.expect_text("#status", "token check failed: the token is wrong")

    tab.fill("Token", server.token)
    tab.click("Test connection")
    tab.expect_text("#status", "Connection OK")
    tab.click("Save")
    tab.expect_text("#status", "Saved. Connection OK: tidyclip")
    saved = extension.evaluate("chrome.storage.local.get(['serverUrl', 'token'])")
    assert saved == {"serverUrl": server.base_url, "token": server.token}

    tab.fill("Server address", "http://example.com:7373")
    tab.click("Test connection")
    tab.expect_text("#status", "tidyclip runs on this machine")

    tab.fill("Server address", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    tab.click("Test connection")
    tab.expect_text("#status", "Server check failed")
    tab.expect_text("#status", "tidyclip is not running: start it with `tidyclip serve`")
    tab.expect_text("#status", "run `tidyclip service install` once")  # how to have it running from now on
    tab.close()


def test_clipping_the_seed_page_stores_a_tidy_clip(extension, server, pages, seed_expected):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("seed/page.html"))

    result = extension.clip(tab)
    assert result["ok"] is True, result
    assert result["status"] == "created"
    assert result["link"] == f"{server.base_url}/clips/{result['id']}"
    assert extension.badge(tab) == "✓"

    clip = server.api("GET", f"/api/clips/{result['id']}").json()
    assert clip["url"] == tab.url
    assert clip["title"] == seed_expected["title"] == result["title"]
    for field in ("site", "author", "published"):
        assert clip[field] == seed_expected[field], field
    kept = paragraphs_of(clip)
    # What the extension sends (the live DOM) makes the same clip as the page's file does.
    from_file = make_clip((FIXTURES / "seed-blogger" / "page.html").read_bytes(), tab.url, title=tab.title())
    assert kept == paragraphs_of(from_file)
    assert_meets_seed(kept, seed_expected)

    # Opened again later, the icon says the page is already clipped.
    tab.reload()
    expect_badge(extension, tab, "✓")
    status = extension.evaluate("([tabId, url]) => self.tabStatus(tabId, url)", [extension.tab_id(tab.url), tab.url])
    assert status["clipped"]["id"] == result["id"]

    # Clipping it again updates the clip instead of adding a second one.
    again = extension.clip(tab)
    assert again["ok"] and again["status"] == "updated" and again["id"] == result["id"]
    assert clips_of(server, tab.url) == 1
    tab.close()


def test_an_already_clipped_check_answered_late_leaves_a_newer_outcome_on_the_icon(extension, server, pages):
    """Opening a clipped page asks the server whether it is clipped; a clip that fails meanwhile (nothing
    selected) says "!", and the late answer must not paint "already clipped" over it."""
    tab_url = pages.url(f"seed/page.html?late-lookup-{extension.name}")
    page_html = (FIXTURES / "seed-blogger" / "page.html").read_text(encoding="utf-8")
    assert server.api("POST", "/api/clips", json={"url": tab_url, "html": page_html}).status_code == 201
    with SlowProxy(server.base_url, delay=0, lookup_delay=LATE_LOOKUP_S) as proxy:
        extension.pair(proxy.base_url, server.token)
        tab = extension.open_page(tab_url)
        assert extension.clip(tab, selection=True)["ok"] is False
        assert extension.badge(tab) == "!"
        wait_until(lambda: proxy.lookups_answered >= 1, "the already-clipped look-up to be answered",
                   timeout=LATE_LOOKUP_S + 30)
        time.sleep(0.5)  # the answer's badge, if it were painted, is a few calls after it
        assert extension.badge(tab) == "!"
    extension.pair(server.base_url, server.token)
    tab.close()


def test_a_selection_clip_holds_only_the_selection(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("seed-selection/page.html"))
    tab.evaluate(SELECT_PARAGRAPHS, [SELECTED_PARAGRAPHS[0], SELECTED_PARAGRAPHS[-1]])
    result = extension.clip(tab, selection=True)
    assert result["ok"] is True, result
    clip = server.api("GET", f"/api/clips/{result['id']}").json()
    assert paragraphs_of(clip) == SELECTED_PARAGRAPHS
    tab.close()


def test_selection_clip_without_a_selection_says_so(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("seed/page.html"))
    before = stored_clips(server)["total"]
    result = extension.clip(tab, selection=True)
    assert result == {"ok": False, "reason": "nothing is selected: select some text on the page first"}
    assert extension.badge(tab) == "!"
    assert stored_clips(server)["total"] == before
    tab.close()


def test_lazy_images_are_sent_with_their_real_source(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("lazy.html"))
    captured = extension.evaluate("(tabId) => self.captureTab(tabId)", extension.tab_id(tab.url))
    html = captured["html"]
    assert captured["url"] == tab.url and captured["title"] == "Lazy pictures"
    assert html.startswith("<!DOCTYPE html>")
    assert f'src="{pages.url("pictures/harbour.jpg")}"' in html
    assert 'srcset="/pictures/boat-1x.jpg 1x, /pictures/boat-2x.jpg 2x"' in html
    assert "pageScriptRan" not in html
    # The page itself is left as it was.
    assert tab.attribute("#lazy", "src").startswith("data:")
    tab.close()


def test_a_clip_made_while_the_server_is_down_waits_and_arrives_once(extension, start_server, pages, tmp_path):
    server = start_server(tmp_path / "data")
    extension.pair(server.base_url, server.token)
    server.stop()
    tab = extension.open_page(pages.url("seed-queued/page.html"))

    result = extension.clip(tab)
    assert result["ok"] is False and result["queued"] is True, result
    assert result["reason"] == (
        "tidyclip is not running: start it with `tidyclip serve`, or run `tidyclip service install` once to have it start whenever you log in")
    assert extension.badge(tab) == "↻"
    assert extension.evaluate("chrome.action.getBadgeText({})") == "1"
    # Retries back off: each failed delivery pushes the next try further away.
    first_retry = extension.evaluate("chrome.alarms.get('tidyclip-retry')")
    assert first_retry is not None
    failed = extension.flush()
    assert failed == {"delivered": 0, "waiting": 1, "error": result["reason"]}
    later_retry = extension.evaluate("chrome.alarms.get('tidyclip-retry')")
    # First try 30 s after the clip, the next 60 s after the failed delivery (which came later).
    assert later_retry["scheduledTime"] - first_retry["scheduledTime"] >= 29_000
    assert extension.evaluate("chrome.storage.local.get('retryLevel')") == {"retryLevel": 2}
    # The same page clipped twice while waiting is still one clip to send.
    assert extension.clip(tab)["waiting"] == 1
    assert [entry["url"] for entry in extension.waiting()] == [tab.url]

    popup = extension.open_page(extension.page_url("popup/popup.html"))
    popup.expect_text("#queue-count", "1 clip waiting to be sent.", exact=True)
    popup.expect_text("#queue-reason", "tidyclip is not running")
    popup.close()

    # The browser stops an idle background: the queue lives in storage, not in memory.
    extension.restart_background()
    assert len(extension.waiting()) == 1

    server = start_server(tmp_path / "data", port=server.port)
    outcome = extension.flush()
    assert outcome == {"delivered": 1, "waiting": 0}
    assert extension.waiting() == []
    listed = stored_clips(server)
    assert listed["total"] == 1 and listed["items"][0]["url"] == tab.url
    # Nothing left to send: a second flush delivers nothing and the store still holds one clip.
    assert extension.flush() == {"delivered": 0, "waiting": 0}
    assert stored_clips(server)["total"] == 1
    assert extension.evaluate("chrome.alarms.get('tidyclip-retry')") is None
    assert extension.evaluate("chrome.action.getBadgeText({})") == ""
    assert not [key for key in extension.evaluate("chrome.storage.local.get(null)") if key.startswith("queue:")]
    tab.close()


def test_a_wrong_token_is_told_in_plain_words_and_nothing_is_stored(extension, server, pages):
    extension.pair(server.base_url, "not-the-token")
    tab = extension.open_page(pages.url("seed-token/page.html"))
    before = stored_clips(server)["total"]

    result = extension.clip(tab)
    assert result["ok"] is False
    assert result["reason"] == "the token is wrong: paste it again in Options"
    assert stored_clips(server)["total"] == before
    assert clips_of(server, tab.url) == 0

    # The clip is not lost: once the right token is pasted, "Send now" in the popup delivers it.
    extension.pair(server.base_url, server.token)
    popup = extension.open_page(extension.page_url("popup/popup.html"))
    popup.expect_text("#queue-reason", "Last try: the token is wrong: paste it again in Options.", exact=True)
    popup.click("Send now")
    popup.expect_text("#result", "1 waiting clip delivered.")
    popup.expect_hidden("#queue")
    assert clips_of(server, tab.url) == 1
    popup.close()
    tab.close()


def test_a_few_words_selected_inside_a_paragraph_are_clipped_as_a_paragraph(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("seed-selection/page.html?words"))
    words = "Offers to spy hold huge risks."
    tab.evaluate(
        """(words) => {
            const paragraph = [...document.querySelectorAll('p')].find((p) => p.textContent.startsWith(words));
            const range = document.createRange();
            range.setStart(paragraph.firstChild, 0);
            range.setEnd(paragraph.firstChild, words.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        words,
    )
    captured = extension.evaluate("(tabId) => self.captureTab(tabId, {selection: true})", extension.tab_id(tab.url))
    assert captured["selection_html"] == f"<p>{words}</p>"
    result = extension.clip(tab, selection=True)
    assert result["ok"] is True, result
    assert server.api("GET", f"/api/clips/{result['id']}").json()["text"] == words
    tab.close()


def test_the_context_menu_clips_the_page_and_reports_in_it(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("seed/page.html?menu"))
    extension.click_menu(tab, "Clip page to tidyclip")
    said = expect_toast(tab, "status", "Clipped")
    (clip,) = server.api("GET", "/api/clips", params={"url": tab.url}).json()["items"]
    assert clip["title"] in said
    link = tab.evaluate("document.getElementById('tidyclip-toast-host').shadowRoot.querySelector('a').getAttribute('href')")
    assert link == f"{server.base_url}/clips/{clip['id']}"

    extension.pair(server.base_url, "not-the-token")
    extension.click_menu(tab, "Clip page to tidyclip")
    expect_toast(tab, "alert", "The token is wrong: paste it again in Options")
    # The message is never part of what gets clipped.
    assert "tidyclip-toast-host" not in extension.evaluate("(tabId) => self.captureTab(tabId)", extension.tab_id(tab.url))["html"]
    tab.close()


def test_package_script_builds_a_package_per_browser(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package_extension"), "--out", str(tmp_path)], check=True)
    for browser, background in (("chromium", {"service_worker": "background.js", "type": "module"}),
                                ("firefox", {"scripts": ["background.js"], "type": "module"})):
        with zipfile.ZipFile(tmp_path / f"tidyclip-{browser}.zip") as archive:
            packaged = json.loads(archive.read("manifest.json"))
            assert packaged["background"] == background
            assert ("browser_specific_settings" in packaged) == (browser == "firefox")
            assert ("minimum_chrome_version" in packaged) == (browser == "chromium")
            assert {"background.js", "popup/popup.html", "options/options.js", "lib/queue.js"} <= set(archive.namelist())
            archive.extractall(tmp_path / browser)
    web_ext = ROOT / "node_modules" / ".bin" / "web-ext"
    if web_ext.exists():
        lint = subprocess.run([str(web_ext), "lint", "--source-dir", str(tmp_path / "firefox"), "--self-hosted", "--output", "json"],
                              capture_output=True, text=True)
        summary = json.loads(lint.stdout)["summary"]
        assert summary["errors"] == 0 and summary["warnings"] == 0, lint.stdout


def test_the_toolbar_popup_clips_the_page_and_says_where_it_went(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("seed/page.html?popup"))
    popup = extension.open_popup(tab)
    popup.expect_hidden("#pairing")
    popup.expect_enabled("Clip selection", False)  # nothing is selected
    popup.click("Clip page")
    popup.expect_text("#result", "Clipped")
    link = popup.attribute("#result-link", "href")
    assert re.fullmatch(re.escape(server.base_url) + "/clips/.+", link), link
    clip = server.api("GET", f"/api/clips/{link.rsplit('/', 1)[1]}").json()
    assert clip["url"] == tab.url
    popup.expect_text("#result", clip["title"])
    popup.close()

    # Clip selection in the popup sends only what is selected on the page.
    selection_tab = extension.open_page(pages.url("seed-selection/page.html?popup"))
    selection_tab.evaluate(SELECT_PARAGRAPHS, [SELECTED_PARAGRAPHS[0], SELECTED_PARAGRAPHS[-1]])
    popup = extension.open_popup(selection_tab)
    popup.expect_enabled("Clip selection")
    popup.click("Clip selection")
    popup.expect_text("#result", "Clipped")
    selected = server.api("GET", "/api/clips", params={"url": selection_tab.url}).json()["items"][0]
    assert paragraphs_of(server.api("GET", f"/api/clips/{selected['id']}").json()) == SELECTED_PARAGRAPHS
    popup.close()
    selection_tab.close()

    # Opened again on the same page, the popup knows it is already clipped.
    popup = extension.open_popup(tab)
    popup.expect_text("#result", "Already clipped")
    assert popup.attribute("#result-link", "href") == link
    popup.close()
    tab.close()


def slow_answers(extension: ExtensionDriver, server, pages) -> None:
    """Answers slower than the 30 s the browsers give an idle background. First two uploads with no
    extension event pending while they wait (in Chromium an open popup's pending message would keep the
    worker alive anyway): a waiting clip sent by the retry alarm, and a clip from the context menu.
    Then a clip from the real popup, which must show the outcome. Each page is stored once, the queue
    empties, and the background is kept alive only while an upload is pending."""
    url = lambda path: pages.url(f"{path}?slow-{extension.name}")  # noqa: E731 (one address per browser)
    with SlowProxy(server.base_url, delay=SLOW_ANSWER_S) as proxy:
        extension.pair(f"http://127.0.0.1:{free_port()}", server.token)  # nothing listens: the clip waits
        waiting_tab = extension.open_page(url("seed-queued/page.html"))
        assert extension.clip(waiting_tab)["queued"] is True
        extension.pair(proxy.base_url, server.token)
        # The retry alarm, due now (the browsers do not hold an unpacked extension to 30 s).
        extension.evaluate("chrome.alarms.create('tidyclip-retry', {when: Date.now()})")
        menu_tab = extension.open_page(url("seed-selection/page.html"))
        extension.click_menu(menu_tab, "Clip page to tidyclip")
        # Only the pages are watched meanwhile: a call into the background would count as activity.
        wait_until(lambda: proxy.clips_passed_on == 2, "both clips to reach the server", timeout=SLOW_ANSWER_S + 30)
        expect_toast(menu_tab, "status", "Clipped")
        wait_until(lambda: extension.waiting() == [], "the waiting clip to leave the queue")
        assert extension.evaluate("self.keepingAlive()") is False

        tab = extension.open_page(url("seed/page.html"))
        popup = extension.open_popup(tab)
        popup.click("Clip page")
        popup.expect_text("#result", "Clipped", timeout=SLOW_ANSWER_S + 30)
        assert extension.waiting() == []
        assert extension.evaluate("self.keepingAlive()") is False
        popup.close()
        assert proxy.clips_passed_on == 3
    for clipped in (waiting_tab, menu_tab, tab):
        assert clips_of(server, clipped.url) == 1, clipped.url
        clipped.close()


def test_slow_answers_are_waited_for_in_every_browser_and_each_page_is_stored_once(server, tmp_path):
    """slow_answers in each browser at once (each waits out the slow server twice). Chromium runs
    without a debugger on its worker, so its idle rule applies as for a user."""
    failures = {}

    def run(name: str, pages: PageServer) -> None:
        try:
            with loaded(name, tmp_path / name) as extension:
                slow_answers(extension, server, pages)
        except BaseException as error:  # noqa: BLE001 (reported per browser below)
            failures[name] = error

    with PageServer(page_folder(tmp_path / "pages")) as pages:
        runs = [threading.Thread(target=run, args=(name, pages)) for name in SLOW_BROWSERS]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
    failed = {name: error for name, error in failures.items() if not isinstance(error, pytest.skip.Exception)}
    assert not failed, "\n".join(f"{name}: {error!r}" for name, error in failed.items())
    if failures:
        pytest.skip("; ".join(f"{name}: {error}" for name, error in failures.items()))


def test_a_page_the_server_refuses_is_reported_not_retried(extension, start_server, pages, tmp_path):
    server = start_server(tmp_path / "data")
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("empty.html"))

    result = extension.clip(tab)
    assert result == {"ok": False, "reason": "tidyclip refused the page: no article text found in the page"}
    assert extension.badge(tab) == "!"
    assert extension.waiting() == []

    # Kept while the server was down, refused once it is back: dropped from the queue, listed in the popup.
    server.stop()
    assert extension.clip(tab)["queued"] is True
    server = start_server(tmp_path / "data", port=server.port)
    assert extension.flush() == {"delivered": 0, "waiting": 0}
    popup = extension.open_page(extension.page_url("popup/popup.html"))
    popup.expect_text("#refused-list", "Nothing here: tidyclip refused the page: no article text found in the page", exact=True)
    popup.click("Dismiss")
    popup.expect_hidden("#refused")
    assert extension.evaluate("chrome.storage.local.get('refused')") == {"refused": []}
    assert stored_clips(server)["total"] == 0
    popup.close()
    tab.close()


@contextmanager
def stuck_server() -> Iterator[int]:
    """A port that takes connections and never answers: a send hangs as on a stuck server."""
    port = free_port()
    silent = socket.socket()
    silent.bind(("127.0.0.1", port))
    silent.listen(8)
    try:
        yield port
    finally:
        silent.close()


def test_a_clip_is_kept_while_it_is_sent_so_a_stopped_background_loses_nothing(extension, start_server, pages, tmp_path):
    with stuck_server() as port:
        extension.pair(f"http://127.0.0.1:{port}", "token-for-later")
        tab = extension.open_page(pages.url("seed-queued/page.html?mid-send"))
        extension.evaluate("(tabId) => { self.clipTab(tabId); return true; }", extension.tab_id(tab.url))
        wait_until(lambda: len(extension.waiting()) == 1, "the page to be kept before it is sent")
        # Kept alive while the upload is pending; a new background has nothing pending.
        assert extension.evaluate("self.keepingAlive()") is True
        extension.restart_background()
        assert extension.evaluate("self.keepingAlive()") is False

    assert [entry["url"] for entry in extension.waiting()] == [tab.url]
    server = start_server(tmp_path / "data", port=port)
    extension.pair(server.base_url, server.token)
    assert extension.flush() == {"delivered": 1, "waiting": 0}
    assert clips_of(server, tab.url) == 1
    tab.close()


def test_the_popup_says_so_when_the_background_stops_before_the_answer(extension, pages):
    with stuck_server() as port:
        extension.pair(f"http://127.0.0.1:{port}", "token-for-later")
        tab = extension.open_page(pages.url("seed-queued/page.html?popup-lost"))
        popup = extension.open_popup(tab)
        popup.click("Clip page")
        popup.expect_text("#result", "Clipping")
        wait_until(lambda: len(extension.waiting()) == 1, "the page to be kept before it is sent")
        extension.stop_background()
        popup.expect_text("#result", "Not clipped")
        popup.expect_text("#result", "The browser stopped tidyclip's background before the answer came")
        assert [entry["url"] for entry in extension.waiting()] == [tab.url]
        popup.close()
    tab.close()


@chromium_only
def test_a_page_the_browser_keeps_from_extensions_is_told_plainly(extension, server):
    extension.pair(server.base_url, server.token)
    page = extension.context.new_page()
    page.goto("chrome://version/")
    page.bring_to_front()
    tab_id = extension.evaluate("async () => (await chrome.tabs.query({active: true, lastFocusedWindow: true}))[0].id")
    result = extension.evaluate("(tabId) => self.clipTab(tabId)", tab_id)
    assert result == {"ok": False, "reason": "the browser does not let extensions read this page (browser pages, add-on stores, the PDF viewer)"}
    assert extension.evaluate("(tabId) => chrome.action.getBadgeText({tabId})", tab_id) == "!"
    assert extension.waiting() == []
    page.close()


def test_the_in_page_message_keeps_its_look_under_a_strict_content_security_policy(extension, server, pages):
    extension.pair(server.base_url, server.token)
    tab = extension.open_page(pages.url("strict-csp.html"))
    assert tab.evaluate("getComputedStyle(document.body).fontFamily") != "Georgia, serif"  # the page's own style is blocked
    result = extension.evaluate("(tabId) => self.clipTab(tabId, {toast: true})", extension.tab_id(tab.url))
    assert result["ok"] is True, result
    expect_toast(tab, "status", "Clipped")
    position = "getComputedStyle(document.getElementById('tidyclip-toast-host').shadowRoot.querySelector('.toast')).position"
    assert tab.evaluate(position) == "fixed"
    tab.close()
