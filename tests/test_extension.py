"""The browser extension, end to end: real headless Chromium with extension/ loaded, talking to a
real tidyclip server over HTTP. Clips go through the same handler the toolbar popup uses
(`self.clipTab` in the service worker)."""

import json
import re
import shutil
import socket
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import EXTENSION_DIR, FIXTURES, ROOT, assert_meets_seed, free_port, require_chromium
from extension_support import Extension, PageServer, launch, wait_until
from tidyclip.engine import make_clip

pytestmark = pytest.mark.browser

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

@pytest.fixture(scope="module")
def loaded_extension(tmp_path_factory):
    """One browser for the module, with the extension loaded."""
    require_chromium()
    profile = tmp_path_factory.mktemp("profile")
    with sync_playwright() as playwright:
        context = launch(playwright, profile)
        yield Extension(context, playwright, profile)
        context.close()


@pytest.fixture
def extension(loaded_extension) -> Extension:
    loaded_extension.reset()
    return loaded_extension


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Test pages on 127.0.0.1: the seed under several paths (the store keeps one clip per URL, so
    each test clips its own), the seed under a strict CSP, a page with lazy images, an empty page."""
    folder = tmp_path_factory.mktemp("pages")
    for name in ("seed", "seed-selection", "seed-queued", "seed-token"):
        (folder / name).mkdir()
        shutil.copy(FIXTURES / "seed-blogger" / "page.html", folder / name / "page.html")
    (folder / "lazy.html").write_text(LAZY_PAGE)
    strict = (FIXTURES / "seed-blogger" / "page.html").read_text(encoding="utf-8").replace(
        "<head>", """<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; style-src 'none'">""", 1)
    (folder / "strict-csp.html").write_text(strict, encoding="utf-8")
    (folder / "empty.html").write_text("<!DOCTYPE html><html><head><title>Nothing here</title></head><body></body></html>")
    with PageServer(folder) as server:
        yield server


def open_page(extension: Extension, url: str):
    page = extension.context.new_page()
    page.goto(url)
    return page


def stored_clips(server) -> dict:
    response = server.api("GET", "/api/clips", params={"limit": 50})
    assert response.status_code == 200, response.text
    return response.json()


def paragraphs_of(clip: dict) -> list[str]:
    return [part.strip() for part in clip["text"].split("\n\n") if part.strip()]


def test_first_install_opens_the_options_page_to_pair(loaded_extension):
    options_url = loaded_extension.page_url("options/options.html")
    # Playwright takes in new pages while it is called: evaluate() keeps it listening as we wait.
    wait_until(lambda: loaded_extension.evaluate("true") and any(page.url == options_url for page in loaded_extension.context.pages),
               "the options page")


def test_options_page_pairs_like_a_user(extension, server):
    page = extension.context.new_page()
    page.goto(extension.page_url("options/options.html"))
    status = page.get_by_role("status")
    expect(status).to_contain_text("Not paired yet")
    expect(page.get_by_label("Server address")).to_have_value("http://127.0.0.1:7373")

    page.get_by_label("Server address").fill(server.base_url)
    page.get_by_label("Token").fill("not-the-token")
    page.get_by_role("button", name="Test connection").click()
    expect(status).to_contain_text("Server check passed")
    expect(status).to_contain_text("token check failed: the token is wrong")

    page.get_by_label("Token").fill(server.token)
    page.get_by_role("button", name="Test connection").click()
    expect(status).to_contain_text("Connection OK")
    page.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("Saved. Connection OK: tidyclip")
    saved = extension.evaluate("chrome.storage.local.get(['serverUrl', 'token'])")
    assert saved == {"serverUrl": server.base_url, "token": server.token}

    page.get_by_label("Server address").fill("http://example.com:7373")
    page.get_by_role("button", name="Test connection").click()
    expect(status).to_contain_text("tidyclip runs on this machine")

    page.get_by_label("Server address").fill(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    page.get_by_role("button", name="Test connection").click()
    expect(status).to_contain_text("Server check failed")
    expect(status).to_contain_text("tidyclip is not running: start it with `tidyclip serve`")
    page.close()


def test_clipping_the_seed_page_stores_a_tidy_clip(extension, server, pages, seed_expected):
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("seed/page.html"))

    result = extension.clip(page)
    assert result["ok"] is True, result
    assert result["status"] == "created"
    assert result["link"] == f"{server.base_url}/clips/{result['id']}"
    assert extension.badge(page) == "✓"

    clip = server.api("GET", f"/api/clips/{result['id']}").json()
    assert clip["url"] == page.url
    assert clip["title"] == seed_expected["title"] == result["title"]
    for field in ("site", "author", "published"):
        assert clip[field] == seed_expected[field], field
    kept = paragraphs_of(clip)
    # What the extension sends (the live DOM) makes the same clip as the page's file does.
    from_file = make_clip((FIXTURES / "seed-blogger" / "page.html").read_bytes(), page.url, title=page.title())
    assert kept == paragraphs_of(from_file)
    assert_meets_seed(kept, seed_expected)

    # Opened again later, the icon says the page is already clipped.
    page.reload()
    expect_badge(extension, page, "✓")
    status = extension.evaluate("([tabId, url]) => self.tabStatus(tabId, url)", [extension.tab_id(page.url), page.url])
    assert status["clipped"]["id"] == result["id"]

    # Clipping it again updates the clip instead of adding a second one.
    again = extension.clip(page)
    assert again["ok"] and again["status"] == "updated" and again["id"] == result["id"]
    assert server.api("GET", "/api/clips", params={"url": page.url}).json()["total"] == 1
    page.close()


