"""The clip's title, author and date: the traps trafeval-dev's gold showed, one test each (engine/metadata.py)."""

import pytest

from tidyclip.engine import make_clip

URL = "https://gazette.example/2024/05/harbour-ferry"
ARTICLE = "".join(f"<p>{text}</p>" for text in (
    "The harbour ferry will run every twenty minutes from June, the port authority said on Tuesday morning.",
    "The change follows a winter trial on the short crossing, when passenger numbers rose by almost a third.",
    "Crews welcomed the plan but asked for a second boat on summer weekends, when the queues reach the road.",
    "The authority said it would look at a second boat once the new timetable has run for a full season.",
))


def clip_of(head: str = "", before: str = "", headline: str = "<h1>Ferry to run every twenty minutes</h1>",
            url: str = URL, **kwargs) -> dict:
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>'
            f'<header>{before}</header><main><article>{headline}{ARTICLE}</article></main></body></html>')
    return make_clip(page, url, **kwargs)


def test_the_site_name_glued_to_the_title_is_left_out():
    clip = clip_of("<title>Ferry to run every twenty minutes | The Gazette</title>"
                   '<meta property="og:title" content="Ferry to run every twenty minutes | The Gazette">')
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_a_kicker_in_the_headline_is_left_out():
    clip = clip_of("<title>Transport: Ferry to run every twenty minutes</title>",
                   headline='<h1><span class="kicker">Transport</span>'
                            '<span>Ferry to run every twenty minutes</span></h1>')
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_a_kicker_before_the_headlines_own_text_is_left_out():
    clip = clip_of("<title>Ferry to run every twenty minutes | The Gazette</title>",
                   headline="<h1><small>Transport</small><br> Ferry to run every twenty minutes</h1>")
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_words_set_apart_in_a_headline_the_title_holds_whole_stay():
    clip = clip_of("<title>Harbour Ferry to run every twenty minutes | The Gazette</title>",
                   headline="<h1><em>Harbour Ferry</em> to run every twenty minutes</h1>")
    assert clip["title"] == "Harbour Ferry to run every twenty minutes"


def test_a_site_logo_h1_is_not_the_headline():
    clip = clip_of("<title>The Gazette » Blog Archive » Ferry to run every twenty minutes</title>",
                   before='<h1><a href="/">The Gazette</a></h1>', headline="")
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_an_h1_that_is_the_site_name_is_not_the_headline():
    clip = clip_of('<title>The Gazette: Ferry to run every twenty minutes</title><meta property="og:site_name" '
                   'content="The Gazette"><meta property="og:title" content="Ferry to run every twenty minutes">',
                   before='<h1 class="title">The Gazette</h1>',
                   headline='<h3 class="post-title">Ferry to run every twenty minutes</h3>')
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_a_headline_in_an_h2_that_matches_the_title_beats_the_logo():
    clip = clip_of("<title>Ferry to run every twenty minutes - Gazette</title>",
                   before='<h1>Gazette</h1>', headline='<h2 class="entry-title">Ferry to run every twenty minutes</h2>')
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_an_unknown_site_name_after_a_bar_goes_when_no_headline_confirms_the_title():
    clip = clip_of("<title>Ferry to run every twenty minutes | Harbour Town Weekly</title>", headline="")
    assert clip["title"] == "Ferry to run every twenty minutes"


def test_the_tab_title_still_wins_unless_it_is_the_headline_decorated():
    assert clip_of(title="My ferry notes")["title"] == "My ferry notes"
    decorated = clip_of(title="Ferry to run every twenty minutes | The Gazette")
    assert decorated["title"] == "Ferry to run every twenty minutes"


@pytest.mark.parametrize("byline", ["By Jane Doe", "Posted by Jane Doe", "View all posts by Jane Doe",
                                    "Author: Jane Doe", "Veröffentlicht von Jane Doe", "Analysis by Jane Doe"])
def test_a_byline_found_by_its_class_loses_its_label(byline):
    assert clip_of(before=f'<div class="post-byline">{byline}</div>')["author"] == "Jane Doe"


