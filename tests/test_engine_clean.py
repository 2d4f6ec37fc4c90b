"""Each cleaning rule on small HTML: what must go goes, and what must stay stays."""

import pytest

from test_engine_pages import FILLER, TITLE, page
from tidyclip.engine import make_clip

URL = "https://courier.example/news/harbour-plan"
QUOTE_A = ("\"I invite them to do what others have already done this past 18 months and join hands with us. Our door "
           "is always open,\" the U.K. Secret Intelligence Service chief said. \"We will handle their offers of help "
           "with the discretion and professionalism for which my service is famed. Their secrets will always be safe "
           "with us.\"")
QUOTE_B = ("“I invite them to do what others have done this past 18 months and join hands with us. Our door is always "
           "open … Their secrets will be safe with us and together we will work to bring the bloodshed to an end,” "
           "Richard Moore told Politico on Wednesday, at the British embassy in Prague.")
OTHER = "Traders on the market square were more cautious, saying they would wait to see the final figures first."
STORY = "A retired captain said the harbour had not changed this much since the storm of 1953 took the old pier away."


def clip_of(body: str, **kwargs) -> dict:
    return make_clip(page(body, **{key: kwargs.pop(key) for key in ("after", "title", "head") if key in kwargs}),
                     URL, **kwargs)


def paragraphs(clip: dict) -> list[str]:
    return clip["text"].split("\n\n")


def removed(clip: dict, kind: str) -> list[str]:
    return [entry["text"] for entry in cleaned(clip) if entry["kind"] == kind]


def cleaned(clip: dict) -> list[dict]:
    """What the cleaner removed, leaving out the page's own <h1> headline (the clip shows the title apart)."""
    return [entry for entry in clip["cleaning"]["removed"] if not (entry["position"] == 0 and entry["text"] == TITLE)]


def test_exact_repeat_far_from_its_twin_goes_and_the_first_stays():
    clip = clip_of(f"<p>{STORY}</p><p>{OTHER}</p><p>Another line of the report, long enough to count here.</p><p>{STORY}</p>")
    assert clip["text"].count(STORY) == 1
    assert paragraphs(clip).index(STORY) < paragraphs(clip).index(OTHER)
    assert removed(clip, "duplicates") == [STORY]
    assert clip["cleaning"]["duplicates"] == 1


@pytest.mark.parametrize("variant", [
    STORY.replace("the storm", "the  storm").replace(" since", "  since"),  # spacing
    STORY.replace("A retired", "“A retired").replace("away.", "away.”"),   # quote marks
    "(Reuters) - " + STORY,                                                   # wire tag
    "LONDON (Reuters) - " + STORY,                                            # dateline and wire tag
    STORY.replace("captain", "skipper"),                                      # a changed word
])
def test_near_repeat_goes_and_the_first_stays(variant):
    clip = clip_of(f"<p>{STORY}</p><p>{OTHER}</p><p>{variant}</p>")
    assert STORY in paragraphs(clip)
    assert paragraphs(clip).index(STORY) < paragraphs(clip).index(OTHER)
    gone = cleaned(clip)
    assert len(gone) == 1 and gone[0]["kind"] in ("duplicates", "near_duplicates")
    assert " ".join(gone[0]["text"].split()) == " ".join(variant.split())


def test_two_reports_of_one_quote_both_stay():
    clip = clip_of(f"<p>{QUOTE_A}</p><p>{QUOTE_B}</p>")
    assert QUOTE_A in clip["text"] and QUOTE_B in clip["text"]
    assert clip["cleaning"]["near_duplicates"] == 0


def test_headline_and_standfirst_repeated_in_the_body_go():
    clip = clip_of(f"<p>{TITLE}</p><p>{FILLER[0]}</p><p>{STORY}</p>")
    assert TITLE not in paragraphs(clip)
    assert clip["text"].count(FILLER[0]) == 1
    assert removed(clip, "headline_repeats") == [TITLE, FILLER[0]]
    assert STORY in paragraphs(clip)


def test_a_paragraph_that_mentions_the_headline_stays():
    sentence = f"Readers asked why we ran the story under the headline “{TITLE}” last week, and here is why."
    clip = clip_of(f"<p>{sentence}</p>")
    assert sentence in paragraphs(clip)