def expect_badge(extension: Extension, page, text: str) -> None:
    wait_until(lambda: extension.badge(page) == text, f"the badge to read {text!r}")


def test_a_selection_clip_holds_only_the_selection(extension, server, pages):
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("seed-selection/page.html"))
    page.evaluate(SELECT_PARAGRAPHS, [SELECTED_PARAGRAPHS[0], SELECTED_PARAGRAPHS[-1]])
    result = extension.clip(page, selection=True)
    assert result["ok"] is True, result
    clip = server.api("GET", f"/api/clips/{result['id']}").json()
    assert paragraphs_of(clip) == SELECTED_PARAGRAPHS
    page.close()


def test_selection_clip_without_a_selection_says_so(extension, server, pages):
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("seed/page.html"))
    before = stored_clips(server)["total"]
    result = extension.clip(page, selection=True)
    assert result == {"ok": False, "reason": "nothing is selected: select some text on the page first"}
    assert extension.badge(page) == "!"
    assert stored_clips(server)["total"] == before
    page.close()


def test_lazy_images_are_sent_with_their_real_source(extension, server, pages):
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("lazy.html"))
    captured = extension.evaluate("(tabId) => self.captureTab(tabId)", extension.tab_id(page.url))
    html = captured["html"]
    assert captured["url"] == page.url and captured["title"] == "Lazy pictures"
    assert html.startswith("<!DOCTYPE html>")
    assert f'src="{pages.url("pictures/harbour.jpg")}"' in html
    assert 'srcset="/pictures/boat-1x.jpg 1x, /pictures/boat-2x.jpg 2x"' in html
    assert "pageScriptRan" not in html
    # The page itself is left as it was.
    assert page.get_attribute("#lazy", "src").startswith("data:")
    page.close()


def test_a_clip_made_while_the_server_is_down_waits_and_arrives_once(extension, start_server, pages, tmp_path):
    server = start_server(tmp_path / "data")
    extension.pair(server.base_url, server.token)
    server.stop()
    page = open_page(extension, pages.url("seed-queued/page.html"))

    result = extension.clip(page)
    assert result["ok"] is False and result["queued"] is True, result
    assert result["reason"] == "tidyclip is not running: start it with `tidyclip serve`"
    assert extension.badge(page) == "↻"
    assert extension.evaluate("chrome.action.getBadgeText({})") == "1"
    # Retries back off: each failed delivery pushes the next try further away.
    first_retry = extension.evaluate("chrome.alarms.get('tidyclip-retry')")
    assert first_retry is not None
    failed = extension.flush()
    assert failed == {"delivered": 0, "waiting": 1, "error": "tidyclip is not running: start it with `tidyclip serve`"}
    later_retry = extension.evaluate("chrome.alarms.get('tidyclip-retry')")
    # First try 30 s after the clip, the next 60 s after the failed delivery (which came later).
    assert later_retry["scheduledTime"] - first_retry["scheduledTime"] >= 29_000
    assert extension.evaluate("chrome.storage.local.get('retryLevel')") == {"retryLevel": 2}
    # The same page clipped twice while waiting is still one clip to send.
    assert extension.clip(page)["waiting"] == 1
    assert [entry["url"] for entry in extension.waiting()] == [page.url]

    popup = extension.context.new_page()
    popup.goto(extension.page_url("popup/popup.html"))
    expect(popup.locator("#queue-count")).to_have_text("1 clip waiting to be sent.")
    expect(popup.locator("#queue-reason")).to_contain_text("tidyclip is not running")
    popup.close()

    # The browser stops idle service workers: the queue lives in storage, not in memory.
    extension.restart_worker()
    assert len(extension.waiting()) == 1

    server = start_server(tmp_path / "data", port=server.port)
    outcome = extension.flush()
    assert outcome == {"delivered": 1, "waiting": 0}
    assert extension.waiting() == []
    listed = stored_clips(server)
    assert listed["total"] == 1 and listed["items"][0]["url"] == page.url
    # Nothing left to send: a second flush delivers nothing and the store still holds one clip.
    assert extension.flush() == {"delivered": 0, "waiting": 0}
    assert stored_clips(server)["total"] == 1
    assert extension.evaluate("chrome.alarms.get('tidyclip-retry')") is None
    assert extension.evaluate("chrome.action.getBadgeText({})") == ""
    assert not [key for key in extension.evaluate("chrome.storage.local.get(null)") if key.startswith("queue:")]
    page.close()


