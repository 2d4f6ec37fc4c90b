"""engine/loose_text.py: trafilatura's pieces of a loose run joined as the page wrote them.
(tests/pages/written-loose-text-runs is the whole case through make_clip.)"""

from lxml import etree
from lxml import html as lxml_html

from tidyclip.engine.extract import blocks_from_body
from tidyclip.engine.loose_text import Spacing, inline_runs, mend


def _texts(body_xml: str, page_html: str) -> list[str]:
    body = etree.fromstring(body_xml)
    mend(body, lxml_html.fromstring(page_html))
    return [block.text for block in blocks_from_body(body)]


def test_the_page_tells_which_inline_elements_stand_in_a_run_and_how_they_were_spaced():
    page = lxml_html.fromstring("<div><h2>Date</h2>Despite <a>some deals</a>, the <b>cars</b>were slow.<br>"
                                "<i>News</i> said so.<p><b>Label:</b> kept</p></div>")
    runs = inline_runs(page)
    assert runs["some deals"] == Spacing("Despite", space_before=True, space_after=False)
    assert runs["cars"] == Spacing("the", space_before=True, space_after=False)
    assert runs["News"] == Spacing("", space_before=False, space_after=True)  # a line break came before it
    assert "Label:" not in runs  # inside a <p>: trafilatura keeps that paragraph whole


def test_pieces_of_one_run_are_joined_with_the_page_spaces():
    page = "<div><h2>Date</h2>Despite <a href='/d'>some deals</a> available, the <a href='/c'>cars</a> sold.</div>"
    body = ("<body><head>Date</head><p>Despite</p><p><ref target='/d'>some deals</ref>available, the</p>"
            "<p><ref target='/c'>cars</ref>sold.</p></body>")
    assert _texts(body, page) == ["Date", "Despite some deals available, the cars sold."]


def test_a_piece_after_a_line_break_is_its_own_paragraph_but_gets_its_space_back():
    page = "<div><h2>Date</h2>One line ends here.<br><br><i>News</i> reports the rest.</div>"
    body = "<body><head>Date</head><p>One line ends here.</p><p><hi rend='#i'>News</hi>reports the rest.</p></body>"
    assert _texts(body, page) == ["Date", "One line ends here.", "News reports the rest."]


def test_a_paragraph_the_page_starts_with_a_bold_label_stays_apart():
    page = "<div><p><b>Heritage d. Titusville 53-9</b></p><p><b>Heritage (1-0): </b>Armani 19 points.</p></div>"
    body = "<body><p><hi rend='#b'>Heritage d. Titusville 53-9</hi></p><p><hi rend='#b'>Heritage (1-0):</hi>Armani 19 points.</p></body>"
    assert _texts(body, page) == ["Heritage d. Titusville 53-9", "Heritage (1-0):Armani 19 points."]


def test_a_piece_is_not_joined_to_a_paragraph_that_did_not_come_before_it_on_the_page():
    # trafilatura dropped "Share on" before the link: the piece must not run into the article's last paragraph
    page = "<div><p>The article ends.</p>Share on <a href='/f'>Facebook</a> today</div>"
    body = "<body><p>The article ends.</p><p><ref target='/f'>Facebook</ref>today</p></body>"
    assert _texts(body, page) == ["The article ends.", "Facebook today"]


def test_a_run_whose_first_words_trafilatura_left_loose_is_one_paragraph():
    page = "<div><p>First paragraph.</p>Despite <a href='/d'>some deals</a> available.<p>Last paragraph.</p></div>"
    body = ("<body><p>First paragraph.</p>Despite<p><ref target='/d'>some deals</ref>available.</p>"
            "<p>Last paragraph.</p></body>")
    assert _texts(body, page) == ["First paragraph.", "Despite some deals available.", "Last paragraph."]