BLOGGER_COMMENTS = (
    '<div class="comments" id="comments"><h4>3 comments:</h4><dl id="comments-block">'
    '<dt class="comment-author"><a href="#">K. Ostrowski</a> said...</dt><dd class="comment-body"><p>This is exactly '
    'what I have been saying for months and nobody in the press wanted to hear it.</p></dd>'
    '<dd class="comment-footer"><span>12 hours ago</span></dd>'
    '<dt class="comment-author"><a href="#">dave_h</a> said...</dt><dd class="comment-body"><p>Anyone else think the '
    'headline is a bit misleading compared to what the article actually says?</p></dd>'
    '<dd class="comment-footer"><span>5 hours ago</span></dd></dl>'
    '<div class="comment-form"><h4>Post a Comment</h4><iframe id="comment-editor" src="https://www.blogger.com/comment"></iframe></div></div>'
)
WORDPRESS_COMMENTS = (
    '<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on “Harbour plan”</h2>'
    '<ol class="comment-list"><li class="comment"><article class="comment-body"><footer><b class="fn">Priya</b> '
    '<span class="says">says:</span><time>11 hours ago</time></footer><div class="comment-content"><p>Does anyone '
    'have a link to the original report? The numbers quoted here do not match what I read.</p></div>'
    '<div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></article></li>'
    '<li class="comment"><article class="comment-body"><footer><b class="fn">GeorgeW</b> <span class="says">says:'
    '</span></footer><div class="comment-content"><p>I am not sure the author has considered how this will play out '
    'for ordinary people.</p></div><div class="reply"><a href="#">Reply</a></div></article></li></ol>'
    '<div id="respond"><h3>Leave a Reply</h3><form><label>Comment</label><textarea name="comment"></textarea>'
    '<input name="author"><input name="email"><button>Post Comment</button></form></div></div>'
)
#: A comment widget whose class names are generated: only its text and structure say what it is.
GENERATED_COMMENTS = (
    '<div class="x9f2k"><div class="q1w2e">Join the conversation</div><ul class="a8s7d">'
    '<li class="z0x9c"><div class="p3o4i"><span class="m5n6b">riverwatcher</span> <span class="v7c8x">3 hours ago</span>'
    '</div><p class="l1k2j">My grandfather fished from that quay for forty years and he would have hated every one of '
    'these designs.</p><div class="h3g4f"><button>Like</button> <button>Reply</button></div></li>'
    '<li class="z0x9c"><div class="p3o4i"><span class="m5n6b">Tom B.</span> <span class="v7c8x">1 hour ago</span></div>'
    '<p class="l1k2j">Jobs matter more than views. Build it and stop wasting everyone’s time with consultations.</p>'
    '<div class="h3g4f"><button>Like</button> <button>Reply</button></div></li></ul></div>'
)
DISQUS_COMMENTS = (
    '<div id="disqus_thread"><div class="disqus-header"><span class="comment-count">2 Comments</span> <span>Login</span>'
    '</div><ul class="post-list"><li class="post"><span class="author">dave_h</span> <span>• 20 hours ago</span>'
    '<div class="post-message"><p>Reply to the person above: you are missing the point entirely, read the third '
    'paragraph again.</p></div><footer><a class="vote-up">1</a> <a class="reply">Reply</a></footer></li>'
    '<li class="post"><span class="author">Nadia</span> <span>• 8 hours ago</span><div class="post-message"><p>Wow. '
    'My brother works in this industry and he says the real story is far more complicated.</p></div>'
    '<footer><a class="reply">Reply</a></footer></li></ul></div>'
)
READER_1 = "My neighbour fished from that quay for forty years and he would have hated every one of these designs."
READER_2 = "Jobs matter more than views. Build it and stop wasting everyone’s time with consultations, honestly."
#: Other comment systems and layouts, none of them in the corpus.
OTHER_THREADS = {
    "responses-heading": f'<section><h2>Responses (2)</h2><div class="r1"><div><a>Jane Doe</a><span>Nov 19, 2019</span></div>'
                         f'<p>{READER_1}</p><div><button>12 claps</button><button>Reply</button></div></div><div class="r1">'
                         f'<div><a>Bob</a><span>Nov 20, 2019</span></div><p>{READER_2}</p><div><button>Reply</button></div></div></section>',
    "german": f'<div class="k1"><h3>2 Kommentare</h3><div class="k2"><b>Hans</b> <span>19. November 2019 um 10:12</span>'
              f'<p>{READER_1}</p><a>Antworten</a></div><div class="k2"><b>Greta</b><p>{READER_2}</p><a>Antworten</a></div></div>',
    "points-and-reply": f'<div class="t9"><div class="c1"><a>u/seagull</a> <span>412 points</span> <span>5h</span><p>{READER_1}</p>'
                        f'<span>reply</span> <span>share</span></div><div class="c1"><a>u/crab</a> <span>99 points</span>'
                        f'<p>{READER_2}</p><span>reply</span> <span>share</span></div></div>',
    "flat-paragraphs": f'<h2>Comments</h2><p><b>Jane</b> – 2 days ago</p><p>{READER_1}</p><p><b>Bob</b> – 1 day ago</p><p>{READER_2}</p>',
    "replies-and-form": f'<div class="cx"><h3>2 Replies to “Harbour plan”</h3><ol><li><cite>Jane</cite> says:<br><small>November '
                        f'19, 2019 at 3:12 pm</small><p>{READER_1}</p><a>Reply</a></li><li><cite>Bob</cite> says:<p>{READER_2}</p>'
                        f'<a>Reply</a></li></ol><div><h3>Leave a Comment</h3><form><textarea></textarea><input name="email"></form></div></div>',
    "no-heading-generated": f'<div class="a1"><div class="b2"><span>Jane</span><time>2019-11-19</time><p>{READER_1}</p><button>Like'
                            f'</button><button>Reply</button></div><div class="b2"><span>Bob</span><p>{READER_2}</p><button>Like'
                            f'</button><button>Reply</button></div></div>',
}


