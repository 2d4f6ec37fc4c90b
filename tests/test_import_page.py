"""The review page's import in real headless Chromium against a real server: a Pocket export chosen in
the file field, its clips listed while the server fetches their pages from 127.0.0.1, failures shown."""

import base64
import zipfile

import pytest
import requests
from playwright.sync_api import expect

from conftest import article_page
from local_web import LocalWeb, Route
from moving_in_files import Saved, pocket_zip
from test_review import browser, csrf_of, open_page  # noqa: F401  (the review tests' Chromium and page helpers)

pytestmark = pytest.mark.browser
HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_a_pocket_export_imported_from_the_page_is_listed_and_fetched(browser, start_server, tmp_path):  # noqa: F811
    server = start_server()
    with LocalWeb() as web:
        web.routes["/one"] = Route(article_page("One to read", seed=1).encode(), headers=HTML)
        web.routes["/two"] = Route(article_page("Two to read", seed=2).encode(), headers=HTML)
        export = pocket_zip(tmp_path / "pocket.zip", [Saved(web.url("/one"), "One to read", ["later"]),
                                                      Saved(web.url("/two"), "Two to read", archived=True),
                                                      Saved(web.url("/gone"), "Gone")])
        watched = open_page(browser, server)
        page = watched.goto("/import")
        page.set_input_files("#import-file", str(export))
        page.get_by_role("button", name="Import").click()
        expect(page.locator(".run-text")).to_contain_text("Imported pocket.zip (Pocket): 3 new", timeout=30_000)
        expect(page.locator(".pages")).to_contain_text("0 waiting for their page, 1 could not be fetched", timeout=30_000)
        page = watched.goto("/")
        expect(page.locator(".clip")).to_have_count(3)
        expect(page.locator(".clip", has_text="Gone")).to_contain_text("page not fetched: HTTP 404")
        expect(page.locator(".moving-in")).to_contain_text("1 page could not be fetched")
        page.locator(".clip a.open", has_text="One to read").click()
        expect(page.locator("#content")).to_contain_text("Paragraph 1 of story 1")
        assert watched.errors == [] and watched.dialogs == []
        watched.page.context.close()


def test_a_file_that_is_no_export_is_refused_at_once(start_server, tmp_path):
    server = start_server()
    photos = tmp_path / "photos.zip"
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr("a.txt", "hello")
    headers = {"X-CSRF-Token": csrf_of(server)}
    for body, message in (({"name": "photos.zip", "data": base64.b64encode(photos.read_bytes()).decode()}, "not an export"),
                          ({"name": "x", "data": "%%%"}, "not base64"), ({"name": "x"}, "base64")):
        answer = requests.post(server.base_url + "/ui/import", json=body, headers=headers, timeout=30)
        assert answer.status_code == 422 and message in answer.json()["error"]["message"], answer.text
    status = requests.get(server.base_url + "/ui/import", timeout=30).json()
    assert status == {"run": None, "pages": {"waiting": 0, "failed": 0, "fetching": 0}}
    assert not list((server.data_dir / "uploads").glob("*"))
