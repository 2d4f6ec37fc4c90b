"""The reader's highlights, reading states and reading position in real headless Chromium against a
real server."""

import random
import re
import time

import pytest
from playwright.sync_api import expect

from test_review import browser, open_page  # noqa: F401  (browser: the module's Chromium, a fixture)

pytestmark = pytest.mark.browser

WORDS = ("harbour council budget river bridge school library orchard festival railway museum garden market "
         "weather forest island theatre clinic bakery stadium ferry tunnel canal meadow quarry mill lantern "
         "chapel foundry tram").split()


def long_article(title: str, paragraphs: int = 40) -> str:
    """An article long enough to scroll, every paragraph its own words (no near repeats to clean away)."""
    rng = random.Random(title)
    body = "".join(
        f"<p>Part {n} {'<em>' if n == 2 else ''}of the {title.lower()} story{'</em>' if n == 2 else ''} tells how the "
        + " ".join(rng.choice(WORDS) for _ in range(45)) + f" <a href='https://example.org/{n}'>changed</a> over the years.</p>"
        for n in range(paragraphs)
    )
    return f"<!doctype html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def create(server, url: str, html: str) -> dict:
    response = server.api("POST", "/api/clips", json={"url": url, "html": html})
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def watched(browser, server):  # noqa: F811
    page = open_page(browser, server)
    yield page
    page.page.context.close()


def wait_ready(page) -> None:
    page.wait_for_selector('.clip-article[data-ready="true"]')


def test_a_passage_across_two_paragraphs_is_highlighted_with_a_note_and_stays(watched, server, artifacts_dir):
    made = create(server, "https://reading.example/across", long_article("Across"))
    page = watched.goto(f"/clips/{made['id']}")
    wait_ready(page)
    second, third = page.locator("#content p").nth(2), page.locator("#content p").nth(3)
    second.scroll_into_view_if_needed()
    start, end = second.bounding_box(), third.bounding_box()
    page.mouse.move(start["x"] + start["width"] * 0.5, start["y"] + start["height"] - 8)  # the second's last line
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] * 0.4, end["y"] + 8, steps=10)  # into the third's first line
    page.mouse.up()
    selected = page.evaluate("getSelection().toString()")
    assert selected.strip() and "Part 3" in selected
    page.keyboard.press("h")
    note = page.locator("#highlight-note-form textarea")
    expect(note).to_be_focused()
    note.fill("across the paragraph break")
    page.locator("#highlight-note-form button[type=submit]").click()
    expect(page.locator(".highlight-item .hl-note")).to_have_text("across the paragraph break")
    assert second.locator("mark.hl").count() >= 1 and third.locator("mark.hl").count() >= 1
    page.screenshot(path=str(artifacts_dir / "reading-highlight.png"))

    page.reload()
    wait_ready(page)
    assert second.locator("mark.hl").count() >= 1 and third.locator("mark.hl").count() >= 1
    marked = " ".join(page.locator("#content mark.hl").all_inner_texts())
    assert "".join(marked.split()) == "".join(selected.split())  # exactly the passage selected, formatting and all
    expect(page.locator(".highlight-item .hl-note")).to_have_text("across the paragraph break")
    [stored] = server.api("GET", f"/api/clips/{made['id']}").json()["highlights"]
    assert stored["note"] == "across the paragraph break" and "\n\n" in stored["quote"]

    # the list scrolls to it; delete, then undo, brings it back
    page.evaluate("scrollTo(0, 0)")
    page.locator(".highlight-item .hl-quote").click()
    page.wait_for_function("document.querySelector('#content mark.hl').getBoundingClientRect().top < innerHeight")
    page.locator(".highlight-item .hl-delete").click()
    expect(page.locator("#content mark.hl")).to_have_count(0)
    page.locator("#toast .toast-action").click()
    expect(page.locator(".highlight-item .hl-note")).to_have_text("across the paragraph break")
    assert page.locator("#content mark.hl").count() >= 2
    assert len(server.api("GET", f"/api/clips/{made['id']}").json()["highlights"]) == 1
    assert watched.errors == [] and watched.dialogs == []