@pytest.mark.parametrize("name", sorted(OTHER_THREADS))
@pytest.mark.parametrize("inside", [True, False], ids=["inside-article", "after-article"])
def test_other_comment_systems_go_too(name, inside):
    widget = OTHER_THREADS[name]
    clip = make_clip(page(f"<div>{widget}</div>"), URL) if inside else clip_of("", after=widget)
    assert all(text in paragraphs(clip) for text in FILLER)
    assert set(paragraphs(clip)) <= set(FILLER), [p for p in paragraphs(clip) if p not in FILLER]


COMMENT_WORDS = ("nobody in the press", "misleading compared", "original report", "ordinary people",
                 "grandfather fished", "Jobs matter more", "missing the point", "far more complicated",
                 "Post a Comment", "Leave a Reply", "Join the conversation", "hours ago")


@pytest.mark.parametrize("widget", [BLOGGER_COMMENTS, WORDPRESS_COMMENTS, GENERATED_COMMENTS, DISQUS_COMMENTS],
                         ids=["blogger", "wordpress", "generated-classes", "disqus"])
@pytest.mark.parametrize("inside", [True, False], ids=["inside-article", "after-article"])
def test_comment_threads_go_and_the_article_stays(widget, inside):
    clip = clip_of("", after=widget) if not inside else make_clip(page(f"<div>{widget}</div>"), URL)
    for words in COMMENT_WORDS:
        assert words not in clip["text"], words
    for text in FILLER:
        assert text in paragraphs(clip)


def test_an_article_about_comments_stays():
    sentence = ("The council received 3 comments from the harbour master and 40 comments from residents, who were asked "
                "to leave a reply on the consultation website before the end of the month.")
    clip = clip_of(f"<p>{sentence}</p>")
    assert sentence in paragraphs(clip)


def test_a_comment_link_in_the_menu_does_not_take_the_article():
    html = page("").replace("<nav>", '<nav><a href="#comments" class="comments-link">Comments</a> ')
    clip = make_clip(html, URL)
    for text in FILLER:
        assert text in paragraphs(clip)


@pytest.mark.parametrize("chrome", [
    "_______________________________________",
    "* * * * *",
    "———",
    "• • •",
    "Advertisement",
    "ADVERTISEMENT - Continue Reading Below",
    "Already a subscriber? Log in",
    "Story continues below advertisement",
    "Share this: Facebook Twitter Email",
    "We use cookies to improve your experience. By continuing to use this site you accept our cookie policy.",
    "Sign up for our morning newsletter and get the day’s top stories delivered to your inbox.",
    "Subscribe to: Post Comments (Atom)",
])
def test_chrome_lines_go(chrome):
    clip = clip_of(f"<p>{STORY}</p><p>{chrome}</p><p>{OTHER}</p>")
    assert chrome not in clip["text"]
    assert removed(clip, "boilerplate") == [chrome]
    assert STORY in paragraphs(clip)


