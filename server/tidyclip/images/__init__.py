"""A clip's pictures, kept with it: which ones (candidates), fetched and checked (download, inspect),
in the background after the clip is saved (worker), and shown from the local copies (local_html).

The store of record is the clip's `images` list (clip.py) and the image files (image_store.py), both
reached through the Library only.
"""
