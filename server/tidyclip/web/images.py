"""The stored pictures, served from the local server: `/images/<file>` and `/images/thumb/<file>`, under
the app-wide Host check; and the template filters that put them in the reader and the list.

A stored file is served as the type its bytes were found to be, never sniffed (nosniff), and every one
with `Content-Security-Policy: sandbox`: an SVG opened on its own (not as an <img>) runs nothing either,
on top of its scripts being taken out when it was kept. Names are content hashes: cached for good.
"""

from flask import Blueprint, Response, g, request, send_file

from tidyclip.clip import Clip
from tidyclip.errors import NotFound
from tidyclip.images.download import Entry, file_of
from tidyclip.images.local_html import all_local, html_with_copies, stored_copies
from tidyclip.images.picture import RASTER_TYPES, SVG_TYPE
from tidyclip.web import guard
from tidyclip.web.api import library
from tidyclip.web.review import web_image

bp = Blueprint("images", __name__)

TYPES = {ext: media for media, ext in [*RASTER_TYPES.values(), SVG_TYPE]}
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
#: The reader's policy when every picture of the clip is served from here: no remote image at all.
LOCAL_IMAGES_CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.before_request
def refuse_other_sites() -> None:
    # Another site's <img> could tell whether the user kept a given picture (its hash is public).
    guard.check_fetch_site(navigation_ok=True)


def image_response(path: object, ext: str) -> Response:
    response = send_file(path, mimetype=TYPES[ext], max_age=365 * 24 * 3600, conditional=True)  # type: ignore[arg-type]
    response.headers["Content-Type"] = TYPES[ext]  # Flask adds a charset to image/svg+xml, an XML type
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@bp.get("/images/<name>")
def image(name: str) -> Response:
    path = library().image_path(name)
    if path is None:
        raise NotFound("no such picture here")
    return image_response(path, name.rsplit(".", 1)[1])


@bp.get("/images/thumb/<name>")
def thumb(name: str) -> Response:
    """The list's small picture (made on first need, kept); an SVG is its own thumbnail."""
    clips = library()
    path = clips.thumbnail_path(name)
    if path is not None:
        return image_response(path, "webp")
    return image(name)


def local_address(entry: Entry) -> str | None:
    """The local copy's address while its file is here (a power cut can lose a file not yet synced)."""
    name = file_of(entry)
    return entry.get("local_url") if name and library().image_path(name) else None


@bp.app_template_filter("html_with_local_images")
def html_with_local_images(clip: Clip) -> str:
    """The clip's HTML with its stored pictures served from here; noted for the page's policy (below)."""
    html = html_with_copies(clip.get("html") or "", clip, local_address)
    g.tidyclip_images_all_local = all_local(html)
    return html


@bp.app_template_filter("thumbnail_url")
def thumbnail_url(clip: Clip) -> str | None:
    """The list's picture of a clip: the local thumbnail of its lead image when kept, else the remote one."""
    lead = stored_copies(clip).get(clip.get("image") or "")
    name = file_of(lead) if lead else None
    if name:
        return f"/images/thumb/{name}"
    return web_image(clip.get("image"))


@bp.after_app_request
def narrow_image_policy(response: Response) -> Response:
    """Runs after the review pages' own headers: a reader page whose pictures are all here loads none
    from elsewhere."""
    if g.get("tidyclip_images_all_local") and request.endpoint == "review.reader":
        response.headers["Content-Security-Policy"] = LOCAL_IMAGES_CSP
    return response