def test_share_bar_and_related_posts_lists_go():
    share = "<ul><li><a href='#'>Facebook</a></li><li><a href='#'>Twitter</a></li><li><a href='#'>Email</a></li></ul>"
    related = ("<h3>Related posts</h3><ul><li><a href='/a'>Ferry timetable changes for winter season</a></li>"
               "<li><a href='/b'>Lifeboat crew honoured at the royal gala</a></li></ul>")
    clip = clip_of(f"<p>{STORY}</p>{share}<p>{OTHER}</p>{related}")
    for gone in ("Twitter", "Ferry timetable", "Lifeboat crew", "Related posts"):
        assert gone not in clip["text"], gone
    assert STORY in paragraphs(clip)


def test_teaser_cut_mid_word_goes_when_the_full_text_is_there():
    teaser = STORY[:70] + "..."
    clip = clip_of(f"<p>{teaser}</p><p>{OTHER}</p><p>{STORY}</p>")
    assert teaser not in clip["text"]
    assert STORY in paragraphs(clip)


def test_a_sentence_that_trails_off_stays():
    trailing = "And then the lights on the old quay went out, one by one, until the whole harbour was dark..."
    clip = clip_of(f"<p>{trailing}</p>")
    assert trailing in paragraphs(clip)


def test_what_is_legitimately_repeated_stays():
    refrain = "Row, row, row the boat"
    items = "<ul><li>Flour</li><li>Two eggs</li><li>A pinch of salt</li></ul>"
    table = ("<table><tr><th>Design</th><th>Cost</th></tr><tr><td>North quay</td><td>Yes</td></tr>"
             "<tr><td>South quay</td><td>Yes</td></tr></table>")
    body = (f"<p>{refrain}</p><p>Gently down the stream</p><p>{refrain}</p><p>Yes.</p><p>Yes.</p>"
            f"<h2>Sponge</h2>{items}<h2>Pancakes</h2>{items}{table}")
    clip = clip_of(body)
    text_paragraphs = paragraphs(clip)
    assert text_paragraphs.count(refrain) == 2
    assert text_paragraphs.count("Yes.") == 2
    assert clip["text"].count("A pinch of salt") == 2
    assert "North quay | Yes" in clip["text"] and "South quay | Yes" in clip["text"]
    assert cleaned(clip) == []


def test_restore_keeps_a_removed_block_and_records_it():
    body = f"<p>{STORY}</p><p>{OTHER}</p><p>{STORY}</p>"
    first = clip_of(body)
    position = next(entry["position"] for entry in first["cleaning"]["removed"] if entry["kind"] == "duplicates")
    again = clip_of(body, restore=[position])
    assert again["text"].count(STORY) == 2
    assert again["cleaning"]["restored"] == [position]
    assert all(entry["position"] != position for entry in again["cleaning"]["removed"])


def test_positions_are_stable_for_the_same_input():
    body = f"<p>{STORY}</p><p>{TITLE}</p><p>{STORY}</p><p>Advertisement</p>"
    assert clip_of(body)["cleaning"]["removed"] == clip_of(body)["cleaning"]["removed"]


def test_paragraphs_pasted_again_merged_or_split_go():
    merged = f"{STORY} {OTHER}"
    clip = clip_of(f"<p>{STORY}</p><p>{OTHER}</p><p>Then the meeting ended and the hall emptied into the rain.</p><p>{merged}</p>")
    assert merged not in paragraphs(clip)
    assert STORY in paragraphs(clip) and OTHER in paragraphs(clip)
    assert removed(clip, "near_duplicates") == [merged]


def test_a_paragraph_that_quotes_one_earlier_sentence_and_adds_more_stays():
    later = f"{STORY} Nobody in the hall disagreed with him, and several fishermen stood up to applaud."
    clip = clip_of(f"<p>{STORY}</p><p>{OTHER}</p><p>{later}</p>")
    assert later in paragraphs(clip)


