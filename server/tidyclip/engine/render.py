"""Kept blocks to the clip's three bodies: plain text, CommonMark Markdown and sanitized HTML.

Blocks carry trafilatura's XML (`p`, `head`, `list`/`item`, `quote`, `code`, `table`/`row`/`cell`,
`graphic`, inline `hi`, `ref`, `lb`, `del`). Links and images are made absolute against the page URL.
The HTML goes through nh3 last, whatever was built before: nothing in a clip can run.
"""

import html as htmllib
import re
from functools import lru_cache
from urllib.parse import urljoin

import nh3
from lxml import etree

from tidyclip.engine.extract import Block

_SAFE_SCHEMES = {"http", "https", "mailto"}
_ALLOWED_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "blockquote", "pre", "code",
                 "table", "thead", "tbody", "tr", "th", "td", "img", "a", "strong", "em", "u", "s", "sub", "sup",
                 "figure", "figcaption"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"colspan", "rowspan"},
                       "td": {"colspan", "rowspan"}}
#: trafilatura `hi` renditions to (Markdown marker, HTML tag).
_EMPHASIS = {"#b": ("**", "strong"), "#i": ("*", "em"), "#t": ("`", "code"), "#u": ("", "u"),
             "#sub": ("", "sub"), "#sup": ("", "sup")}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))", re.MULTILINE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
#: A text holding none of these has no spacing to fold (most texts): asked first, in C, before a `sub` that
#: would rebuild the string at every single space.
_UNFOLDED_SPACE = re.compile(r"[\t\r\f\v]|  ")


def render_text(blocks: list[Block]) -> str:
    """Paragraphs split by a blank line; list items, table rows each on a line. A picture has no text."""
    parts = ("\n".join(block.text for block in run) for run in _runs(blocks))
    return "\n\n".join(part for part in parts if part)


def render_markdown(blocks: list[Block], base_url: str) -> str:
    parts = (_md_list(run[0].group, [block.element for block in run], base_url, depth=0) if run[0].group is not None
             else _md_block(run[0].element, base_url) for run in _runs(blocks))
    return "\n\n".join(part for part in parts if part)


def render_html(blocks: list[Block], base_url: str) -> str:
    built = "\n".join(_html_list(run[0].group, [block.element for block in run], base_url) if run[0].group is not None
                      else _html_block(run[0].element, base_url) for run in _runs(blocks))
    return sanitize_html(built)


def _runs(blocks: list[Block]) -> list[list[Block]]:
    """Blocks one by one, except that consecutive items of one list come as one run."""
    runs: list[list[Block]] = []
    for block in blocks:
        if block.group is not None and runs and runs[-1][0].group is block.group:
            runs[-1].append(block)
        elif block.text or block.kind == "image":
            runs.append([block])
    return runs


def sanitize_html(markup: str) -> str:
    """Only structure, links and images survive: no script, handlers, frames, styles or javascript: URLs."""
    return nh3.clean(markup, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes=_SAFE_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


@lru_cache(maxsize=4096)
def absolute_url(link: str | None, base_url: str) -> str | None:
    """LINK resolved against the page, or None when it is empty or could run script."""
    if not link or not link.strip():
        return None
    resolved = urljoin(base_url, link.strip()) if base_url else link.strip()
    scheme = resolved.split(":", 1)[0].lower() if ":" in resolved else ""
    return resolved if scheme in _SAFE_SCHEMES else None


# Markdown ---------------------------------------------------------------------------------------

def _md_block(element: etree._Element, base_url: str) -> str:
    tag = element.tag
    if tag == "head":
        level = int(element.get("rend", "h2")[1:] or 2) if element.get("rend", "h2")[1:].isdigit() else 2
        return f"{'#' * min(max(level, 1), 6)} {_md_inline(element, base_url).strip()}"
    if tag == "list":
        return _md_list(element, _items(element), base_url, depth=0)
    if tag == "quote":
        inner = _md_children_or_inline(element, base_url)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if tag == "code":
        code = "".join(element.itertext()).strip("\n")
        fence = "`" * max(3, _longest_run(code, "`") + 1)
        return f"{fence}\n{code}\n{fence}"
    if tag == "table":
        return _md_table(element, base_url)
    if tag == "graphic":
        return _md_image(element, base_url)
    return _escape_line_starts(_md_inline(element, base_url).strip())


def _md_children_or_inline(element: etree._Element, base_url: str) -> str:
    children = [child for child in element if child.tag in ("p", "list", "quote", "code", "table", "head")]
    if not children:
        return _escape_line_starts(_md_inline(element, base_url).strip())
    parts = [_escape_line_starts(_md_inline_text(element.text))] if (element.text or "").strip() else []
    parts += [_md_block(child, base_url) for child in children]
    return "\n\n".join(part for part in parts if part)


def _md_inline(element: etree._Element, base_url: str, skip: tuple[str, ...] = ()) -> str:
    out = [_md_inline_text(element.text)]
    for child in element:
        if child.tag not in skip:
            out.append(_md_inline_child(child, base_url))
        out.append(_md_inline_text(child.tail))
    return "".join(out)


def _md_inline_child(child: etree._Element, base_url: str) -> str:
    tag = child.tag
    if tag == "lb":
        return "\\\n"
    if tag == "graphic":
        return _md_image(child, base_url)
    inner = _md_inline(child, base_url)
    if tag == "hi":
        marker = _EMPHASIS.get(child.get("rend", ""), ("", ""))[0]
        if marker == "`":
            code = "".join(child.itertext())
            return f"`{code}`" if code.strip() else code
        return f"{marker}{inner.strip()}{marker}" if marker and inner.strip() else inner
    if tag == "ref":
        target = absolute_url(child.get("target"), base_url)
        return f"[{inner.strip()}](<{target}>)" if target and inner.strip() else inner
    if tag == "del":
        return f"~~{inner}~~" if inner.strip() else inner
    if tag in ("list", "p", "quote"):
        return "\n" + _md_block(child, base_url) + "\n"
    return inner


def _md_inline_text(text: str | None) -> str:
    text = text or ""
    if _UNFOLDED_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return _MD_SPECIAL.sub(r"\\\1", text) if _MD_SPECIAL.search(text) else text


def _escape_line_starts(text: str) -> str:
    """A line that would start a heading, quote, list or rule reads as the text it is: "1\\. Not a list"."""
    def escape(match: re.Match) -> str:
        if match.group(2):
            return f"{match.group(1)}\\{match.group(2)}"
        return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"
    return _MD_LINE_START.sub(escape, text)


def _items(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if child.tag == "item"]


def _md_list(element: etree._Element, items: list[etree._Element], base_url: str, depth: int) -> str:
    ordered = element.get("rend") == "ol"
    lines = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}." if ordered else "-"
        indent = "   " * depth if ordered else "  " * depth
        nested = [child for child in item if child.tag == "list"]
        text = " ".join(_escape_line_starts(_md_inline(item, base_url, skip=("list",)).strip()).split("\n"))
        lines.append(f"{indent}{marker} {text}")
        lines.extend(_md_list(child, _items(child), base_url, depth + 1) for child in nested)
    return "\n".join(lines)


