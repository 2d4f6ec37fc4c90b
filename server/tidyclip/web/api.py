"""The JSON API the extension (and scripts) talk to. Routes are documented in openapi.py; a test
keeps the two in step."""

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request

from tidyclip import __version__
from tidyclip.clip import field_problem
from tidyclip.config import MAX_PAGE_SIZE, MAX_URL_CHARS, READING_STATES, SORTS
from tidyclip.errors import BadInput, BadJSON, BadQuery, NotFound
from tidyclip.library import Library
from tidyclip.reading.schema import Highlight
from tidyclip.web import guard
from tidyclip.web.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_OFFSET = 10**9
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: ASCII digits only ("²".isdigit() is true), and few enough that int() is cheap and within range.
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
#: A code point JSON can spell (\ud800) but UTF-8 cannot: it would fail when the clip is written.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
CLIP_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
#: Routes anyone on this machine may call without the token (still Host- and Origin-checked).
OPEN_ENDPOINTS = frozenset({"api.health"})
#: What a PATCH of a clip may set (highlights have routes of their own).
EDITABLE_FIELDS = ("title", "tags", "note", "state", "favorite", "progress")


def library() -> Library:
    return current_app.extensions["tidyclip.library"]


@bp.before_request
def guard_api() -> Response | None:
    guard.check_origin()
    if guard.is_preflight():
        return guard.preflight_response(CLIP_METHODS)
    if request.endpoint not in OPEN_ENDPOINTS:
        guard.check_token(current_app.config["TIDYCLIP_TOKEN"])
    guard.check_body()
    return None


@bp.after_request
def api_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return guard.add_extension_cors(response)


def json_body(*, repair_page_text: bool = False) -> dict[str, Any]:
    """The request's JSON object. A lone surrogate is refused (400), except in a captured page
    (`repair_page_text`): a page's script can leave one (an emoji cut in half), and like a broken
    byte it becomes U+FFFD rather than costing the clip."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadJSON("the body is nested too deeply") from None
    if body is None:
        raise BadJSON("the body is not valid JSON")
    if not isinstance(body, dict):
        raise BadJSON("the body must be a JSON object")
    if holds_lone_surrogate(body):
        if not repair_page_text:
            raise BadJSON("the body holds a lone surrogate (such as \\ud800), which is not text")
        body = {key: LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value
                for key, value in body.items()}  # the page's fields are all strings at the top
    return body


def holds_lone_surrogate(value: Any) -> bool:
    """Any string in a parsed JSON value (keys too) with a lone surrogate; iterative, as bodies nest."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def optional_str(body: dict, field: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{field} must be a string")
    return value


def page_url(body: dict) -> str:
    url = body.get("url")
    if not isinstance(url, str) or not url.strip():
        raise BadInput("url is required: the address of the page")
    if len(url) > MAX_URL_CHARS or not re.match(r"^(https?|file)://", url.strip(), re.I) or not parsable_url(url):
        raise BadInput("url must be an http, https or file address")
    return url.strip()


