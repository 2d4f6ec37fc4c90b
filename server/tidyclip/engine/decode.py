"""Page bytes to text: the BOM first, then the charset the page declares, then UTF-8, then Windows-1252.

A page saved by a browser can carry any encoding; a clip must never show mojibake or fail on one bad
byte. Binary files (images, archives, PDFs) are refused with a clear message instead of being clipped.
"""

import codecs
import re

from tidyclip.config import MAX_PAGE_BYTES
from tidyclip.errors import BadInput

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: `<meta charset="...">` or `<meta http-equiv="Content-Type" content="text/html; charset=...">`,
#: looked for in the first KB as browsers do.
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
#: `<?xml version="1.0" encoding="..."?>` at the top of an XHTML page.
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
#: The declaration itself, dropped once the text is decoded: lxml refuses text that still claims an encoding.
_XML_DECLARATION_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>")
_SNIFF_BYTES = 4096
#: Control characters that never occur in text (one regex: str.translate costs a dict lookup a character);
#: more than this share of them means a binary file.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f]")
_BINARY_SHARE = 0.05
#: More than this share of undecodable characters means the bytes are not text in any encoding we know.
_REPLACED_SHARE = 0.3
#: Labels pages declare that mean "Windows-1252" in every browser (WHATWG encoding standard).
_WINDOWS_1252_ALIASES = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso8859-1", "l1", "cp819"}


def decode_html(data: str | bytes) -> str:
    """The page as text. Raises BadInput when it is empty, too large, or not text at all."""
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_PAGE_BYTES:
            raise BadInput(f"the page is larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB")
        text = _decode_bytes(data)
    text = _XML_DECLARATION_TEXT.sub("", text, count=1)
    if not text.strip():
        raise BadInput("the page is empty")
    if _looks_binary(text):
        raise BadInput("the input is not an HTML page (binary data)")
    return text


def _decode_bytes(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    declared = _declared_charset(data[:_SNIFF_BYTES])
    if declared and declared not in ("utf-8", "utf8"):
        try:
            return data.decode(declared, errors="replace")
        except LookupError:
            pass  # an unknown label: fall through to what the bytes say
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Mostly UTF-8 with a few broken bytes stays UTF-8; legacy 8-bit text becomes Windows-1252.
        if _mostly_utf8(data):
            return data.decode("utf-8", errors="replace")
        return data.decode("cp1252", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    match = _XML_DECLARATION.match(head) or _CHARSET_META.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii", errors="ignore").lower()
    if label in _WINDOWS_1252_ALIASES:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _mostly_utf8(data: bytes) -> bool:
    """True when the undecodable bytes are rare next to the multi-byte sequences that do decode."""
    decoded = data.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good_multibyte = sum(1 for char in decoded if ord(char) > 0x7F) - bad
    return good_multibyte >= bad


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_BYTES * 2]
    controls = len(_CONTROLS.findall(sample))
    replaced = sample.count("\ufffd")
    return controls > _BINARY_SHARE * len(sample) or replaced > _REPLACED_SHARE * len(sample)
