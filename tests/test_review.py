"""The review pages in real headless Chromium against a real server; clips are made through the API."""

import json
import re
import time

import pytest
import requests
from playwright.sync_api import expect

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium

pytestmark = pytest.mark.browser

SEED_URL = "https://dispatch-digest.blogspot.com/2023/07/join-hands-with-us-britains-mi6-chief.html"
#: A 1x1 PNG served for every image a clip points at outside this server: the tests stay offline, and a
#: missing picture is not mistaken for a page error.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b3e2f40000000049454e44ae426082"
)
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

HOSTILE_PAGE = """<!doctype html><html><head><title>Hostile page</title>
<script>alert('head script')</script></head><body><article>
<h1>Hostile page</h1>
<p>This article tries every trick to run script in the review page, and each must stay inert.</p>
<p>An image with a handler follows here: <img src=x onerror=alert(1)> and the text goes on after it.</p>
<script>alert('body script')</script>
<p>Here is a <a href="javascript:alert(2)">link that would run script</a> in the middle of a sentence.</p>
<p onclick="alert(3)">A paragraph with a click handler, which a sanitizer must drop before it is shown.</p>
<p>The words &lt;script&gt;alert(4)&lt;/script&gt; are only text and are shown as text, never run.</p>
<svg onload="alert(5)"><circle r="4"></circle></svg>
<iframe src="javascript:alert(6)"></iframe>
<p>Last paragraph of the hostile page, long enough for the extractor to keep the article whole.</p>
</article></body></html>"""


def article_page(title: str, paragraphs: list[str], site: str, image: str | None = None) -> str:
    image_meta = f'<meta property="og:image" content="{image}">' if image else ""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f'<!doctype html><html><head><title>{title}</title><meta property="og:site_name" content="{site}">'
        f"{image_meta}</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )


TOPICS = {
    "bicycle": article_page(
        "The long history of the bicycle",
        [
            "The bicycle changed how towns were laid out: riders wanted smooth roads, and the clubs they formed "
            "pressed councils until the roads were paved for everyone.",
            "Early machines had a huge front wheel and no gears, so a fall from the high seat was common and "
            "often painful for the rider.",
            "The safety bicycle put two wheels of the same size under a chain drive, and women took to it as a "
            "way to travel alone for the first time.",
            "Pneumatic tyres followed within a few years, and the bicycle boom filled factories that would later "
            "build the first motor cars.",
        ],
        "Wheel Weekly", "https://images.example.org/bicycle.jpg",
    ),
    "bread": article_page(
        "Why bread rises",
        [
            "Yeast eats the sugars in flour and breathes out carbon dioxide, which is the whole secret of a "
            "light loaf.",
            "Kneading builds a net of gluten that traps the bubbles, so the dough swells instead of letting the "
            "gas escape.",
            "A long, cool rise gives the yeast time to make the flavours that a quick loaf never has.",
            "In the oven the gas expands once more before the heat sets the crumb and browns the crust.",
        ],
        "Kitchen Notes", "https://images.example.org/bread.jpg",
    ),
    "tides": article_page(
        "Tidal energy, explained",
        [
            "The moon pulls the oceans into two bulges, and the earth turns beneath them twice a day.",
            "Turbines under the water turn with the flow in both directions, much like wind turbines but slower "
            "and far heavier.",
            "Because the tides follow a timetable, the power they make can be planned years in advance.",
            "Salt water is hard on machines, and keeping the blades clean of weed is a large part of the cost.",
        ],
        "Wheel Weekly",
    ),
}


def create_clip(server, url: str, html: str) -> dict:
    response = server.api("POST", "/api/clips", json={"url": url, "html": html})
    assert response.status_code in (200, 201), response.text
    return response.json()


def once_linked(server, clip_id: str, timeout: float = 10.0) -> dict:
    """The clip as stored once the server has linked it to its stories (it links just after answering)."""
    deadline = time.monotonic() + timeout
    while True:
        clip = server.api("GET", f"/api/clips/{clip_id}").json()
        if clip["similar"] or time.monotonic() > deadline:
            return clip
        time.sleep(0.05)


