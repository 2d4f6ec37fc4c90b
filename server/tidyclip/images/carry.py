"""A clip's stored pictures carried by an export and back: the files each format holds (`files_of`),
and those a tidyclip JSON record brings (`image_files`: stored file name -> base64), checked before an
import keeps one: the name must be the sha256 of the bytes, and the bytes an image (an SVG already inert)."""

import base64
import binascii
from collections.abc import Callable, Iterator
from hashlib import sha256
from typing import Any

from tidyclip.clip import IMAGE_FILE, Clip
from tidyclip.errors import BadInput
from tidyclip.images.download import Entry, file_of
from tidyclip.images.local_html import stored_copies
from tidyclip.images.picture import NotAnImage, inspect

IMAGE_FILES_KEY = "image_files"
ImageOf = Callable[[str], bytes | None]


def files_of(clip: Clip, image_of: ImageOf) -> Iterator[tuple[Entry, str, bytes]]:
    """Each stored picture of the clip whose file is here: its entry, file name and bytes."""
    for entry in stored_copies(clip).values():
        name = file_of(entry)
        data = image_of(name) if name else None
        if name and data is not None:
            yield entry, name, data


def encoded_files(clip: Clip, image_of: ImageOf) -> dict[str, str]:
    return {name: base64.b64encode(data).decode("ascii") for _entry, name, data in files_of(clip, image_of)}


def decoded_files(value: Any, where: str) -> dict[str, bytes]:
    """The files a record carries; BadInput when they are not what a tidyclip export writes."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(f"{where}: {IMAGE_FILES_KEY!r} must be an object of file name -> base64")
    files = {}
    for name, text in value.items():
        if not isinstance(name, str) or not IMAGE_FILE.fullmatch(name) or not isinstance(text, str):
            raise BadInput(f"{where}: {IMAGE_FILES_KEY!r} holds a file that is not a stored picture: {str(name)[:80]!r}")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise BadInput(f"{where}: the picture {name} is not base64") from None
        if sha256(data).hexdigest() != name.split(".", 1)[0]:
            raise BadInput(f"{where}: the picture {name} does not hold the bytes its name says")
        files[name] = data
    return files


def is_keepable(name: str, data: bytes) -> bool:
    """The bytes are an image of the kind the name says, and would be kept as they are (an SVG that
    still held script would be made inert, so would not match its name: it is not kept)."""
    try:
        picture = inspect(data)
    except NotAnImage:
        return False
    return picture.ext == name.rsplit(".", 1)[1] and picture.data == data


def data_uri(entry: Entry, data: bytes) -> str:
    return f"data:{entry.get('type') or 'application/octet-stream'};base64,{base64.b64encode(data).decode('ascii')}"
