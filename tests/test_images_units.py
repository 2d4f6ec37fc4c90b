"""The picture rules as functions, no network: which pictures a clip wants, what bytes are, srcset choice."""

import io

import lxml.html
from PIL import Image

from test_images import SVG, picture
from tidyclip.engine.figures import image_source
from tidyclip.images.candidates import wanted_images
from tidyclip.images.carry import is_keepable
from tidyclip.images.picture import NotAnImage, inspect, is_tracking_pixel, thumbnail


def first_img(html: str):
    return lxml.html.fromstring(f"<div>{html}</div>").find(".//img")


def test_srcset_takes_the_widest_up_to_2000_px_and_picture_sources_count():
    assert image_source(first_img('<img src="s.jpg" srcset="a.jpg 400w, b.jpg 1800w, c.jpg 2400w">')) == "b.jpg"
    assert image_source(first_img('<img src="s.jpg" srcset="c.jpg 2400w, d.jpg 3000w">')) == "c.jpg"
    assert image_source(first_img('<img src="data:," data-srcset="a.jpg 1x, b.jpg 2x">')) == "b.jpg"
    assert image_source(first_img('<img src="data:," data-src="lazy.jpg">')) == "lazy.jpg"
    assert image_source(first_img('<picture><source srcset="w.webp 1200w" type="image/webp">'
                                  '<img src="small.jpg" srcset="m.jpg 600w"></picture>')) == "w.webp"


def test_a_clip_wants_its_lead_then_its_body_pictures_each_once_at_most_100():
    body = "".join(f'<p>x</p><img src="https://e.org/{n}.png">' for n in range(150))
    wanted = wanted_images({"image": "https://e.org/7.png", "html": body + '<img src="https://e.org/3.png">'})
    assert wanted[0] == "https://e.org/7.png" and len(wanted) == 100 and len(set(wanted)) == 100
    assert wanted_images({"image": "data:image/png;base64,AAAA", "html": '<img src="ftp://e.org/a.png">'}) == []


def test_bytes_decide_the_type_not_the_name():
    jpeg = picture("JPEG", (64, 48), (1, 2, 3))
    found = inspect(jpeg)
    assert (found.type, found.ext, found.width, found.height, found.data) == ("image/jpeg", "jpg", 64, 48, jpeg)
    for not_image in (b"<html><body>hello</body></html>", b"", jpeg[: len(jpeg) // 2], b'<?xml version="1.0"?><html/>'):
        try:
            inspect(not_image)
        except NotAnImage:
            continue
        raise AssertionError(f"taken for an image: {not_image[:30]!r}")


def test_an_svg_is_made_inert_and_stays_so():
    found = inspect(SVG)
    assert found.type == "image/svg+xml" and b"script" not in found.data and b"onclick" not in found.data
    assert inspect(found.data).data == found.data  # inert already: kept as it is (an import can carry it)
    assert is_keepable("x.svg", found.data) and not is_keepable("x.svg", SVG) and not is_keepable("x.png", found.data)
    linked = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="http://10.0.0.1/a"/></svg>'
    assert b"10.0.0.1" not in inspect(linked).data


def test_tracking_pixels_and_tiny_files():
    assert is_tracking_pixel(inspect(picture("PNG", (1, 1), (0, 0, 0))))
    assert is_tracking_pixel(inspect(picture("GIF", (12, 12), (0, 0, 0))))  # under 2 KB and tiny
    assert not is_tracking_pixel(inspect(picture("PNG", (120, 90), (9, 9, 9))))


def test_a_thumbnail_is_a_small_webp():
    small = thumbnail(picture("JPEG", (1600, 900), (50, 60, 70)))
    with Image.open(io.BytesIO(small)) as image:
        assert image.format == "WEBP" and max(image.size) == 240
    assert thumbnail(inspect(SVG).data) is None
