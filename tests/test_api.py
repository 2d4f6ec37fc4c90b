"""The JSON API over real HTTP: every route, every error status (security has its own file)."""

import json

import requests

from conftest import article_page


def post_page(server, url: str, title: str = "A harbour story", seed: int = 0, **extra) -> requests.Response:
    return server.api("POST", "/api/clips", json={"url": url, "html": article_page(title, seed), **extra})


def assert_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    assert "Traceback" not in response.text
    if code:
        assert error["code"] == code
    return error


def test_health_needs_no_token(server):
    response = requests.get(server.base_url + "/api/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["version"]


def test_post_creates_then_same_page_updates_keeping_created_tags_note(server):
    first = post_page(server, "https://news.example.com/story/1?utm_source=feed#top", "Bridge reopens", seed=1)
    assert first.status_code == 201
    clip = first.json()
    assert clip["status"] == "created" and len(clip["id"]) == 16
    assert clip["title"] == "Bridge reopens" and "story 1" in clip["text"]
    assert first.headers["Location"] == f"/api/clips/{clip['id']}"

    patched = server.api("PATCH", f"/api/clips/{clip['id']}", json={"tags": ["city", "transport"], "note": "read later"})
    assert patched.status_code == 200 and patched.json()["tags"] == ["city", "transport"]

    # the same page: other tracking parameters, fragment, default port, host case
    again = post_page(server, "https://NEWS.example.com:443/story/1?fbclid=abc", "Bridge reopens", seed=2)
    assert again.status_code == 200, again.text
    updated = again.json()
    assert updated["status"] == "updated" and updated["id"] == clip["id"]
    assert updated["created"] == clip["created"]
    assert updated["tags"] == ["city", "transport"] and updated["note"] == "read later"
    assert "story 2" in updated["text"]  # the new version of the page was kept

    listed = server.api("GET", "/api/clips", params={"url": "https://news.example.com/story/1"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == clip["id"]


def test_get_one_clip_whole(server):
    clip = post_page(server, "https://news.example.com/whole", "Whole clip", seed=3).json()
    got = server.api("GET", f"/api/clips/{clip['id']}")
    assert got.status_code == 200
    body = got.json()
    for field in ("id", "url", "title", "text", "markdown", "html", "cleaning", "created", "updated", "tags", "note"):
        assert field in body
    assert body["text"] == clip["text"]


def test_list_filters_sort_and_paging(server):
    ids = []
    for n, (title, site_url) in enumerate(
        [("Orchard harvest", "https://a.example.org/o"), ("Railway timetable", "https://b.example.org/r"),
         ("Museum opening", "https://a.example.org/m")]
    ):
        ids.append(post_page(server, site_url, title, seed=10 + n).json()["id"])
    server.api("PATCH", f"/api/clips/{ids[1]}", json={"tags": ["Trains"]})

    everything = server.api("GET", "/api/clips", params={"limit": 500}).json()
    assert everything["total"] >= 3
    assert all("text" not in item and "html" not in item for item in everything["items"])
    created = [item["created"] for item in everything["items"]]
    assert created == sorted(created, reverse=True)  # newest first by default

    tagged = server.api("GET", "/api/clips", params={"tag": "trains"}).json()
    assert [item["id"] for item in tagged["items"]] == [ids[1]]

    oldest = server.api("GET", "/api/clips", params={"sort": "oldest", "limit": 1}).json()
    assert oldest["total"] == everything["total"] and len(oldest["items"]) == 1
    assert oldest["items"][0]["created"] == min(created)

    second_page = server.api("GET", "/api/clips", params={"limit": 1, "offset": 1}).json()["items"]
    assert second_page[0]["id"] == everything["items"][1]["id"]

    today = everything["items"][0]["created"][:10]
    assert server.api("GET", "/api/clips", params={"from": today, "to": today}).json()["total"] == everything["total"]
    assert server.api("GET", "/api/clips", params={"to": "2000-01-01"}).json()["total"] == 0

    site = everything["items"][0]["site"]
    if site:
        by_site = server.api("GET", "/api/clips", params={"site": site.upper()}).json()
        assert by_site["total"] >= 1 and all(item["site"] == site for item in by_site["items"])


def test_search_is_ranked_with_escaped_marked_snippets(server):
    page = article_page("Zeppelin weekend", seed=40, body_extra="<p>The zeppelin &lt;b&gt;hangar&lt;/b&gt; & the zeppelin crew.</p>")
    target = server.api("POST", "/api/clips", json={"url": "https://c.example.org/z", "html": page}).json()
    mention = article_page("Weekend notes", seed=41, body_extra="<p>One zeppelin was seen.</p>")
    server.api("POST", "/api/clips", json={"url": "https://c.example.org/w", "html": mention})

    found = server.api("GET", "/api/clips", params={"q": "zeppelin"}).json()
    assert found["total"] == 2
    assert found["items"][0]["id"] == target["id"]  # the title match ranks first
    snippet = found["items"][0]["snippet"]
    assert "<mark>" in snippet.lower() and "</mark>" in snippet
    assert "<b>" not in snippet  # everything but the marks is escaped
    prefix = server.api("GET", "/api/clips", params={"q": "zeppel*"}).json()  # a prefix
    assert prefix["total"] == 2
    assert server.api("GET", "/api/clips", params={"q": "\"unbalanced AND ("}).status_code == 200
    assert server.api("GET", "/api/clips", params={"q": "nosuchwordanywhere"}).json() == {"items": [], "total": 0}


def test_patch_title_tags_note(server):
    clip = post_page(server, "https://news.example.com/patch", "Before", seed=5).json()
    response = server.api("PATCH", f"/api/clips/{clip['id']}", json={"title": "After", "tags": ["a", "A", " b "], "note": "n"})
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "After" and body["tags"] == ["a", "b"] and body["note"] == "n"
    assert server.api("GET", f"/api/clips/{clip['id']}").json()["title"] == "After"
    assert server.api("GET", "/api/clips", params={"q": "After"}).json()["items"][0]["id"] == clip["id"]


def test_delete(server):
    clip = post_page(server, "https://news.example.com/delete-me", "Delete me", seed=6).json()
    response = server.api("DELETE", f"/api/clips/{clip['id']}")
    assert response.status_code == 200 and response.json()["id"] == clip["id"] and response.json()["status"] == "deleted"
    assert_error(server.api("GET", f"/api/clips/{clip['id']}"), 404, "not_found")
    assert_error(server.api("DELETE", f"/api/clips/{clip['id']}"), 404, "not_found")
    assert server.api("GET", "/api/clips", params={"q": "Delete me"}).json()["total"] == 0


def test_openapi_document_is_served(server):
    response = server.api("GET", "/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.") and "/api/clips/{clip_id}" in doc["paths"]


def test_openapi_matches_the_routes(tmp_path):
    from tidyclip.web import create_app
    from tidyclip.web.openapi import openapi_document

    app = create_app(tmp_path / "data")
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {
        (path, method) for path, item in openapi_document("x")["paths"].items() for method in item if method != "parameters"
    }
    assert routes == documented
    app.extensions["tidyclip.library"].close()


# -- every error status -----------------------------------------------------------------------------
def test_400_bad_json_and_bad_query(server):
    bad = server.api("POST", "/api/clips", data="{not json", headers={"Content-Type": "application/json"})
    assert_error(bad, 400, "bad_json")
    assert_error(server.api("POST", "/api/clips", json=["a list"]), 400, "bad_json")
    for params in ({"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"sort": "random"}, {"from": "yesterday"}):
        assert_error(server.api("GET", "/api/clips", params=params), 400, "bad_query")


def test_401_without_token(server):
    assert_error(requests.get(server.base_url + "/api/clips", timeout=10), 401, "unauthorized")


def test_403_web_origin(server):
    assert_error(server.api("GET", "/api/clips", headers={"Origin": "https://evil.example"}), 403, "bad_origin")


def test_404_unknown_clip_and_route(server):
    assert_error(server.api("GET", "/api/clips/0123456789abcdef"), 404, "not_found")
    assert_error(server.api("GET", "/api/clips/..%2F..%2Ftoken"), 404)
    assert_error(server.api("PATCH", "/api/clips/nothex", json={"note": "x"}), 404, "not_found")
    assert_error(server.api("GET", "/api/nothing-here"), 404)


def test_405_wrong_method(server):
    error = assert_error(server.api("PUT", "/api/clips", json={}), 405, "method_not_allowed")
    assert "PUT" in error["message"]


def test_413_too_large(server):
    from tidyclip.config import MAX_BODY_BYTES

    big = json.dumps({"url": "https://x.example/", "html": "a" * (MAX_BODY_BYTES + 10)})
    assert_error(server.api("POST", "/api/clips", data=big, headers={"Content-Type": "application/json"}), 413)


def test_415_not_json(server):
    response = server.api("POST", "/api/clips", data='{"url": "https://x.example/", "html": "<p>x</p>"}',
                          headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")


def test_422_unusable_input(server):
    assert_error(server.api("POST", "/api/clips", json={"html": "<p>x</p>"}), 422, "bad_input")
    assert_error(server.api("POST", "/api/clips", json={"url": "javascript:alert(1)", "html": "<p>x</p>"}), 422)
    assert_error(server.api("POST", "/api/clips", json={"url": "https://x.example/", "html": ""}), 422)
    assert_error(server.api("POST", "/api/clips", json={"url": "https://x.example/", "html": "<html><body></body></html>"}), 422)
    clip = post_page(server, "https://news.example.com/422", "Valid", seed=7).json()
    for change in ({"tags": "not-a-list"}, {"title": ""}, {"id": "x"}, {}, {"note": 5}):
        assert_error(server.api("PATCH", f"/api/clips/{clip['id']}", json=change), 422, "bad_input")


def test_500_has_no_stack_trace(server):
    clip = post_page(server, "https://news.example.com/broken", "Broken body", seed=8).json()
    for body_file in (server.data_dir / "bodies" / clip["id"][:2]).glob(f"{clip['id']}.*.json"):
        body_file.write_text("{truncated")
    error = assert_error(server.api("GET", f"/api/clips/{clip['id']}"), 500)
    assert "store.py" not in error["message"] and "File " not in error["message"]
