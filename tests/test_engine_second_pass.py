"""The clip engine's second pass (issue 10): what trafilatura gets wrong on pages nobody tuned for."""

import pytest

from test_engine_clean import URL, clip_of, paragraphs, removed
from test_engine_pages import FILLER, page
from tidyclip.engine import make_clip
from tidyclip.engine.extract import Block

LONG = ("The harbour board published its accounts on Monday, showing that ferry income had fallen for the third "
        "year running while the cost of dredging the channel had almost doubled since the last survey.")


def images(clip: dict) -> list[str]:
    return [part.split('"', 1)[0] for part in clip["html"].split('<img src="')[1:]]


def test_pictures_between_paragraphs_come_back_in_order_with_their_captions_passed_over():
    clip = clip_of(
        '<figure><img src="/img/quay.jpg" alt="The old quay"><figcaption>The quay in 1953.</figcaption></figure>'
        f"<p>{LONG}</p>"
        '<div class="wp-caption"><img src="/img/plan.png" width="960" height="720">'
        "<p class=\"wp-caption-text\">Photo: the council</p></div>"
        f"<p>{FILLER[0]} Again, to be a paragraph of its own.</p>"
        '<img src="/pixel.gif" width="1" height="1">'
        f"<p>{FILLER[1]} Once more, as a paragraph of its own.</p>",
        after='<aside><img src="/img/other-story.jpg"><a href="/other">Other story</a></aside>')
    found = images(clip)
    assert "https://courier.example/img/quay.jpg" in found and "https://courier.example/img/plan.png" in found
    assert found.index("https://courier.example/img/quay.jpg") < found.index("https://courier.example/img/plan.png")
    assert not any("pixel" in source or "other-story" in source for source in found)
    assert "![The old quay](<https://courier.example/img/quay.jpg>)" in clip["markdown"]


def test_a_lazy_picture_gets_its_real_address_and_an_avatar_above_the_article_stays_out():
    clip = clip_of(f'<p>{LONG}</p><img src="data:image/gif;base64,R0lGOD" data-src="/img/real.jpg"><p>{FILLER[0]} More.</p>',
                   head="")
    assert images(clip) == ["https://courier.example/img/real.jpg"]
    html = page(f"<p>{LONG}</p>").replace("<article>", '<article><img src="/avatar.jpg" width="48" height="48">')
    assert not any("avatar" in source for source in images(make_clip(html, URL)))


def test_a_comments_region_that_also_holds_the_headline_takes_only_what_follows_the_article():
    # A "3 Comments" link at the top grows into a region that holds the headline and the thread.
    thread = ("<h3>3 Comments</h3><div><p>Jane Doe said...</p><p>What a shame for the old fleet, honestly.</p>"
              "<p>Reply</p><p>Bob said...</p><p>I was at the meeting and it was chaos from start to end.</p><p>Reply</p>"
              "<form><textarea></textarea></form></div>")
    html = page("", after=thread).replace("<article>", '<article><a href="#comments">3 Comments</a>')
    clip = make_clip(html, URL)
    assert all(text in clip["text"] for text in FILLER)
    assert "What a shame for the old fleet" not in clip["text"]


QUOTED = ("The harbour master told the meeting that the channel would silt up again within five years unless "
          "the breakwater was lengthened, whichever design was chosen.")
ALSO_QUOTED = ("Two of the three designs would move the ferry berth to the eastern arm, which the fishermen say "
               "would leave their boats without shelter in a northerly gale.")


def test_an_article_paragraph_a_reader_quoted_stays_when_its_neighbours_are_short():
    """The page holds the paragraph twice, once in the article and once in a comment: the block is the
    article's, whatever stands beside it (dragnet 295 lost two such paragraphs)."""
    thread = ("<div><h3>2 Comments</h3><p>Jane Doe said...</p>"
              f"<blockquote>{QUOTED}</blockquote><p>Exactly what the board kept quiet about for years.</p><p>Reply</p>"
              f"<p>Bob said...</p><blockquote>{ALSO_QUOTED}</blockquote><p>Nobody asked the fishermen.</p><p>Reply</p>"
              "<form><textarea></textarea></form></div>")
    clip = clip_of(f"<p>{QUOTED}</p><p>Short note.</p><p>{ALSO_QUOTED}</p>", after=thread)
    assert QUOTED in paragraphs(clip) and ALSO_QUOTED in paragraphs(clip)
    assert "kept quiet about" not in clip["text"] and "Nobody asked the fishermen" not in clip["text"]


SIGNED_THREAD = (
    "<p>Finally someone says it. The ferry has been late every day this winter and nobody answers the phone.</p>"
    "<p>Posted by: Jane Doe | March 26, 2007 2:00 PM</p>"
    "<p>I disagree with most of this piece.</p><p>The dredging was always going to cost more than the board said.</p>"
    "<p>Posted by: Robby R. | March 26, 2007 2:01:23 PM</p>"
    "<p>Great write-up, thanks.</p>"
    "<p>Posted by: Andrew  Mar 26, 2007 4:10 PM</p>"
)


