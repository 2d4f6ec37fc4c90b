"""Reading: the clip's reading state (unread / archived, favourite, how far it was read) and the
highlights the reader made on passages of its text.

    schema.py      the fields' checks and cleaners (clip.py and fields.py call them), their defaults
    anchoring.py   finding a highlight's passage in a text: exactly, by its context, or fuzzily
    highlights.py  making, editing and re-anchoring a clip's list of highlights (pure functions)
    marks.py       highlights as marks in exported Markdown and HTML

The Library (library.py) stores them through the store's read-modify-write (`Store.update`), so an
edit of one field never loses a concurrent edit of another.
"""