def test_alike_items_of_one_list_and_figures_that_differ_stay():
    items = "".join(f"<li>in § 291a Absatz 3 Nr. {number} SGB V - elektronisches Patientenfach der Versicherten</li>"
                     for number in (4, 5, 6))
    first = "Revenue in the first quarter of the year rose by 5 percent to 120 million euros, the company said."
    second = "Revenue in the first quarter of the year rose by 7 percent to 131 million euros, the company said."
    clip = clip_of(f"<ul>{items}</ul><p>{first}</p><p>{second}</p>")
    for number in (4, 5, 6):
        assert f"Nr. {number} SGB V" in clip["text"]
    assert first in paragraphs(clip) and second in paragraphs(clip)
    assert cleaned(clip) == []


@pytest.mark.parametrize("sentence", [
    "Two reactions from the ministry followed.",
    "Start a conversation with your kids about money",
    "Three responses to the crisis were considered by the council",
    "No comment from the harbour master.",
])
def test_sentences_that_sound_like_comment_headings_take_nothing(sentence):
    late = "The vote itself is now expected in April, a month later than the council had first promised."
    clip = clip_of(f"<p>{OTHER}</p><p>{STORY}</p><p>{sentence}</p><p>{late}</p>")
    for text in (sentence, late, STORY, OTHER):
        assert text in paragraphs(clip), text
    assert clip["cleaning"]["comments"] == 0


def test_headlines_of_other_stories_after_the_article_go():
    headlines = ["Ferry timetable changes for the winter season", "Lifeboat crew honoured at the royal gala",
                 "New car park opens next to the station", "School roof repairs finished ahead of schedule",
                 "Fishing quotas cut again for the coming year"]
    others = "".join(f"<p><a href='/s/{number}'>{headline}</a></p>" for number, headline in enumerate(headlines))
    clip = make_clip(page("").replace("</article>", f"<h3>More local news</h3>{others}</article>"), URL)
    for gone in ["More local news", *headlines]:
        assert gone not in clip["text"], gone
    assert all(text in paragraphs(clip) for text in FILLER)
    assert len(removed(clip, "boilerplate")) >= 3


def test_links_that_are_part_of_the_article_stay():
    sources = [f"Read the {title} on the council's website, where it was published on Monday."
               for title in ("harbour plan", "consultation timetable", "engineers' report")]
    body = "".join(f"<p>{text.replace('the ', '<a href=/doc>the ', 1).replace(' on the', '</a> on the', 1)}</p>"
                   for text in sources)
    clip = make_clip(page("").replace("</article>", f"{body}</article>"), URL)
    for text in sources:
        assert text in paragraphs(clip)
    assert cleaned(clip) == []


def test_headline_repeat_found_whatever_title_the_browser_tab_gave():
    clip = make_clip(page(f"<p>{STORY}</p><p>{TITLE}</p><p>{OTHER}</p>"), URL, title="Harbour news | The Courier")
    assert clip["title"] == "Harbour news | The Courier"
    assert TITLE not in paragraphs(clip)
    assert TITLE in removed(clip, "headline_repeats")


def test_paste_marker_goes_and_its_paragraph_stays():
    clip = clip_of(f"<p>{OTHER}</p><p>INSERT: {STORY}</p><p>Add: two more boats joined the fleet on Sunday morning.</p>")
    assert STORY in paragraphs(clip)
    assert "INSERT" not in clip["text"] + clip["markdown"] + clip["html"]
    assert "Add: two more boats joined the fleet on Sunday morning." in paragraphs(clip)  # prose, not a marker
    [marker] = [entry for entry in cleaned(clip) if entry["kind"] == "boilerplate"]
    assert (marker["text"], marker["part"]) == ("INSERT:", "start")
    assert clip["cleaning"]["boilerplate"] == 1


def test_restored_paste_marker_stays():
    first = clip_of(f"<p>{OTHER}</p><p>INSERT: {STORY}</p>")
    position = next(entry["position"] for entry in first["cleaning"]["removed"] if entry["text"] == "INSERT:")
    again = clip_of(f"<p>{OTHER}</p><p>INSERT: {STORY}</p>", restore=[position])
    assert f"INSERT: {STORY}" in paragraphs(again)