def parsable_url(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:  # "http://[": an IPv6 literal never closed
        return False
    return True


@bp.get("/health")
def health() -> Response:
    # The count tells `tidyclip service status` how many clips the running server holds.
    return jsonify({"status": "ok", "version": __version__, "clips": library().count()})


@bp.post("/clips")
def create_clip() -> tuple[Response, int, dict]:
    body = json_body(repair_page_text=True)
    url = page_url(body)
    html = body.get("html")
    if not isinstance(html, str) or not html.strip():
        raise BadInput("html is required: the page's HTML")
    clips = library()
    clip, status = clips.clip_page(
        url, html, title=optional_str(body, "title"), selection_html=optional_str(body, "selection_html") or None,
        link=False,
    )
    response = jsonify({**clip, "status": status})
    # The clip is durable now; its story links follow once the answer is sent, so that the story
    # index's work neither delays the answer nor competes with sending it. `similar` shows on GET a moment later.
    response.call_on_close(clips.link_soon)
    response.call_on_close(lambda: clips.images_soon(clip["id"]))  # the pictures follow, never delaying the answer
    return response, 201 if status == "created" else 200, {"Location": f"/api/clips/{clip['id']}"}


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A query parameter that must be a whole number in [low, high] (the review pages use it too)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadQuery(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def date_arg(name: str) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and not DATE.fullmatch(raw):
        raise BadQuery(f"{name} must be a date as YYYY-MM-DD")
    return raw


def url_arg() -> str | None:
    raw = request.args.get("url") or None
    if raw is not None and not parsable_url(raw):
        raise BadQuery("url must be a page address")
    return raw


@bp.get("/clips")
def list_clips() -> Response:
    sort = request.args.get("sort") or None
    if sort is not None and sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
    items, total = library().search(
        q=request.args.get("q") or None, url=url_arg(), tag=request.args.get("tag") or None,
        site=request.args.get("site") or None, date_from=date_arg("from"), date_to=date_arg("to"), sort=sort,
        limit=int_arg("limit", 50, 1, MAX_PAGE_SIZE), offset=int_arg("offset", 0, 0, MAX_OFFSET),
        **reading_filters(request.args), all_versions=all_versions_arg(),
    )
    return jsonify({"items": items, "total": total})


def all_versions_arg() -> bool:
    """?versions=all: a search finds words of earlier versions too (the review pages use it too)."""
    raw = request.args.get("versions") or "current"
    if raw not in ("current", "all"):
        raise BadQuery("versions must be current or all")
    return raw == "all"
def reading_filters(args: Any) -> dict[str, Any]:
    """?state=unread|archived and ?favorite=true|false (absent or empty: either); the review pages use it too."""
    state, favorite = args.get("state") or None, args.get("favorite") or None
    if state is not None and state not in READING_STATES:
        raise BadQuery(f"state must be one of {', '.join(READING_STATES)}")
    if favorite is not None and favorite not in ("true", "false"):
        raise BadQuery("favorite must be true or false")
    return {"state": state, "favorite": None if favorite is None else favorite == "true"}


@bp.get("/clips/<clip_id>")
def get_clip(clip_id: str) -> Response:
    return jsonify(library().get(clip_id))


@bp.get("/clips/<clip_id>/versions")
def list_versions(clip_id: str) -> Response:
    return jsonify({"items": library().versions(clip_id)})


@bp.get("/clips/<clip_id>/versions/<number>")
def get_version(clip_id: str, number: str) -> Response:
    return jsonify(library().version(clip_id, version_number(clip_id, number)))


def version_number(clip_id: str, raw: str) -> int:
    """A version's number from a path; anything else names no version (the review pages use it too)."""
    if not WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
        raise NotFound(f"clip {clip_id} has no version {raw[:20]!r}: versions are numbered from 1")
    return int(raw)


def checked_edits(body: dict) -> dict:
    """A PATCH body checked by the clip schema: only EDITABLE_FIELDS (the review pages use it too)."""
    unknown = set(body) - set(EDITABLE_FIELDS)
    if unknown:
        raise BadInput(f"cannot change {', '.join(sorted(unknown))}; only {', '.join(EDITABLE_FIELDS)}")
    if not body:
        raise BadInput(f"nothing to change: send {', '.join(EDITABLE_FIELDS)}")
    for field, value in body.items():
        problem = field_problem(field, value)
        if problem:
            raise BadInput(f"{field} {problem}")
    if "title" in body and not body["title"].strip():
        raise BadInput("title cannot be empty")
    return body


@bp.patch("/clips/<clip_id>")
def patch_clip(clip_id: str) -> Response:
    return jsonify(library().edit(clip_id, **checked_edits(json_body())))


@bp.delete("/clips/<clip_id>")
def delete_clip(clip_id: str) -> Response:
    return jsonify({**library().delete(clip_id), "status": "deleted"})


@bp.post("/clips/<clip_id>/highlights")
def add_highlight(clip_id: str) -> tuple[Response, int]:
    return jsonify(new_highlight(clip_id, json_body())), 201


@bp.patch("/clips/<clip_id>/highlights/<highlight_id>")
def edit_highlight(clip_id: str, highlight_id: str) -> Response:
    return jsonify(library().edit_highlight(clip_id, highlight_id, highlight_note(json_body())))


@bp.delete("/clips/<clip_id>/highlights/<highlight_id>")
def delete_highlight(clip_id: str, highlight_id: str) -> Response:
    return jsonify({**library().delete_highlight(clip_id, highlight_id), "status": "deleted"})


def new_highlight(clip_id: str, body: dict) -> Highlight:
    """A highlight of a passage the body names {quote, prefix?, suffix?, note?} (the review pages use it too)."""
    return library().add_highlights(clip_id, [body], keep_detached=False)[0]


def highlight_note(body: dict) -> Any:
    """A highlight PATCH changes its note only."""
    if set(body) != {"note"}:
        raise BadInput("send {\"note\": ...}: a highlight's note is what can change")
    return body["note"]


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(__version__))