@pytest.fixture(scope="module")
def clips(server, seed_page) -> dict:
    made = {"seed": create_clip(server, SEED_URL, seed_page)}
    for name, html in TOPICS.items():
        made[name] = create_clip(server, f"https://{name}.example.org/story", html)
    made["hostile"] = create_clip(server, "https://hostile.example.net/article", HOSTILE_PAGE)
    return made


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A browser page whose dialogs and console errors are recorded (and dialogs dismissed)."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.prompt_answer: str | None = None
        page.on("dialog", self._dialog)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _dialog(self, dialog) -> None:
        if dialog.type == "prompt" and self.prompt_answer is not None:
            dialog.accept(self.prompt_answer)
        else:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, f"{path}: {response.status}"
        return self.page


def open_page(browser, server, viewport: str = "desktop", **context_args) -> Watched:
    context = browser.new_context(viewport=VIEWPORTS[viewport], **context_args)

    def outside_images(route):
        if route.request.url.startswith(server.base_url):
            route.continue_()
        else:
            route.fulfill(status=200, content_type="image/png", body=PIXEL)

    context.route("**/*", outside_images)
    return Watched(context.new_page(), server.base_url)


@pytest.fixture
def watched(browser, server, clips):
    page = open_page(browser, server)
    yield page
    page.page.context.close()


def csrf_of(server) -> str:
    html = requests.get(server.base_url + "/", timeout=30).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def squash(text: str) -> str:
    return " ".join(text.split())


# ---- list and search --------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_list_shows_the_clips_made_through_the_api(browser, server, clips, artifacts_dir, viewport):
    watched = open_page(browser, server, viewport)
    page = watched.goto("/")
    titles = page.locator(".clip-title").all_inner_texts()
    for clip in clips.values():
        assert clip["title"] in titles
    assert page.locator("#count").inner_text().startswith(f"{len(clips)} clips")
    first = page.locator(".clip").first  # newest first: the last one made
    assert clips["hostile"]["title"] in first.inner_text()
    bicycle = page.locator(".clip", has_text="history of the bicycle")
    assert "Wheel Weekly" in bicycle.locator(".meta").inner_text()
    assert f"{clips['bicycle']['word_count']:,} words" in bicycle.inner_text()
    assert bicycle.locator("img.thumb").get_attribute("src") == "https://images.example.org/bicycle.jpg"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the list overflows sideways"
    page.screenshot(path=str(artifacts_dir / f"review-list-{viewport}.png"))
    assert watched.errors == [] and watched.dialogs == []
    watched.page.context.close()


def test_search_finds_and_highlights(watched, clips, artifacts_dir):
    page = watched.goto("/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("gluten")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=gluten"))
    page.screenshot(path=str(artifacts_dir / "review-search-desktop.png"))
    assert page.locator(".clip-title").all_inner_texts() == [clips["bread"]["title"]]
    marks = page.locator(".snippet mark").all_inner_texts()
    assert marks and all(mark.lower() == "gluten" for mark in marks)
    assert "1 clip match" in page.locator("#count").inner_text()
    assert watched.errors == []


def test_filters_by_site_and_tag(watched, server, clips):
    page = watched.goto("/?site=Wheel+Weekly")
    assert sorted(page.locator(".clip-title").all_inner_texts()) == sorted(
        [clips["bicycle"]["title"], clips["tides"]["title"]]
    )
    page.locator(".clip", has_text="bicycle").locator("a.site").click()
    page.wait_for_url(re.compile(r"site=Wheel"))
    assert page.locator(".clip").count() == 2
    page = watched.goto("/?tag=no-such-tag")
    assert page.locator(".clip").count() == 0
    assert "No clip matches" in page.locator(".empty").inner_text()
    clipped_on = clips["seed"]["created"][:10]
    page = watched.goto(f"/?from={clipped_on}&to={clipped_on}")
    assert page.locator(".clip").count() >= len(clips)
    page = watched.goto("/?to=2000-01-01")
    assert page.locator(".clip").count() == 0
    page = watched.goto("/?from=2024-1-5")
    assert "is not a date" in page.locator("#count").inner_text()


