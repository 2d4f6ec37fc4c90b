"""Reading over real HTTP: states and highlights through the API and the review pages' routes, kept
when the text changes (reclean, Restore, the page clipped again, an import), exported and imported."""

import json
import re
import subprocess
import sys

import pytest
import requests

from conftest import ROOT, article_page
from tidyclip.store import Store

#: Words found in no clip's text: a search for them can only match a highlight's note.
NOTE_WORD = "quokkanote"


def clip(server, url: str, html: str) -> dict:
    response = server.api("POST", "/api/clips", json={"url": url, "html": html})
    assert response.status_code in (200, 201), response.text
    return response.json()


def paragraphs(clip_json: dict) -> list[str]:
    return clip_json["text"].split("\n\n")


def highlight(server, clip_id: str, **body) -> requests.Response:
    return server.api("POST", f"/api/clips/{clip_id}/highlights", json=body)


def csrf_of(server) -> str:
    html = requests.get(server.base_url + "/", timeout=30).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def tidyclip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tidyclip", *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


# ---- states -----------------------------------------------------------------------------------


def test_a_new_clip_is_unread_and_the_states_are_set_and_filtered(server):
    made = [clip(server, f"https://states.example/{n}", article_page(f"State {n}", 40 + n)) for n in range(3)]
    ids = [item["id"] for item in made]
    created = {item["id"]: item["updated"] for item in made}
    fresh = server.api("GET", f"/api/clips/{ids[0]}").json()
    assert (fresh["state"], fresh["favorite"], fresh["progress"], fresh["highlights"]) == ("unread", False, 0.0, [])

    read_on = server.api("PATCH", f"/api/clips/{ids[2]}", json={"progress": 0.1}).json()
    assert read_on["progress"] == 0.1 and read_on["updated"] == created[ids[2]]  # reading is no edit
    assert server.api("PATCH", f"/api/clips/{ids[0]}", json={"state": "archived"}).json()["state"] == "archived"
    changed = server.api("PATCH", f"/api/clips/{ids[1]}", json={"favorite": True, "progress": 0.5}).json()
    assert changed["favorite"] is True and changed["progress"] == 0.5 and changed["state"] == "unread"

    def listed(**params) -> set[str]:
        answer = server.api("GET", "/api/clips", params={"limit": 500, **params}).json()
        return {item["id"] for item in answer["items"]} & set(ids)

    assert listed() == set(ids)  # the API's default is every clip, as before
    assert listed(state="archived") == {ids[0]}
    assert listed(state="unread") == {ids[1], ids[2]}
    assert listed(favorite="true") == {ids[1]}
    assert listed(state="unread", favorite="false") == {ids[2]}
    assert server.api("GET", f"/api/clips/{ids[0]}").json()["updated"] > created[ids[0]]  # archiving is an edit
    summary = next(item for item in server.api("GET", "/api/clips", params={"favorite": "true"}).json()["items"])
    assert summary["progress"] == 0.5 and "highlights" not in summary


@pytest.mark.parametrize("body, message", [
    ({"state": "read"}, "state must be one of unread, archived"),
    ({"favorite": "yes"}, "favorite must be true or false"),
    ({"progress": 2}, "progress must be a number from 0 to 1"),
    ({"highlights": []}, "cannot change highlights"),
])
def test_bad_states_are_refused_and_change_nothing(server, body, message):
    clip_id = clip(server, "https://states.example/bad", article_page("Bad state", 50))["id"]
    before = server.api("GET", f"/api/clips/{clip_id}").json()
    response = server.api("PATCH", f"/api/clips/{clip_id}", json=body)
    assert response.status_code == 422 and message in response.json()["error"]["message"]
    assert server.api("GET", f"/api/clips/{clip_id}").json() == before