def test_archive_with_a_then_find_it_under_archived(watched, server):
    made = create(server, "https://reading.example/archive", long_article("Archive me", 6))
    page = watched.goto(f"/clips/{made['id']}")
    wait_ready(page)
    page.keyboard.press("a")
    expect(page.locator("#toast .toast-text")).to_have_text("Archived.")
    page.keyboard.press("f")
    expect(page.locator("#favorite-button")).to_have_attribute("aria-pressed", "true")
    assert server.api("GET", f"/api/clips/{made['id']}").json()["state"] == "archived"

    inbox = watched.goto("/")
    expect(inbox.locator('#tabs a[aria-current="page"]')).to_have_text("Unread")
    assert inbox.locator(f'.clip[data-id="{made["id"]}"]').count() == 0
    inbox.locator("#tabs a", has_text="Archived").click()
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"]')).to_have_count(1)
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"] .clip-state.archived')).to_be_visible()
    inbox.locator("#tabs a", has_text="Favourites").click()
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"]')).to_have_count(1)

    page = watched.goto(f"/clips/{made['id']}")
    wait_ready(page)
    page.keyboard.press("u")
    expect(page.locator("#toast .toast-text")).to_have_text("Moved to unread.")
    inbox = watched.goto("/")
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"]')).to_have_count(1)

    # the same keys on the list's current clip
    inbox.keyboard.press("j")
    expect(inbox.locator("#clips > .clip.current")).to_have_attribute("data-id", made["id"])
    inbox.keyboard.press("a")
    expect(inbox.locator("#toast .toast-text")).to_have_text("Archived.")
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"]')).to_have_class(re.compile("left-view"))
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"] .clip-state.archived')).to_be_visible()
    inbox.keyboard.press("f")
    expect(inbox.locator(f'.clip[data-id="{made["id"]}"] .clip-state.favorite')).to_have_count(0)
    assert server.api("GET", f"/api/clips/{made['id']}").json()["favorite"] is False
    assert watched.errors == []


def test_the_reading_position_comes_back(watched, server):
    made = create(server, "https://reading.example/position", long_article("Position"))
    page = watched.goto(f"/clips/{made['id']}")
    wait_ready(page)
    page.evaluate("scrollTo(0, 0.6 * (document.documentElement.scrollHeight - innerHeight))")
    deadline = time.monotonic() + 10
    while server.api("GET", f"/api/clips/{made['id']}").json()["progress"] < 0.55 and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # not time.sleep: the page's requests pass through this thread's route handler
    assert 0.55 <= server.api("GET", f"/api/clips/{made['id']}").json()["progress"] <= 0.65

    page.goto("about:blank")
    page = watched.goto(f"/clips/{made['id']}")  # opened again: not a reload, the browser keeps no position
    wait_ready(page)
    share = page.evaluate("scrollY / (document.documentElement.scrollHeight - innerHeight)")
    assert 0.55 <= share <= 0.65
    listing = watched.goto("/")
    expect(listing.locator(f'.clip[data-id="{made["id"]}"] .read-share')).to_have_text("60% read")
    assert "min read" in listing.locator(f'.clip[data-id="{made["id"]}"] .reading-time').inner_text()


def test_hostile_quote_and_note_run_nothing_in_the_reader(watched, server):
    hostile = "<p>Words: &lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;alert(2)&lt;/script&gt; end here.</p>"
    made = create(server, "https://reading.example/hostile", long_article("Hostile", 4).replace("</article>", hostile + "</article>"))
    quote = "<img src=x onerror=alert(1)> and <script>alert(2)</script>"
    response = server.api("POST", f"/api/clips/{made['id']}/highlights", json={"quote": quote, "note": "a < b <b>bold</b>"})
    assert response.status_code == 201, response.text
    page = watched.goto(f"/clips/{made['id']}")
    wait_ready(page)
    expect(page.locator(".highlight-item .hl-quote")).to_have_text(quote)
    assert "".join(page.locator("#content mark.hl").all_inner_texts()).replace(" ", "") == quote.replace(" ", "")
    assert page.locator("#highlights-panel img, #highlights-panel script, #highlights-panel b, #content mark img").count() == 0
    page.wait_for_timeout(300)
    assert watched.dialogs == [] and watched.errors == []
