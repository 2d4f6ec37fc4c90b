"""The review pages: list and search, reader view, pairing, export; and the few same-origin JSON
routes (`/ui/...`) those pages use to edit, delete, undo, tag and restore.

The pages are server-rendered; the scripts in static/ only enhance them. Every state-changing request
carries the per-server CSRF token from the page's meta tag (checked here), and every response is sent
with a Content-Security-Policy that forbids inline script: a hostile page that was clipped cannot run
anything here. The `/ui/` routes call the same Library functions the API does; undo state lives in
the Library too.
"""

import base64
import binascii
import hmac
import secrets
from html import escape, unescape
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup

from tidyclip import stories, textdiff
from tidyclip.config import READING_WORDS_PER_MINUTE, REVIEW_PAGE_SIZE, SORTS
from tidyclip.errors import BadInput, BadOrigin, CsrfRefused, NotFound, TidyclipError
from tidyclip.export import FORMATS as EXPORT_FORMATS
from tidyclip.export import FORMATS_WITH_ORIGINAL, FORMATS_WITH_VERSIONS_OPTION, stream_export
from tidyclip.fields import clean_tags
from tidyclip.importers.uploads import ImportRuns
from tidyclip.web import guard
from tidyclip.web.api import (
    DATE,
    MAX_OFFSET,
    add_highlight,
    checked_edits,
    delete_highlight,
    edit_highlight,
    int_arg,
    json_body,
    library,
    version_number,
)
from tidyclip.web.errors import error_response