@pytest.mark.parametrize("params", [{"state": "read"}, {"favorite": "1"}])
def test_bad_list_filters_are_400(server, params):
    response = server.api("GET", "/api/clips", params=params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_query"


def test_a_clip_saved_before_the_states_existed_reads_as_unread(tmp_path, start_server):
    data = tmp_path / "old"
    with Store(data) as store:
        saved, _ = store.save({"url": "https://old.example/a", "title": "Old", "text": "Old text of an old clip."})
    shard = data / "meta" / f"{saved['id'][:3]}.json"
    record = json.loads(shard.read_text())
    for doc in record["clips"].values():
        for field in ("state", "favorite", "progress", "highlights"):
            doc.pop(field, None)
    shard.write_text(json.dumps(record))
    (data / "index.sqlite").unlink()
    server = start_server(data)
    old = server.api("GET", f"/api/clips/{saved['id']}").json()
    assert (old["state"], old["favorite"], old["progress"], old["highlights"]) == ("unread", False, 0.0, [])
    assert [item["id"] for item in server.api("GET", "/api/clips", params={"state": "unread"}).json()["items"]] == [saved["id"]]


# ---- highlights ---------------------------------------------------------------------------------


def test_highlights_are_made_edited_and_deleted(server):
    made = clip(server, "https://marks.example/a", article_page("Marks", 60))
    first, second = paragraphs(made)[1:3]
    across = first[-20:] + second[:16]  # as a browser's selection gives it: no blank line where paragraphs meet
    created = highlight(server, made["id"], quote=across, note=f"both paragraphs {NOTE_WORD}")
    assert created.status_code == 201, created.text
    mark = created.json()
    assert mark["quote"] == first[-20:] + "\n\n" + second[:16].rstrip()  # as the clip's text has it
    assert mark["detached"] is False and re.fullmatch(r"[0-9a-f]{12}", mark["id"])
    assert made["text"][mark["position"]["start"]:mark["position"]["end"]] == mark["quote"]
    assert server.api("GET", f"/api/clips/{made['id']}").json()["highlights"] == [mark]

    edited = server.api("PATCH", f"/api/clips/{made['id']}/highlights/{mark['id']}", json={"note": "changed"})
    assert edited.status_code == 200 and edited.json()["note"] == "changed"
    deleted = server.api("DELETE", f"/api/clips/{made['id']}/highlights/{mark['id']}")
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted" and deleted.json()["id"] == mark["id"]
    assert server.api("GET", f"/api/clips/{made['id']}").json()["highlights"] == []
    assert server.api("DELETE", f"/api/clips/{made['id']}/highlights/{mark['id']}").status_code == 404


def test_the_context_picks_which_of_two_equal_passages(server):
    page = article_page("Twice", 61, body_extra="<p>The same words again here.</p><p>Between them a paragraph.</p>"
                                                 "<p>The same words again here.</p>")
    made = clip(server, "https://marks.example/twice", page)
    second = made["text"].rindex("The same words again here.")
    mark = highlight(server, made["id"], quote="same words", prefix="a paragraph. The ", suffix=" again").json()
    assert mark["position"]["start"] == second + len("The ")


@pytest.mark.parametrize("body, status, message", [
    ({"quote": "words that are in no paragraph of this clip at all"}, 422, "not in the clip's text"),
    ({"quote": ""}, 422, "quote must be"),
    ({"quote": "Paragraph", "note": 5}, 422, "note must be a string"),
    ({"note": "no quote"}, 422, "quote must be"),
])
def test_bad_highlights_are_refused(server, body, status, message):
    made = clip(server, "https://marks.example/bad", article_page("Bad marks", 62))
    response = highlight(server, made["id"], **body)
    assert response.status_code == status and message in response.json()["error"]["message"]
    assert server.api("GET", f"/api/clips/{made['id']}").json()["highlights"] == []


def test_unknown_clip_or_highlight_is_404(server):
    made = clip(server, "https://marks.example/404", article_page("Unknown", 63))
    assert highlight(server, "0" * 16, quote="Paragraph").status_code == 404
    assert server.api("PATCH", f"/api/clips/{made['id']}/highlights/{'a' * 12}", json={"note": "x"}).status_code == 404
    assert server.api("PATCH", f"/api/clips/{made['id']}/highlights/{'a' * 12}", json={"quote": "x"}).status_code == 422


def test_search_finds_highlight_notes_and_says_so(server):
    made = clip(server, "https://marks.example/search", article_page("Searched", 64))
    highlight(server, made["id"], quote=paragraphs(made)[0][:40], note=f"remember the {NOTE_WORD} here")
    found = server.api("GET", "/api/clips", params={"q": NOTE_WORD}).json()
    assert [item["id"] for item in found["items"]] == [made["id"]]
    assert f"<mark>{NOTE_WORD}</mark>" in found["items"][0]["highlight_snippet"]
    plain = server.api("GET", "/api/clips", params={"q": "Searched"}).json()["items"]
    assert made["id"] in [item["id"] for item in plain] and "highlight_snippet" not in plain[0]


def test_hostile_quote_and_note_are_stored_and_served_inert(server):
    hostile = "<p>Look: &lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(2)&gt; are words here.</p>"
    made = clip(server, "https://marks.example/hostile", article_page("Hostile marks", 65, body_extra=hostile))
    quote = "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
    assert quote in made["text"]
    mark = highlight(server, made["id"], quote=quote, note="<img src=x onerror=alert(3)><script>alert(4)</script>ok")
    assert mark.status_code == 201, mark.text
    assert mark.json()["quote"] == quote  # the page's words, kept as text
    assert mark.json()["note"] == "alert(4)ok"  # a note is plain text, as the clip's note
    reader = requests.get(f"{server.base_url}/clips/{made['id']}", timeout=30).text
    listing = requests.get(f"{server.base_url}/", params={"q": "alert"}, timeout=30).text
    for page in (reader, listing):
        assert "<script>alert" not in page and "<img src=x" not in page


# ---- kept when the text changes -----------------------------------------------------------------


def test_highlights_survive_restore(server, seed_page):
    made = clip(server, "https://marks.example/seed", seed_page)
    removed = made["cleaning"]["removed"]
    assert removed
    last = paragraphs(made)[-1]
    mark = highlight(server, made["id"], quote=last[:60], note="kept").json()
    gone = highlight(server, made["id"], quote=paragraphs(made)[0][:50]).json()

    token = csrf_of(server)
    restored = requests.post(f"{server.base_url}/ui/clips/{made['id']}/restore", json={"position": removed[0]["position"]},
                             headers={"X-CSRF-Token": token}, timeout=60)
    assert restored.status_code == 200, restored.text
    after = server.api("GET", f"/api/clips/{made['id']}").json()
    assert after["text"] != made["text"]
    kept = {item["id"]: item for item in after["highlights"]}
    assert kept[mark["id"]]["quote"] == mark["quote"] and kept[mark["id"]]["detached"] is False
    assert after["text"][kept[mark["id"]]["position"]["start"]:].startswith(mark["quote"])



def test_a_highlight_whose_text_is_gone_is_kept_detached(server):
    made = clip(server, "https://marks.example/shorter", article_page("Shorter", 66, paragraphs=6))
    kept = highlight(server, made["id"], quote=paragraphs(made)[1][5:60], note="stays").json()
    gone = highlight(server, made["id"], quote=paragraphs(made)[-1][5:60], note="its paragraph goes").json()
    again = clip(server, "https://marks.example/shorter", article_page("Shorter", 66, paragraphs=3))  # the page clipped again
    assert again["id"] == made["id"] and gone["quote"] not in again["text"]
    states = {item["id"]: item for item in server.api("GET", f"/api/clips/{made['id']}").json()["highlights"]}
    assert states[gone["id"]]["detached"] is True
    assert (states[gone["id"]]["quote"], states[gone["id"]]["note"]) == (gone["quote"], "its paragraph goes")
    assert states[kept["id"]]["detached"] is False and states[kept["id"]]["quote"] == kept["quote"]
    reader = requests.get(f"{server.base_url}/clips/{made['id']}", timeout=30).text
    assert "its paragraph goes" in reader  # shown, with its text, not dropped


def test_highlights_survive_reclean_and_json_round_trip_keeps_them_and_states(tmp_path, start_server):
    first = start_server(tmp_path / "first")
    made = clip(first, "https://marks.example/reclean", article_page("Reclean marks", 70))
    quote = paragraphs(made)[-1][10:70]
    mark = highlight(first, made["id"], quote=quote, note="through reclean").json()
    first.api("PATCH", f"/api/clips/{made['id']}", json={"state": "archived", "favorite": True, "progress": 0.25})
    first.stop()

    # An older cleaner's text (three paragraphs more at the top): reclean makes the clip's text again.
    with Store(first.data_dir) as store:
        stale = store.get(made["id"])
        store.save_record({**stale, "text": "Old lead.\n\nOld standfirst.\n\nOld byline.\n\n" + stale["text"]})
    result = tidyclip("reclean", "--quiet", "--data-dir", str(first.data_dir))
    assert result.returncode == 0 and result.stdout.strip() == "recleaned 1 clips", result.stderr
    first = start_server(first.data_dir)
    after = first.api("GET", f"/api/clips/{made['id']}").json()
    assert "Old lead" not in after["text"]
    [kept] = after["highlights"]
    assert kept["quote"] == mark["quote"] and kept["detached"] is False and kept["note"] == "through reclean"
    assert after["text"][kept["position"]["start"]:kept["position"]["end"]] == quote

    export = tmp_path / "clips.json"
    assert tidyclip("export", "--format", "json", "--quiet", "--data-dir", str(first.data_dir), "--out", str(export)).returncode == 0
    first.stop()
    assert tidyclip("import", "--quiet", "--data-dir", str(tmp_path / "empty"), str(export)).returncode == 0
    second = start_server(tmp_path / "empty")
    back = second.api("GET", f"/api/clips/{made['id']}").json()
    assert back["highlights"] == after["highlights"]
    assert (back["state"], back["favorite"], back["progress"]) == ("archived", True, 0.25)
