"""The OpenAPI 3.1 document of the JSON API (served at /api/openapi.json). A test checks that its
paths and methods are exactly the routes of the app under /api."""

from typing import Any

ERROR_CODES = {
    "400": "Malformed request: invalid JSON, bad query parameter (`bad_json`, `bad_query`)",
    "401": "Missing or wrong Bearer token (`unauthorized`)",
    "403": "Host is not a loopback name, or the request comes from a web page (`bad_host`, `bad_origin`)",
    "404": "No such clip or route (`not_found`)",
    "405": "Method not allowed on this route (`method_not_allowed`)",
    "413": "Body larger than the limit (`too_large`)",
    "415": "Body is not application/json (`unsupported_media_type`)",
    "422": "Well-formed but unusable: missing field, no article text in the page (`bad_input`)",
    "500": "The server failed; details are in its log, never in the answer (`internal_error`, `store_corrupt`)",
}
CLIP_ID = {"name": "clip_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}
HIGHLIGHT_ID = {"name": "highlight_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{12}$"}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict:
    return {status: _json(_ref("Error"), ERROR_CODES[status]) for status in statuses}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def openapi_document(version: str) -> dict[str, Any]:
    common = ("401", "403", "500")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tidyclip local API",
            "version": version,
            "description": (
                "The API the tidyclip extension talks to on 127.0.0.1. Every route but /api/health needs "
                "`Authorization: Bearer TOKEN` (`tidyclip token` prints it). Host must be 127.0.0.1, localhost "
                "or [::1]; requests with a web page's Origin are refused; bodies are application/json only."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:7373"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/health": {
                "get": {
                    "summary": "Is the server up (no token needed)",
                    "security": [],
                    "responses": {"200": _json(_ref("Health"), "Up"), **_errors("403")},
                }
            },
            "/api/clips": {
                "post": {
                    "summary": "Clip a page (the same page again updates its clip: created date, tags and note kept)",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewClip")}}},
                    "responses": {
                        "201": _json(_ref("SavedClip"), "A new clip"),
                        "200": _json(_ref("SavedClip"), "The clip of this page, updated"),
                        **_errors("400", *common, "413", "415", "422"),
                    },
                },
                "get": {
                    "summary": "List or search clips (summaries, no bodies)",
                    "parameters": [
                        _query("q", {"type": "string"}, "Full-text search over title, text and highlights (quotes and notes): every word must match (stemmed), "
                               "a word ending in * matches as a prefix; ranked (the 10,000 newest matches), with a "
                               "snippet per hit"),
                        _query("url", {"type": "string"}, "Only the clip of this page (URL normalized)"),
                        _query("tag", {"type": "string"}, "Only clips with this tag (any case)"),
                        _query("site", {"type": "string"}, "Only clips from this site name"),
                        _query("from", {"type": "string", "format": "date"}, "Clipped on or after this day"),
                        _query("to", {"type": "string", "format": "date"}, "Clipped on or before this day"),
                        _query("sort", {"enum": ["relevance", "newest", "oldest", "updated", "title"]},
                               "Default: relevance with q, else newest"),
                        _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}, "Page size"),
                        _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "Items to skip"),
                        _query("versions", {"enum": ["current", "all"], "default": "current"},
                               "all: q also finds words only earlier versions of a clip had (then sorted as newest, not ranked)"),
                        _query("state", {"enum": ["unread", "archived"]}, "Only clips in this reading state (default: any)"),
                        _query("favorite", {"enum": ["true", "false"]}, "Only favourite clips, or only the others (default: any)"),
                    ],
                    "responses": {"200": _json(_ref("ClipList"), "One page of matches and the total"), **_errors("400", *common)},
                },
            },
            "/api/clips/{clip_id}": {
                "parameters": [CLIP_ID],
                "get": {"summary": "One clip, whole", "responses": {"200": _json(_ref("Clip"), "The clip"), **_errors(*common, "404")}},
                "patch": {
                    "summary": "Change title, tags, note, reading state, favourite mark or reading progress",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ClipChange")}}},
                    "responses": {"200": _json(_ref("Clip"), "The changed clip"), **_errors("400", *common, "404", "413", "415", "422")},
                },
                "delete": {
                    "summary": "Delete a clip",
                    "responses": {"200": _json(_ref("DeletedClip"), "The clip as it was (for undo)"), **_errors(*common, "404")},
                },
            },
            "/api/clips/{clip_id}/versions": {
                "parameters": [CLIP_ID],
                "get": {
                    "summary": "The clip's versions, oldest first: a new one each time the page was clipped with a new text",
                    "responses": {"200": _json(_ref("VersionList"), "Every version kept"), **_errors(*common, "404")},
                },
            },
            "/api/clips/{clip_id}/versions/{number}": {
                "parameters": [CLIP_ID, {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
                "get": {
                    "summary": "One version with its text, Markdown and HTML",
                    "responses": {"200": _json(_ref("Version"), "The version"), **_errors(*common, "404")},
                },
            },
            "/api/clips/{clip_id}/highlights": {
                "parameters": [CLIP_ID],
                "post": {
                    "summary": "Highlight a passage of the clip's text (found without regard to whitespace, "
                               "placed by prefix and suffix when it occurs more than once)",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewHighlight")}}},
                    "responses": {"201": _json(_ref("Highlight"), "The highlight, its id, the quote as the text has it"),
                                  **_errors("400", *common, "404", "413", "415", "422")},
                },
            },
            "/api/clips/{clip_id}/highlights/{highlight_id}": {
                "parameters": [CLIP_ID, HIGHLIGHT_ID],
                "patch": {
                    "summary": "Change a highlight's note",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["note"], "additionalProperties": False,
                        "properties": {"note": {"type": "string"}}}}}},
                    "responses": {"200": _json(_ref("Highlight"), "The changed highlight"),
                                  **_errors("400", *common, "404", "413", "415", "422")},
                },
                "delete": {
                    "summary": "Delete a highlight",
                    "responses": {"200": _json(_ref("Highlight"), "The highlight as it was, with status deleted"), **_errors(*common, "404")},
                },
            },
            "/api/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}, **_errors(*common)}}
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}}}},
                },
                "Health": {"type": "object", "properties": {"status": {"const": "ok"}, "version": {"type": "string"},
                                                      "clips": {"type": "integer", "description": "How many clips the store holds"}}},
                "NewClip": {
                    "type": "object", "required": ["url", "html"],
                    "properties": {
                        "url": {"type": "string", "description": "http, https or file address of the page"},
                        "html": {"type": "string", "description": "The page's HTML (document.documentElement.outerHTML)"},
                        "title": {"type": "string"},
                        "selection_html": {"type": "string", "description": "Clip only this part of the page"},
                    },
                },
                "ClipChange": {
                    "type": "object", "additionalProperties": False, "minProperties": 1,
                    "properties": {"title": {"type": "string", "minLength": 1}, "note": {"type": "string"},
                                   "tags": {"type": "array", "items": {"type": "string"}},
                                   "state": {"enum": ["unread", "archived"]}, "favorite": {"type": "boolean"},
                                   "progress": {"type": "number", "minimum": 0, "maximum": 1,
                                                "description": "How far the clip was read (share of its length)"}},
                },
                "NewHighlight": {
                    "type": "object", "required": ["quote"],
                    "properties": {
                        "quote": {"type": "string", "minLength": 1, "description": "The passage, as in the clip's text"},
                        "prefix": {"type": "string", "description": "Text just before it (W3C TextQuoteSelector)"},
                        "suffix": {"type": "string", "description": "Text just after it"},
                        "note": {"type": "string"},
                    },
                },
                "Highlight": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "quote": {"type": "string"}, "prefix": {"type": "string"},
                        "suffix": {"type": "string"}, "note": {"type": "string"}, "created": {"type": "string"},
                        "detached": {"type": "boolean", "description": "Its passage is no longer in the text (kept, shown apart)"},
                        "position": {"type": "object", "description": "Where it was last found in `text` (character offsets)",
                                     "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}},
                    },
                },
                "ClipSummary": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "url": {"type": "string"}, "canonical_url": {"type": ["string", "null"]},
                        "title": {"type": "string"}, "author": {"type": ["string", "null"]}, "site": {"type": ["string", "null"]},
                        "published": {"type": ["string", "null"]}, "lang": {"type": ["string", "null"]},
                        "excerpt": {"type": ["string", "null"]}, "image": {"type": ["string", "null"]},
                        "word_count": {"type": "integer"}, "created": {"type": "string"}, "updated": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"},
                        "version": {"type": "integer", "description": "The number of the version shown"},
                        "versions": {"type": "integer", "description": "How many versions are kept (1: the page never changed)"},
                        "similar": {"type": "array", "items": {"type": "object"}},
                        "images": {"type": "array", "description": "The clip's pictures, downloaded after it was saved", "items": {
                            "type": "object", "required": ["url", "status"], "properties": {
                                "url": {"type": "string", "description": "The original address"},
                                "status": {"enum": ["stored", "pending", "failed", "skipped"]},
                                "reason": {"type": "string", "description": "Why it failed or was skipped (\"http 404\", \"tracking pixel\")"},
                                "local_url": {"type": "string", "description": "Where this server serves the kept copy (/images/<sha256>.<ext>)"},
                                "type": {"type": "string"}, "bytes": {"type": "integer"},
                                "width": {"type": "integer"}, "height": {"type": "integer"}}}},
                        "fetch": {"type": "object", "description": "An imported clip whose page is not fetched yet: "
                                  "{status: waiting | failed, reason, tries}; gone once it has its page"},
                        "snippet": {"type": "string", "description": "With q: HTML-escaped text, matches in <mark>"},
                        "highlight_snippet": {"type": "string", "description": "With q, when a highlight's quote or note matched: "
                                              "HTML-escaped, matches in <mark>"},
                        "state": {"enum": ["unread", "archived"]}, "favorite": {"type": "boolean"},
                        "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                },
                "Clip": {
                    "allOf": [_ref("ClipSummary"), {"type": "object", "properties": {
                        "text": {"type": "string"}, "markdown": {"type": "string"},
                        "html": {"type": "string", "description": "Sanitized"}, "cleaning": {"type": "object"},
                        "highlights": {"type": "array", "items": _ref("Highlight")}}}],
                },
                "SavedClip": {"allOf": [_ref("Clip"), {"type": "object", "properties": {"status": {"enum": ["created", "updated"]}}}]},
                "DeletedClip": {"allOf": [_ref("Clip"), {"type": "object", "properties": {"status": {"const": "deleted"}}}]},
                "VersionSummary": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "integer"}, "clipped": {"type": "string", "description": "When this text was clipped"},
                        "word_count": {"type": "integer"},
                        "summary": {"type": "string", "description": "What changed from the version before, in one line"},
                    },
                },
                "VersionList": {"type": "object", "properties": {"items": {"type": "array", "items": _ref("VersionSummary")}}},
                "Version": {
                    "allOf": [_ref("VersionSummary"), {"type": "object", "properties": {
                        "text": {"type": "string"}, "markdown": {"type": "string"},
                        "html": {"type": "string", "description": "Sanitized"}, "cleaning": {"type": "object"}}}],
                },
                "ClipList": {
                    "type": "object",
                    "properties": {"items": {"type": "array", "items": _ref("ClipSummary")}, "total": {"type": "integer"}},
                },
            },
        },
    }
