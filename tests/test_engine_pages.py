"""Small article pages the engine tests share (no tests here): a real-looking page around the HTML under test."""

FILLER = [
    "The council met on Tuesday evening to discuss the new harbour plan, which has divided the town for months.",
    "Supporters say the project will bring jobs and visitors, while critics warn about the cost to the fishing fleet.",
    "The mayor said a final decision would be taken in the spring, after a public consultation in every district.",
    "Residents packed the hall and many had to follow the debate from the street through open windows.",
    "Engineers presented three designs, each with a different footprint on the old quay and the beach beside it.",
]
TITLE = "Harbour plan splits the town as council delays its vote"


def page(body: str, *, title: str = TITLE, after: str = "", head: str = "") -> str:
    """A page whose article holds FILLER's paragraphs around BODY, and AFTER outside the article."""
    opening = "".join(f"<p>{text}</p>" for text in FILLER[:3])
    closing = "".join(f"<p>{text}</p>" for text in FILLER[3:])
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title} - The Courier</title>'
        f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="The Courier">{head}</head>'
        f'<body><nav><a href="/">Home</a> <a href="/news">News</a></nav><main><article><h1>{title}</h1>'
        f"{opening}{body}{closing}</article>{after}</main><footer>© The Courier</footer></body></html>"
    )