@pytest.mark.parametrize("name", ["Alexa von Heyden", "Ursula von der Leyen", "Walter von Aachen"])
def test_a_von_in_a_name_is_no_label(name):
    assert clip_of(f'<meta name="author" content="{name}">')["author"] == name


def test_a_commenters_name_is_not_the_byline():
    assert clip_of(before='<div class="comment-author">Jane Doe</div>')["author"] is None


def test_the_site_named_beside_the_author_is_left_out():
    clip = clip_of('<meta name="author" content="Rob Picheta, CNN">', url="https://edition.cnn.com/2024/05/ferry")
    assert clip["author"] == "Rob Picheta"


def test_initials_keep_their_dots():
    assert clip_of('<meta name="author" content="Perry Bacon Jr.">')["author"] == "Perry Bacon Jr."
    assert clip_of('<meta name="author" content="Ann B. Cole">')["author"] == "Ann B. Cole"


def test_co_authors_are_joined_by_a_comma():
    clip = clip_of('<meta name="author" content="Ibtisam Mahdi; Ruwaida Kamal Amer">')
    assert clip["author"] == "Ibtisam Mahdi, Ruwaida Kamal Amer"


def test_a_link_is_no_author():
    assert clip_of('<meta property="article:author" content="https://www.facebook.com/gazette">')["author"] is None


HEADLINE = "<h1>Ferry to run every twenty minutes</h1>"


@pytest.mark.parametrize("byline", [
    '<p class="meta">By <a href="/people/jane-doe">Jane Doe</a>, 3 May 2024</p>',
    '<div>Posted by Jane Doe @ 12:00 am</div>',
    '<span>Von Jane Doe am 3. Mai 2024</span>',
    '<div>Por: Jane Doe | Actualizado el: 3 mayo 2024</div>',
])
def test_a_byline_line_after_the_headline_names_the_author_when_no_markup_does(byline):
    assert clip_of(headline=HEADLINE + byline)["author"] == "Jane Doe"


@pytest.mark.parametrize("not_a_byline", [
    "<h2>Posts by Topic</h2>",                                       # a blog's sidebar heading
    '<p><a href="/shirts/time-vampire">Time Vampire by Another Safe Landing</a></p>',  # a product's link
    "<p>Von Firmenfahrzeugen bis zu Lastenrädern wird die Flotte der Stadt in diesem Jahr erneuert.</p>",
    "<figure><figcaption>Photo by Jane Doe</figcaption></figure>",   # a photographer's credit
    "<p>HOMES BY THE SEA</p>",                                       # a heading set in capitals
])
def test_headings_links_prose_and_captions_after_the_headline_name_no_author(not_a_byline):
    assert clip_of(headline=HEADLINE + not_a_byline)["author"] is None


def test_the_byline_names_the_person_where_the_meta_tags_name_only_the_site():
    clip = clip_of('<meta name="author" content="gazette.example">', headline=HEADLINE + "<p>Von Jane Doe am 3. Mai</p>")
    assert clip["author"] == "Jane Doe"
    assert clip_of('<meta name="author" content="gazette.example">')["author"] == "Gazette Example"


@pytest.mark.parametrize(("line", "published"), [
    ("<p>Posted on October 30, 2012 at 12:13 am</p>", "2012-10-30"),
    ("<div>Hamburg, 19. Mai 2010</div>", "2010-05-19"),
    ("<span>06.11.2023 13:30 von Jane Doe</span>", "2023-11-06"),
    ("<p>© 2012 The Gazette</p>", None),  # a year alone is no date
])
def test_a_date_line_after_the_headline_dates_the_clip_when_no_markup_does(line, published):
    assert clip_of(headline=HEADLINE + line)["published"] == published


def test_a_byline_under_a_blog_posts_h2_counts_when_the_h1_is_the_sites_logo():
    menu = "".join(f'<li><a href="/topic/{number}">Topic {number}</a></li>' for number in range(14))
    clip = clip_of("<title>Ferry to run every twenty minutes | The Gazette</title>",
                   before=f"<h1>The Gazette</h1><ul>{menu}</ul>",
                   headline="<h2>Ferry to run every twenty minutes</h2><p>Posted by Jane Doe on 3 May 2024</p>")
    assert (clip["author"], clip["published"]) == ("Jane Doe", "2024-05-03")