def test_comments_written_as_signed_plain_paragraphs_go():
    clip = clip_of(f"<p>{LONG}</p><p>Posted by Kathy at March 25, 2007 09:12 AM</p>{SIGNED_THREAD}")
    assert all(text in clip["text"] for text in FILLER[:3])
    for comment in ("nobody answers the phone", "I disagree with most", "Great write-up", "Posted by: Andrew"):
        assert comment not in clip["text"], comment
    assert any("Great write-up" in text for text in removed(clip, "comments"))


@pytest.mark.parametrize("lines", [
    ["Termin: 21.02.2020, 18:30 Uhr", "Lesung im Rathaussaal mit anschließender Diskussion über den Hafen.",
     "Termin: 28.02.2020, 19:00 Uhr", "Führung über den alten Kai, Treffpunkt am Fähranleger."],
    ["Updated: March 3, 2012 10:00 AM", "The vote was moved to the spring after a long debate in the hall.",
     "Updated: March 3, 2012 11:30 AM", "The mayor confirmed the new date to reporters outside the town hall."],
    ["Opening Bell 11.18.19", "Markets opened higher as the harbour bond sold out within minutes of its launch.",
     "Opening Bell 11.19.19", "Markets fell back as traders took profits on the harbour bond's first day."],
])
def test_dated_lines_that_sign_nothing_stay(lines):
    clip = clip_of("".join(f"<p>{line}</p>" for line in lines))
    assert all(line in clip["text"] for line in lines)


def test_soft_hyphens_and_zero_width_spaces_go_from_every_body():
    clip = clip_of("<p>Schon im Mit\u00adtel\u00adal\u00adter war der Ha\u200bfen das Aus\u00adhän\u00adge\u00adschild der Stadt und ihrer Wirtschaft.</p>")
    for body in (clip["text"], clip["markdown"], clip["html"]):
        assert "Mittelalter" in body and "Hafen" in body and "\u00ad" not in body and "\u200b" not in body


def test_soft_hyphens_go_from_the_pages_own_blocks_too():
    """The fallback when trafilatura finds nothing (or trips on the page) cleans the text the same way."""
    from tidyclip.engine.extract import parse_html, plain_blocks

    blocks = plain_blocks(parse_html("<html><body><p>Der Ha\u00adfen im Mit\u00adtel\u00adal\u00adter.</p></body></html>"))
    assert [block.text for block in blocks] == ["Der Hafen im Mittelalter."]
    assert "".join(blocks[0].element.itertext()) == "Der Hafen im Mittelalter."


def test_links_stay_links_and_resolve_against_the_page():
    clip = clip_of(f'<p>{LONG} See <a href="/docs/accounts.pdf">the accounts</a> for more detail.</p>')
    assert "[the accounts](<https://courier.example/docs/accounts.pdf>)" in clip["markdown"]
    assert paragraphs(clip)


def test_a_region_holding_the_article_is_matched_as_loosely_as_the_blocks_it_would_take():
    """trafilatura may glue a link to the next word ("dealsavailable"): the region that holds the
    article must be recognised as the article with the same loose matching that would take its blocks."""
    from lxml import etree

    from tidyclip.engine.clean import comments
    from tidyclip.engine.clean.page import CommentRegion, Page
    from tidyclip.engine.text import normalize
    from tidyclip.engine.extract import Block

    spaced = [f"{text} Some popular deals available for a limited time." for text in FILLER]
    glued = [text.replace("deals available", "dealsavailable") for text in spaced]
    blocks = [Block("paragraph", etree.Element("p"), text) for text in glued]
    region = CommentRegion(normalize(" ".join(["3 Comments", *spaced, "Leave a Reply"])), ("heading", "thread"))
    keys = [normalize(text) for text in glued]
    assert comments.find(blocks, keys, Page(comment_regions=(region,)), list(range(len(blocks)))) == {}


def _region_finds(evidence: tuple[str, ...]) -> dict:
    from lxml import etree

    from tidyclip.engine.clean import comments
    from tidyclip.engine.clean.page import CommentRegion, Page
    from tidyclip.engine.text import normalize
    from tidyclip.engine.extract import Block

    article = [Block("paragraph", etree.Element("p"), text) for text in FILLER[:4]]
    sidebar = [Block("paragraph", etree.Element("p"), f"{LONG} {number}") for number in range(6)]
    blocks = article + sidebar
    keys = [normalize(block.text) for block in blocks]
    region = CommentRegion(normalize(" ".join(["0 Comments", *FILLER[:4], "Leave a Reply"])), evidence)
    return comments.find(blocks, keys, Page(comment_regions=(region,)), list(range(len(blocks))))


def test_a_region_without_a_thread_in_it_takes_no_run_of_article_paragraphs():
    """A "0 Comments" link under the headline grows to the article container, where the comment form is
    too: heading, form and class names agree, yet nothing in it is a reader's comment."""
    assert _region_finds(("heading", "form", "attributes")) == {}