bp = Blueprint("review", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

CSRF_HEADER = "X-CSRF-Token"
SECURITY_HEADERS = {
    # Clip images are fetched from their own sites when shown (img-src https: http:); nothing else leaves.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: http: data:; script-src 'self'; style-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: How the list names each of config.SORTS ("relevance" only means something with a search).
SORT_LABELS = dict(zip(SORTS, ("Best match", "Newest first", "Oldest first", "Recently edited", "Title A–Z"), strict=True))
FILTERS = ("q", "site", "tag", "from", "to", "view", "versions")
#: The list's tabs (`view`) and what each shows: the unread inbox is the default, "all" when searching.
VIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    "unread": ("Unread", {"state": "unread"}), "archived": ("Archived", {"state": "archived"}),
    "favorites": ("Favourites", {"favorite": True}), "all": ("All", {}),
}
#: Where the unpacked extension lives in a source checkout, for the pairing steps.
EXTENSION_DIR = Path(__file__).resolve().parents[3] / "extension"
REMOVED_KINDS = {
    "duplicates": "Repeated paragraph",
    "near_duplicates": "Near repeat",
    "headline_repeats": "Headline repeated",
    "comments": "Comments",
    "boilerplate": "Page chrome",
}


# ---- guarding: CSRF, headers, errors ----------------------------------------------------------


def csrf_token() -> str:
    return current_app.extensions["tidyclip.csrf"]


@bp.record_once
def make_csrf_secret(state: Any) -> None:
    # One random token per server process: pages opened before a restart must be reloaded.
    state.app.extensions.setdefault("tidyclip.csrf", secrets.token_urlsafe(32))


@bp.before_request
def refuse_cross_site_changes() -> None:
    """A change needs this server's CSRF token, a JSON body, and no Origin other than this server."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token().encode()):
        raise CsrfRefused("missing or stale CSRF token: reload the page and try again")
    if request.headers.get("Origin") and not guard.same_origin_request():
        raise BadOrigin("changes are accepted only from this server's own pages")
    guard.check_body()


#: Pages that show the user's clips (or the token): other sites' pages may at most link to them.
PAGES_WITH_USER_DATA = frozenset({"review.clip_list", "review.reader", "review.version_diff", "review.connect", "review.import_page"})


@bp.before_request
def refuse_cross_site_reads() -> None:
    """Before any data work, so a refused read answers alike, as fast, whatever the user has clipped."""
    if request.endpoint == "review.export":  # a download is never a navigation another site may start
        guard.check_fetch_site(navigation_ok=False)
    elif request.endpoint in PAGES_WITH_USER_DATA:
        guard.check_fetch_site(navigation_ok=True)


@bp.after_request
def add_security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.app_context_processor
def page_globals() -> dict:
    return {"csrf_token": csrf_token}


@bp.errorhandler(TidyclipError)
def show_error(exc: TidyclipError) -> Any:
    if request.path.startswith("/ui/"):
        return error_response(exc.status, exc.code, exc.message)
    return render_template("review/error.html", error=exc), exc.status


def format_label(fmt: str) -> tuple[str, str]:
    """A format's name and what it is, from the first paragraph of its module's docstring ("Name: what")."""
    first_paragraph = " ".join((EXPORT_FORMATS[fmt].__doc__ or fmt).split("\n\n")[0].split())
    name, _, what = first_paragraph.partition(": ")
    return name, what


# ---- pages -----------------------------------------------------------------------------------


@bp.get("/")
def clip_list() -> str:
    filters = filters_of(request.args)
    filters["view"] = filters["view"] or ("all" if filters["q"] else "unread")
    asked = request.args.get("sort") or ""
    sort = asked if asked in SORT_LABELS else ("relevance" if filters["q"] else "newest")
    page = int_arg("page", 1, 1, MAX_OFFSET // REVIEW_PAGE_SIZE)
    one_per_story = request.args.get("one_per_story") == "1"
    problem = filter_problem(filters)
    clips, total = ([], 0) if problem else search(filters, sort, REVIEW_PAGE_SIZE, (page - 1) * REVIEW_PAGE_SIZE)
    if one_per_story:
        clips = stories.fold(clips)
    view_args: dict[str, Any] = {name: value for name, value in filters.items() if value} | {"sort": sort}
    if one_per_story:
        view_args["one_per_story"] = "1"
    return render_template(
        "review/list.html", clips=clips, total=total, filters=filters, sort=sort, sorts=SORT_LABELS,
        one_per_story=one_per_story, problem=problem, view_args=view_args, pages=moving_in_progress(),
        tabs=[(name, label, url_for("review.clip_list", **{**view_args, "view": name})) for name, (label, _) in VIEWS.items()],
        next_url=url_for("review.clip_list", **view_args, page=page + 1) if page * REVIEW_PAGE_SIZE < total else None,
        prev_url=url_for("review.clip_list", **view_args, page=page - 1) if page > 1 else None,
    )


def moving_in_progress() -> dict[str, int]:
    """Imported clips still waiting for their page, those whose page could not be fetched, of all."""
    return {"all": library().count(), **{status: len(library().fetching((status,))) for status in ("waiting", "failed")}}


@bp.get("/clips/<clip_id>")
def reader(clip_id: str) -> str:
    clip = library().get(clip_id)
    highlights = sorted(clip["highlights"], key=lambda item: (item["detached"], item["position"]["start"]))
    history, shown = reader_versions(clip)
    return render_template("review/reader.html", clip=clip, removed_kinds=REMOVED_KINDS, highlights=highlights,
                           history=history, shown=shown)


def reader_versions(clip: dict) -> tuple[list[dict], dict | None]:
    """The clip's versions (for the list) and the earlier one asked for by ?version=n (None: the current)."""
    if clip.get("versions", 1) < 2:
        return [], None
    number = request.args.get("version")
    if not number or number == str(clip["version"]):
        return library().versions(clip["id"]), None
    return library().versions(clip["id"]), library().version(clip["id"], version_number(clip["id"], number))


@bp.get("/clips/<clip_id>/diff")
def version_diff(clip_id: str) -> str:
    """What changed between two versions (?from=n&to=m; by default the current one and the one before)."""
    clip = library().get(clip_id)
    newer = version_number(clip_id, request.args.get("to") or str(clip.get("version", 1)))
    older = version_number(clip_id, request.args.get("from") or str(max(newer - 1, 1)))
    before, after = library().version(clip_id, older), library().version(clip_id, newer)
    blocks = textdiff.diff(before["text"] or "", after["text"] or "")
    return render_template("review/diff.html", clip=clip, history=library().versions(clip_id), before=before,
                           after=after, blocks=blocks, summary=textdiff.summary(blocks))


@bp.get("/connect")
def connect() -> tuple[str, dict[str, str]]:
    page = render_template(
        "review/connect.html", token=library().token(),
        server_url=request.host_url.rstrip("/"), extension_dir=EXTENSION_DIR if EXTENSION_DIR.is_dir() else None,
    )
    return page, {"Cache-Control": "no-store"}  # the token must not stay in a cache on disk


@bp.get("/import")
def import_page() -> str:
    return render_template("review/import.html", status=imports().status())


@bp.get("/export")
def export() -> Any:
    """Without a format: the page to choose one. With one: the download, streamed as it is written."""
    ids = [clip_id for clip_id in request.args.get("ids", "").split(",") if clip_id]
    filters = filters_of(request.args)
    one_per_story = request.args.get("one_per_story") == "1"
    with_original = request.args.get("with_original") == "1"
    fmt = request.args.get("format")
    if not fmt:
        return render_template(
            "review/export.html", formats={name: format_label(name) for name in EXPORT_FORMATS},
            with_original_formats=FORMATS_WITH_ORIGINAL, ids=ids, filters=filters, one_per_story=one_per_story,
        )
    if not ids and any(filters.values()):
        ids = matching_ids(filters)
        if not ids:
            raise NotFound("no clip matches this search: nothing to export")
    chunks, mimetype, filename = stream_export(
        library(), fmt, ids=ids or None, one_per_story=one_per_story,
        with_original=with_original and fmt in FORMATS_WITH_ORIGINAL,
        with_versions=request.args.get("with_versions") == "1" and fmt in FORMATS_WITH_VERSIONS_OPTION,
        self_contained=request.args.get("self_contained") == "1" and fmt == "html",
    )
    return Response(chunks, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def filters_of(args: Any) -> dict[str, str]:
    return {name: args.get(name, "").strip() for name in FILTERS}


def filter_problem(filters: dict[str, str]) -> str | None:
    for name in ("from", "to"):
        if filters[name] and not DATE.fullmatch(filters[name]):
            return f"“{filters[name]}” is not a date; use YYYY-MM-DD"
    if filters["view"] and filters["view"] not in VIEWS:
        return f"“{filters['view']}” is not a list; choose {', '.join(VIEWS)}"
    return None


def search(filters: dict[str, str], sort: str, limit: int, offset: int = 0) -> tuple[list, int]:
    return library().search(
        q=filters["q"] or None, site=filters["site"] or None, tag=filters["tag"] or None,
        date_from=filters["from"] or None, date_to=filters["to"] or None, sort=sort, limit=limit, offset=offset,
        **VIEWS.get(filters["view"] or "all", VIEWS["all"])[1], all_versions=filters["versions"] == "all",
    )


def matching_ids(filters: dict[str, str]) -> list[str]:
    """Every clip the list shows for these filters, so an export is exactly what the user was looking at."""
    problem = filter_problem(filters)
    if problem:
        raise BadInput(problem)
    clips, _ = search(filters, "newest", limit=library().count())
    return [clip["id"] for clip in clips]


@bp.app_template_filter("highlighted")
def highlighted(snippet: str) -> Markup:
    """The search snippet with only its <mark> tags kept as markup; everything else is escaped text."""
    pieces = []
    for index, part in enumerate(snippet.replace("</mark>", "<mark>").split("<mark>")):
        text = escape(unescape(part))
        pieces.append(f"<mark>{text}</mark>" if index % 2 else text)
    return Markup("".join(pieces))


@bp.app_template_filter("reading_minutes")
def reading_minutes(word_count: int | None) -> int:
    """About how many minutes the clip takes to read (at least one)."""
    return max(1, round((word_count or 0) / READING_WORDS_PER_MINUTE))


def web_image(url: str | None) -> str | None:
    """Only http(s) and inline images are shown; anything else is dropped."""
    if url and url.startswith(("https://", "http://", "data:image/")):
        return url
    return None


# ---- same-origin JSON routes the pages call --------------------------------------------------


def clip_ids(body: dict) -> list[str]:
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(item, str) for item in ids):
        raise BadInput('"ids" must be a non-empty list of clip ids')
    return ids


@bp.patch("/ui/clips/<clip_id>")
def edit_clip(clip_id: str) -> Response:
    return jsonify(library().edit(clip_id, **checked_edits(json_body())))


@bp.post("/ui/clips/<clip_id>/restore")
def restore_block(clip_id: str) -> Response:
    position = json_body().get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise BadInput('"position" must be the number of a removed block')
    return jsonify(library().restore_block(clip_id, position))


# The review pages change highlights with the API's own views, behind this blueprint's CSRF check.
for rule, view, method in (
    ("/ui/clips/<clip_id>/highlights", add_highlight, "POST"),
    ("/ui/clips/<clip_id>/highlights/<highlight_id>", edit_highlight, "PATCH"),
    ("/ui/clips/<clip_id>/highlights/<highlight_id>", delete_highlight, "DELETE"),
):
    bp.add_url_rule(rule, view_func=view, methods=[method])


@bp.post("/ui/delete")
def delete_clips() -> Response:
    deleted, undo_id = library().delete_many(clip_ids(json_body()))
    return jsonify({"deleted": deleted, "undo": undo_id})


@bp.post("/ui/undo")
def undo_delete() -> Response:
    undo_id = json_body().get("undo")
    return jsonify({"restored": library().undo(undo_id if isinstance(undo_id, str) else "")})


@bp.post("/ui/tag")
def tag_clips() -> Response:
    body = json_body()
    return jsonify({"tagged": library().add_tags(clip_ids(body), clean_tags(body.get("tags")))})


# ---- moving in: the import page's routes (tidyclip/importers/uploads.py) ---------------------------


def imports() -> ImportRuns:
    return current_app.extensions["tidyclip.imports"]


@bp.post("/ui/import")
def start_import() -> tuple[Response, int]:
    """The file as {"name", "data": base64}: a JSON body, like every change these pages make."""
    body = json_body()
    name, data = body.get("name"), body.get("data")
    if not isinstance(name, str) or not isinstance(data, str):
        raise BadInput('send {"name": the file\'s name, "data": its bytes in base64}')
    try:
        content = base64.b64decode(data, validate=True)
    except binascii.Error:
        raise BadInput('"data" is not base64') from None
    return jsonify(imports().start(name[:200], content)), 202


@bp.get("/ui/import")
def import_status() -> Response:
    return jsonify(imports().status())