def test_a_wrong_token_is_told_in_plain_words_and_nothing_is_stored(extension, server, pages):
    extension.pair(server.base_url, "not-the-token")
    page = open_page(extension, pages.url("seed-token/page.html"))
    before = stored_clips(server)["total"]

    result = extension.clip(page)
    assert result["ok"] is False
    assert result["reason"] == "the token is wrong: paste it again in Options"
    assert stored_clips(server)["total"] == before
    assert server.api("GET", "/api/clips", params={"url": page.url}).json()["total"] == 0

    # The clip is not lost: once the right token is pasted, "Send now" in the popup delivers it.
    extension.pair(server.base_url, server.token)
    popup = extension.context.new_page()
    popup.goto(extension.page_url("popup/popup.html"))
    expect(popup.locator("#queue-reason")).to_have_text("Last try: the token is wrong: paste it again in Options.")
    popup.get_by_role("button", name="Send now").click()
    expect(popup.get_by_role("status")).to_contain_text("1 waiting clip delivered.")
    expect(popup.locator("#queue")).to_be_hidden()
    assert server.api("GET", "/api/clips", params={"url": page.url}).json()["total"] == 1
    popup.close()
    page.close()


def test_a_few_words_selected_inside_a_paragraph_are_clipped_as_a_paragraph(extension, server, pages):
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("seed-selection/page.html?words"))
    words = "Offers to spy hold huge risks."
    page.evaluate(
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
    captured = extension.evaluate("(tabId) => self.captureTab(tabId, {selection: true})", extension.tab_id(page.url))
    assert captured["selection_html"] == f"<p>{words}</p>"
    result = extension.clip(page, selection=True)
    assert result["ok"] is True, result
    assert server.api("GET", f"/api/clips/{result['id']}").json()["text"] == words
    page.close()


def test_a_clip_from_the_menu_or_shortcut_reports_in_the_page(extension, server, pages):
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("seed/page.html?toast"))
    result = extension.evaluate("(tabId) => self.clipTab(tabId, {toast: true})", extension.tab_id(page.url))
    assert result["ok"] is True, result
    toast = page.locator("#tidyclip-toast-host [role=status]")
    expect(toast).to_contain_text("Clipped")
    expect(toast).to_contain_text(result["title"])
    expect(toast.get_by_role("link", name="Open it in tidyclip")).to_have_attribute("href", result["link"])

    extension.pair(server.base_url, "not-the-token")
    extension.evaluate("(tabId) => self.clipTab(tabId, {toast: true})", extension.tab_id(page.url))
    expect(page.locator("#tidyclip-toast-host [role=alert]")).to_contain_text("The token is wrong: paste it again in Options")
    # The message is never part of what gets clipped.
    assert "tidyclip-toast-host" not in extension.evaluate("(tabId) => self.captureTab(tabId)", extension.tab_id(page.url))["html"]
    page.close()