def test_keyboard_moves_and_opens(watched, clips):
    page = watched.goto("/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    second = page.locator(".clip").nth(1)
    assert "current" in second.get_attribute("class")
    expected = second.get_attribute("data-id")
    page.keyboard.press("o")
    page.wait_for_url(f"**/clips/{expected}")
    assert watched.errors == []


# ---- reader view ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reader_shows_the_seed_clip_with_every_paragraph_once(
    browser, server, clips, seed_expected, artifacts_dir, viewport
):
    watched = open_page(browser, server, viewport)
    page = watched.goto(f"/clips/{clips['seed']['id']}")
    assert page.locator("h1.article-title").inner_text() == seed_expected["title"]
    assert page.locator("a.original").get_attribute("href") == SEED_URL
    content = squash(page.locator("#content").inner_text())
    where = []
    for paragraph in seed_expected["paragraphs_once_in_order"]:
        wanted = squash(paragraph)
        assert content.count(wanted) == 1, f"{content.count(wanted)} times: {wanted[:70]}"
        where.append(content.index(wanted))
    assert where == sorted(where), "paragraphs out of order"
    for forbidden in seed_expected["forbidden"]:
        assert forbidden not in content
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the reader overflows sideways"
    page.screenshot(path=str(artifacts_dir / f"review-reader-{viewport}.png"))
    assert watched.errors == [] and watched.dialogs == []
    watched.page.context.close()


def test_removed_panel_lists_the_cleaning_report_and_restores_a_block(watched, server, seed_page, artifacts_dir):
    copy = create_clip(server, "https://mirror.example.org/mi6-story", seed_page)
    removed = copy["cleaning"]["removed"]
    assert removed, "the seed page should have something removed"
    page = watched.goto(f"/clips/{copy['id']}")
    page.locator("#removed summary").click()
    page.locator("#removed").screenshot(path=str(artifacts_dir / "review-removed-panel.png"))
    blocks = page.locator(".removed-block")
    assert blocks.count() == len(removed)
    assert squash(blocks.first.locator(".removed-text").inner_text()) == squash(removed[0]["text"])
    page.locator(".removed-block .restore").first.click()
    expect(page.locator(".removed-block")).to_have_count(len(removed) - 1)
    after = server.api("GET", f"/api/clips/{copy['id']}").json()
    assert removed[0]["position"] in after["cleaning"]["restored"]
    assert removed[0]["position"] not in [block["position"] for block in after["cleaning"]["removed"]]
    assert watched.errors == []


def test_reader_links_other_outlets_of_the_same_story(watched, server, clips, seed_page):
    twin = create_clip(server, "https://other-outlet.example.com/mi6", seed_page.replace("Dispatch Digest", "Other Outlet"))
    twin = once_linked(server, twin["id"])
    if not twin["similar"]:
        pytest.skip("the stories detector did not link the twin (stories are another room)")
    page = watched.goto(f"/clips/{twin['id']}")
    links = page.locator(".similar a")
    assert links.count() == len(twin["similar"])
    assert links.first.get_attribute("href") == f"/clips/{twin['similar'][0]['id']}"


# ---- edit, delete, undo -----------------------------------------------------------------------


def test_edit_title_tags_and_note(watched, server, clips):
    clip = clips["tides"]
    page = watched.goto(f"/clips/{clip['id']}")
    page.locator("#edit-button").click()
    form = page.locator("#edit-form")
    form.locator("input[name=title]").fill("Tides, turbines and timetables")
    form.locator("input[name=tags]").fill("energy, sea , energy")
    form.locator("textarea[name=note]").fill("Read again before the talk.")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1.article-title")).to_have_text("Tides, turbines and timetables")
    assert page.locator("#tags .tag").all_inner_texts() == ["energy", "sea"]
    assert page.locator("#note").inner_text() == "Read again before the talk."
    stored = server.api("GET", f"/api/clips/{clip['id']}").json()
    assert (stored["title"], stored["tags"], stored["note"]) == (
        "Tides, turbines and timetables", ["energy", "sea"], "Read again before the talk."
    )
    assert watched.errors == []