def _md_table(element: etree._Element, base_url: str) -> str:
    rows = [[" ".join(_md_inline(cell, base_url).split()) for cell in row.iter("cell")] for row in element.iter("row")]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def _md_image(element: etree._Element, base_url: str) -> str:
    source = absolute_url(element.get("src"), base_url)
    if not source:
        return ""
    alt = _MD_SPECIAL.sub(r"\\\1", element.get("alt") or element.get("title") or "")
    return f"![{alt}](<{source}>)"


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(run) for run in runs), default=0)


# HTML -------------------------------------------------------------------------------------------

def _html_block(element: etree._Element, base_url: str) -> str:
    tag = element.tag
    if tag == "head":
        rend = element.get("rend", "h2")
        level = rend if re.fullmatch(r"h[1-6]", rend) else "h2"
        return f"<{level}>{_html_inline(element, base_url)}</{level}>"
    if tag == "list":
        return _html_list(element, _items(element), base_url)
    if tag == "quote":
        children = [child for child in element if child.tag in ("p", "list", "code", "table", "head", "quote")]
        inner = "".join(_html_block(child, base_url) for child in children) if children else \
            f"<p>{_html_inline(element, base_url)}</p>"
        return f"<blockquote>{inner}</blockquote>"
    if tag == "code":
        return f"<pre><code>{htmllib.escape(''.join(element.itertext()).strip(chr(10)))}</code></pre>"
    if tag == "table":
        return _html_table(element, base_url)
    if tag == "graphic":
        return f"<figure>{_html_image(element, base_url)}</figure>"
    return f"<p>{_html_inline(element, base_url)}</p>"


def _html_list(element: etree._Element, items: list[etree._Element], base_url: str) -> str:
    name = "ol" if element.get("rend") == "ol" else "ul"
    return f"<{name}>{''.join(f'<li>{_html_inline(item, base_url)}</li>' for item in items)}</{name}>"


def _html_inline(element: etree._Element, base_url: str) -> str:
    out = [htmllib.escape(element.text or "")]
    for child in element:
        out.append(_html_inline_child(child, base_url))
        out.append(htmllib.escape(child.tail or ""))
    return "".join(out)


def _html_inline_child(child: etree._Element, base_url: str) -> str:
    tag = child.tag
    if tag == "lb":
        return "<br>"
    if tag == "graphic":
        return _html_image(child, base_url)
    if tag in ("list", "quote", "p", "code", "table"):
        return _html_block(child, base_url)
    inner = _html_inline(child, base_url)
    if tag == "hi":
        name = _EMPHASIS.get(child.get("rend", ""), ("", ""))[1]
        return f"<{name}>{inner}</{name}>" if name else inner
    if tag == "ref":
        target = absolute_url(child.get("target"), base_url)
        return f'<a href="{htmllib.escape(target)}">{inner}</a>' if target else inner
    if tag == "del":
        return f"<s>{inner}</s>"
    return inner


def _html_table(element: etree._Element, base_url: str) -> str:
    rows = []
    for row in element.iter("row"):
        cells = []
        for cell in row.iter("cell"):
            name = "th" if cell.get("role") == "head" else "td"
            cells.append(f"<{name}>{_html_inline(cell, base_url)}</{name}>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tbody>{''.join(rows)}</tbody></table>"


def _html_image(element: etree._Element, base_url: str) -> str:
    source = absolute_url(element.get("src"), base_url)
    if not source:
        return ""
    alt = htmllib.escape(element.get("alt") or element.get("title") or "")
    return f'<img src="{htmllib.escape(source)}" alt="{alt}">'