def test_a_region_with_a_thread_in_it_takes_what_it_holds():
    found = _region_finds(("heading", "form", "thread", "attributes"))
    assert sorted(found) == [0, 1, 2, 3]
    assert {finding.evidence for finding in found.values()} == {"comment region: heading, form, thread, attributes"}


def test_the_cleaning_report_says_what_showed_a_comment():
    clip = clip_of(f"<p>{LONG}</p>{SIGNED_THREAD}")
    evidence = {item.get("evidence") for item in clip["cleaning"]["removed"] if item["kind"] == "comments"}
    assert evidence == {"signed comments"}



ROUNDUP = ("<p>Ahead of the vote, <ref>Ann Lee on what the new quay will cost the town</ref> was read widely; "
           "<ref>Tom Marsh and Ida Kay's interviews with the fishermen</ref> ran on the radio, and "
           "<ref>the Gazette's map of the three designs for the old quay</ref> was printed. See also "
           "<ref>our earlier reports</ref> and <ref>the council's own papers</ref>.</p>")
MENU = "<p>Most read: " + " ".join(f"<ref>{title}</ref>" for title in (
    "Top stories", "Rail strike called off", "Storm warning for the coast", "School roof repaired",
    "Football: late winner in the derby", "Weather: sun returns on Friday")) + " © The Courier 2024</p>"


def chrome_found(*paragraphs: str) -> dict:
    """What the chrome rule finds in blocks made of PARAGRAPHS (trafilatura's XML: links are <ref>)."""
    from lxml import etree

    from tidyclip.engine.clean import chrome
    from tidyclip.engine.clean.page import Page
    from tidyclip.engine.extract import block_text

    elements = [etree.fromstring(paragraph) for paragraph in paragraphs]
    blocks = [Block("paragraph", element, block_text(element)) for element in elements]
    return chrome.find(blocks, [""] * len(blocks), Page(), list(range(len(blocks))))


def test_a_menu_run_together_into_a_paragraph_after_the_article_goes():
    article = [f"<p>{text}</p>" for text in (LONG, *FILLER)]
    found = chrome_found(MENU, *article, MENU)
    assert sorted(found) == [0, len(article) + 1]
    assert found[0].evidence == "links run together: a menu or other stories"


def test_a_paragraph_that_links_many_sources_stays_even_at_the_end():
    assert chrome_found(f"<p>{LONG}</p>", ROUNDUP) == {}


def test_the_same_menu_between_article_paragraphs_stays():
    # a list of links inside the article (its sources, a reading list) is the article's
    assert chrome_found(f"<p>{LONG}</p>", MENU, f"<p>{LONG}</p>") == {}


DIARY = [
    ["The ferry ran late all morning because of fog over the channel.", "By noon the fog had lifted and the boats went out."],
    ["A seal slept on the slipway until the harbour master shooed it off.", "Children watched it swim back to the rocks."],
    ["The new crane arrived on a barge from the city and was bolted down.", "It lifts twice what the old one could manage."],
]


def test_posts_of_a_blog_page_each_signed_stay():
    """A blog's front page signs every post, one writer each time: that is no thread of readers."""
    posts = []
    for day, texts in zip((12, 13, 14), DIARY, strict=True):
        posts += [*(f"<p>{text}</p>" for text in texts), f"<p>Posted by Anna Moor at July {day}, 2023 08:00 AM</p>"]
    clip = make_clip(f"<html><body><div>{''.join(posts)}</div></body></html>", URL)
    assert all(text in clip["text"] for texts in DIARY for text in texts)


def test_a_comments_closed_line_goes():
    clip = clip_of(f"<p>{LONG}</p>" + "<p>The comments to this entry are closed.</p>")
    assert "comments to this entry" not in clip["text"]


def _thread_finds(quoted: list[int]) -> list[int]:
    """Positions a thread region holding the article paragraphs QUOTED takes from a five-paragraph article."""
    from lxml import etree

    from tidyclip.engine.clean import comments
    from tidyclip.engine.clean.page import CommentRegion, Page
    from tidyclip.engine.text import normalize

    texts = [f"{LONG} {topic}" for topic in ("Ferries.", "Dredging.", "Harbour dues.", "Moorings.", "The slipway.")]
    blocks = [Block("paragraph", etree.Element("p"), text) for text in texts]
    keys = [normalize(text) for text in texts]
    region = CommentRegion(normalize(" ".join(["2 Comments", "Jo said...", *(texts[index] for index in quoted), "Reply"])),
                           ("heading", "thread", "attributes"))
    return sorted(comments.find(blocks, keys, Page(comment_regions=(region,)), list(range(len(blocks)))))


def test_an_article_paragraph_a_reader_quoted_stays():
    assert _thread_finds([2]) == []


def test_what_a_thread_holds_at_the_end_of_the_clip_goes():
    assert _thread_finds([3, 4]) == [3, 4]