def test_delete_then_undo_brings_the_clip_back_whole(watched, server, clips):
    clip = clips["bread"]
    server.api("PATCH", f"/api/clips/{clip['id']}", json={"tags": ["baking"], "note": "keep me"})
    page = watched.goto(f"/clips/{clip['id']}")
    page.locator("#delete-button").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    toast = page.locator("#toast")
    toast.wait_for(state="visible")
    assert "Deleted 1 clip" in toast.inner_text()
    assert clip["title"] not in page.locator("#clips").inner_text()
    assert server.api("GET", f"/api/clips/{clip['id']}").status_code == 404
    toast.locator(".toast-action").click()
    page.wait_for_selector(f'.clip[data-id="{clip["id"]}"]')
    back = server.api("GET", f"/api/clips/{clip['id']}").json()
    assert (back["id"], back["tags"], back["note"], back["html"]) == (clip["id"], ["baking"], "keep me", clip["html"])
    assert watched.errors == []


def test_select_several_to_tag_export_and_delete(watched, server, clips, tmp_path):
    page = watched.goto("/")
    chosen = [clips["bicycle"]["id"], clips["tides"]["id"]]
    for clip_id in chosen:
        page.locator(f'.clip[data-id="{clip_id}"] .pick-box').check()
    assert page.locator("#bulk .bulk-count").inner_text() == "2 selected"

    watched.prompt_answer = "weekend, reading"
    page.locator("#bulk [data-bulk=tag]").click()
    page.wait_for_selector(f'.clip[data-id="{chosen[0]}"] .tag:text-is("weekend")')
    for clip_id in chosen:
        assert {"weekend", "reading"} <= set(server.api("GET", f"/api/clips/{clip_id}").json()["tags"])

    for clip_id in chosen:
        page.locator(f'.clip[data-id="{clip_id}"] .pick-box').check()
    page.locator("#bulk [data-bulk=export]").click()
    page.wait_for_url(re.compile(r"/export\?ids="))
    assert "2 selected clips" in page.locator(".export-form").inner_text()
    page.locator("input[name=format][value=jsonl]").check()
    with page.expect_download() as download_info:
        page.locator(".export-form button[type=submit]").click()
    target = tmp_path / "picked.jsonl"
    download_info.value.save_as(target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(chosen)

    page = watched.goto("/")
    for clip_id in chosen:
        page.locator(f'.clip[data-id="{clip_id}"] .pick-box').check()
    page.locator("#bulk [data-bulk=delete]").click()
    page.locator("#toast").wait_for(state="visible")
    assert page.locator(f'.clip[data-id="{chosen[0]}"]').count() == 0
    assert all(server.api("GET", f"/api/clips/{clip_id}").status_code == 404 for clip_id in chosen)
    page.locator("#toast .toast-action").click()
    page.wait_for_selector(f'.clip[data-id="{chosen[0]}"]')
    assert all(server.api("GET", f"/api/clips/{clip_id}").status_code == 200 for clip_id in chosen)
    assert watched.errors == [] and watched.dialogs == []


# ---- security ---------------------------------------------------------------------------------


def test_a_hostile_page_clipped_runs_nothing(watched, clips):
    hostile = clips["hostile"]
    page = watched.goto("/")
    page = watched.goto(f"/clips/{hostile['id']}")
    content = page.locator("#content")
    assert "<script>alert(4)</script>" in content.inner_text()  # shown as the text it was
    assert content.locator("script, iframe, svg, [onerror], [onclick], [onload]").count() == 0
    assert content.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator("script:not([src])").count() == 0
    link = content.locator("a", has_text="link that would run script")
    if link.count():
        link.click()
    page.wait_for_timeout(300)
    assert page.url.endswith(f"/clips/{hostile['id']}")
    assert watched.dialogs == []
    assert watched.errors == []


def test_state_changes_need_the_csrf_token(server, clips):
    clip_id = clips["seed"]["id"]
    url = f"{server.base_url}/ui/clips/{clip_id}"
    token = csrf_of(server)

    missing = requests.patch(url, json={"title": "hijacked"}, timeout=30)
    wrong = requests.patch(url, json={"title": "hijacked"}, headers={"X-CSRF-Token": "x" * len(token)}, timeout=30)
    foreign = requests.patch(
        url, json={"title": "hijacked"}, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}, timeout=30
    )
    delete = requests.post(f"{server.base_url}/ui/delete", json={"ids": [clip_id]}, timeout=30)
    for refused in (missing, wrong, foreign, delete):
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] in ("csrf", "bad_origin")
    assert server.api("GET", f"/api/clips/{clip_id}").json()["title"] == clips["seed"]["title"]

    allowed = requests.patch(url, json={"note": "mine"}, headers={"X-CSRF-Token": token}, timeout=30)
    assert allowed.status_code == 200 and allowed.json()["note"] == "mine"


