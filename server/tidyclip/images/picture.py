"""What a downloaded file is, decided from its bytes (never from the server's Content-Type): a raster
image Pillow decodes whole, or an SVG, which is made inert (no script, no event handler, no outside
reference) before it is kept. Anything else is not an image."""

import io
import re
import warnings
from dataclasses import dataclass

from lxml import etree
from PIL import Image, ImageOps

from tidyclip.config import IMAGE_MAX_PIXELS, IMAGE_PIXEL_SIDE, IMAGE_TINY_BYTES, IMAGE_TINY_SIDE, THUMBNAIL_SIDE

Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS
#: Pillow's format -> (media type, file ending): the formats every browser shows.
RASTER_TYPES = {
    "PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"), "BMP": ("image/bmp", "bmp"), "ICO": ("image/x-icon", "ico"),
}
SVG_TYPE = ("image/svg+xml", "svg")
SVG_NS = "{http://www.w3.org/2000/svg}"
#: Elements of an SVG that run script or embed other documents.
_LIVE_ELEMENTS = ("script", "foreignObject", "iframe", "embed", "object", "handler", "listener")
_LENGTH = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


class NotAnImage(Exception):
    pass


@dataclass(frozen=True)
class Picture:
    data: bytes  # what is kept: the bytes as downloaded (an SVG: made inert)
    type: str
    ext: str
    width: int
    height: int


def inspect(data: bytes) -> Picture:
    if _looks_like_svg(data):
        return _svg(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = RASTER_TYPES.get(image.format or "")
                if kind is None:
                    raise NotAnImage(f"not an image a browser shows ({image.format})")
                image.load()  # decodes the whole first frame: a cut or corrupt file fails here
                width, height = image.size
    except NotAnImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage(f"too many pixels (more than {IMAGE_MAX_PIXELS})") from None
    except Exception as error:  # Pillow raises many kinds for bytes that are not a whole image
        raise NotAnImage(f"not an image ({type(error).__name__})") from None
    return Picture(data, kind[0], kind[1], width, height)


def is_tracking_pixel(picture: Picture) -> bool:
    if picture.ext == "svg":  # drawn at any size: its own numbers say little
        return False
    if min(picture.width, picture.height) <= IMAGE_PIXEL_SIDE:
        return True
    return len(picture.data) < IMAGE_TINY_BYTES and max(picture.width, picture.height) <= IMAGE_TINY_SIDE


def thumbnail(data: bytes) -> bytes | None:
    """A small WebP of the image for the list; None for an SVG (it is shown as itself, at any size)."""
    if _looks_like_svg(data):
        return None
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))  # a JPEG decoded at a fraction of its size: 5x faster
        small = ImageOps.exif_transpose(image)
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        if small.mode not in ("RGB", "RGBA"):
            small = small.convert("RGBA" if "transparency" in small.info or small.mode in ("LA", "P") else "RGB")
        out = io.BytesIO()
        small.save(out, "WEBP", quality=80)
        return out.getvalue()


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in data[:4096].lower()


def _svg(data: bytes) -> Picture:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True,
                             load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise NotAnImage(f"not an image (broken SVG: {error})") from None
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise NotAnImage("not an image (XML that is not SVG)")
    _make_inert(root)
    width, height = _svg_size(root)
    inert = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return Picture(inert, SVG_TYPE[0], SVG_TYPE[1], width, height)


def _make_inert(root: etree._Element) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in _LIVE_ELEMENTS and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            local_name = etree.QName(name).localname.lower()
            value = element.attrib[name].strip().lower()
            if local_name.startswith("on") or (local_name == "href" and not value.startswith(("#", "data:image/"))):
                del element.attrib[name]


def _svg_size(root: etree._Element) -> tuple[int, int]:
    sides = [_LENGTH.match(root.get(name) or "") for name in ("width", "height")]
    if sides[0] and sides[1]:
        return round(float(sides[0][1])), round(float(sides[1][1]))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        return round(float(box[2])), round(float(box[3]))
    except (IndexError, ValueError):
        return 0, 0