def test_package_script_builds_a_package_per_browser(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package_extension"), "--out", str(tmp_path)], check=True)
    for browser, background in (("chromium", {"service_worker": "background.js", "type": "module"}),
                                ("firefox", {"scripts": ["background.js"], "type": "module"})):
        with zipfile.ZipFile(tmp_path / f"tidyclip-{browser}.zip") as archive:
            packaged = json.loads(archive.read("manifest.json"))
            assert packaged["background"] == background
            assert ("browser_specific_settings" in packaged) == (browser == "firefox")
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
    page = open_page(extension, pages.url("seed/page.html?popup"))
    popup = extension.open_popup(page)
    expect(popup.locator("#pairing")).to_be_hidden()
    expect(popup.get_by_role("button", name="Clip selection")).to_be_disabled()  # nothing is selected
    popup.get_by_role("button", name="Clip page").click()
    result = popup.get_by_role("status")
    expect(result).to_contain_text("Clipped")
    link = popup.get_by_role("link", name="Open it in tidyclip")
    expect(link).to_have_attribute("href", re.compile(re.escape(server.base_url) + "/clips/.+"))
    clip_id = link.get_attribute("href").rsplit("/", 1)[1]
    assert server.api("GET", f"/api/clips/{clip_id}").json()["url"] == page.url
    expect(result).to_contain_text(server.api("GET", f"/api/clips/{clip_id}").json()["title"])
    popup.close()

    # Clip selection in the popup sends only what is selected on the page.
    selection_page = open_page(extension, pages.url("seed-selection/page.html?popup"))
    selection_page.evaluate(SELECT_PARAGRAPHS, [SELECTED_PARAGRAPHS[0], SELECTED_PARAGRAPHS[-1]])
    popup = extension.open_popup(selection_page)
    expect(popup.get_by_role("link", name="Open tidyclip")).to_have_attribute("href", f"{server.base_url}/")  # status is in
    expect(popup.get_by_role("button", name="Clip selection")).to_be_enabled()
    popup.get_by_role("button", name="Clip selection").click()
    expect(popup.get_by_role("status")).to_contain_text("Clipped")
    selected = server.api("GET", "/api/clips", params={"url": selection_page.url}).json()["items"][0]
    assert paragraphs_of(server.api("GET", f"/api/clips/{selected['id']}").json()) == SELECTED_PARAGRAPHS
    popup.close()
    selection_page.close()

    # Opened again on the same page, the popup knows it is already clipped.
    popup = extension.open_popup(page)
    expect(popup.get_by_role("status")).to_contain_text("Already clipped")
    expect(popup.get_by_role("link", name="Open it in tidyclip")).to_have_attribute("href", f"{server.base_url}/clips/{clip_id}")
    popup.close()
    page.close()


def test_a_page_the_server_refuses_is_reported_not_retried(extension, start_server, pages, tmp_path):
    server = start_server(tmp_path / "data")
    extension.pair(server.base_url, server.token)
    page = open_page(extension, pages.url("empty.html"))

    result = extension.clip(page)
    assert result == {"ok": False, "reason": "tidyclip refused the page: no article text found in the page"}
    assert extension.badge(page) == "!"
    assert extension.waiting() == []

    # Kept while the server was down, refused once it is back: dropped from the queue, listed in the popup.
    server.stop()
    assert extension.clip(page)["queued"] is True
    server = start_server(tmp_path / "data", port=server.port)
    assert extension.flush() == {"delivered": 0, "waiting": 0}
    popup = extension.context.new_page()
    popup.goto(extension.page_url("popup/popup.html"))
    expect(popup.locator("#refused-list")).to_have_text("Nothing here: tidyclip refused the page: no article text found in the page")
    popup.get_by_role("button", name="Dismiss").click()
    expect(popup.locator("#refused")).to_be_hidden()
    assert extension.evaluate("chrome.storage.local.get('refused')") == {"refused": []}
    assert stored_clips(server)["total"] == 0
    popup.close()
    page.close()


def test_a_clip_is_kept_while_it_is_sent_so_a_stopped_worker_loses_nothing(extension, start_server, pages, tmp_path):
    # A port that takes connections and never answers: the send hangs as on a stuck server.
    port = free_port()
    silent = socket.socket()
    silent.bind(("127.0.0.1", port))
    silent.listen(8)
    try:
        extension.pair(f"http://127.0.0.1:{port}", "token-for-later")
        page = open_page(extension, pages.url("seed-queued/page.html?mid-send"))
        extension.evaluate("(tabId) => { self.clipTab(tabId); return true; }", extension.tab_id(page.url))
        wait_until(lambda: len(extension.waiting()) == 1, "the page to be kept before it is sent")
        extension.restart_worker()
    finally:
        silent.close()

    assert [entry["url"] for entry in extension.waiting()] == [page.url]
    server = start_server(tmp_path / "data", port=port)
    extension.pair(server.base_url, server.token)
    assert extension.flush() == {"delivered": 1, "waiting": 0}
    assert server.api("GET", "/api/clips", params={"url": page.url}).json()["total"] == 1
    page.close()


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
    page = open_page(extension, pages.url("strict-csp.html"))
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Georgia, serif"  # the page's own style is blocked
    result = extension.evaluate("(tabId) => self.clipTab(tabId, {toast: true})", extension.tab_id(page.url))
    assert result["ok"] is True, result
    toast = page.locator("#tidyclip-toast-host .toast")
    expect(toast).to_contain_text("Clipped")
    assert toast.evaluate("(box) => getComputedStyle(box).position") == "fixed"
    page.close()