def test_pages_are_sent_with_a_strict_policy_and_only_to_loopback_names(server, clips):
    for path in ("/", f"/clips/{clips['seed']['id']}", "/connect", "/export", "/assets/review.css"):
        response = requests.get(server.base_url + path, timeout=30)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    rebound = requests.get(server.base_url + "/", headers={"Host": "evil.example:80"}, timeout=30)
    assert rebound.status_code == 403
    missing = requests.get(f"{server.base_url}/clips/0000000000000000", timeout=30)
    assert missing.status_code == 404 and "Clip not found" in missing.text


# ---- pairing and export -----------------------------------------------------------------------


def test_connect_page_copies_the_token(browser, server, clips):
    watched = open_page(browser, server, permissions=["clipboard-read", "clipboard-write"])
    page = watched.goto("/connect")
    assert page.locator("#token").input_value() == server.token
    page.locator("button.copy[data-copy=token]").click()
    page.locator("#toast").wait_for(state="visible")
    assert page.evaluate("navigator.clipboard.readText()") == server.token
    assert "Load unpacked" in page.locator(".steps").inner_text()
    assert watched.errors == []
    watched.page.context.close()


@pytest.mark.parametrize("fmt", ["md", "json", "jsonl", "html", "epub", "csv", "bookmarks"])
def test_export_streams_every_format(server, clips, fmt):
    response = requests.get(f"{server.base_url}/export", params={"format": fmt}, timeout=60, stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    body = response.content
    assert body
    if fmt == "jsonl":
        assert len(body.decode().splitlines()) == server.api("GET", "/api/clips").json()["total"]


def test_export_of_the_current_search_is_what_the_list_shows(server, clips):
    response = requests.get(f"{server.base_url}/export", params={"format": "jsonl", "site": "Wheel Weekly"}, timeout=60)
    ids = sorted(json.loads(line)["id"] for line in response.text.splitlines())
    assert ids == sorted([clips["bicycle"]["id"], clips["tides"]["id"]])
    unknown = requests.get(f"{server.base_url}/export", params={"format": "docx"}, timeout=30)
    assert unknown.status_code == 422 and "docx" in unknown.text


def test_the_next_page_loads_as_you_scroll(browser, start_server):
    from tidyclip.config import REVIEW_PAGE_SIZE

    server = start_server()
    count = REVIEW_PAGE_SIZE + 5
    for n in range(count):
        create_clip(server, f"https://notes.example.org/{n}", article_page(
            f"Field note number {n}",
            [f"Field note {n} records what the observer saw at dawn on day {n} of the survey, in full sentences.",
             f"The weather on day {n} was noted too, with the wind and the temperature at the station."],
            "Field Notes",
        ))
    watched = open_page(browser, server)
    page = watched.goto("/")
    assert page.locator("#count").inner_text().startswith(f"{count} clips")
    expect(page.locator(".clip")).to_have_count(REVIEW_PAGE_SIZE)
    page.mouse.wheel(0, 100_000)
    expect(page.locator(".clip")).to_have_count(count)
    titles = page.locator(".clip-title").all_inner_texts()
    assert titles[0] == f"Field note number {count - 1}" and titles[-1] == "Field note number 0"
    assert len(set(titles)) == count
    assert page.locator("#next-page").count() == 0
    assert watched.errors == []
    watched.page.context.close()
