"""The bulk path: many new clips stored at once (a new store, benchmarks' collections), for the
store's own use through `Library.bulk_save`. Body files without a sync each, one sync for all of
them, then each touched shard written once (atomically) and one index transaction; no journal (a
crash part way leaves clips or nothing, never a shard pointing at a missing body)."""

import json
import os
import secrets
from collections.abc import Iterable

from tinydb.table import Document

from tidyclip.clip import BODY_FIELDS, Clip, check_clip
from tidyclip.fields import sanitize
from tidyclip.files import gzipped, stamp_of
from tidyclip.store import INTERNAL, Store, now_iso, public, shard_of
from tidyclip.urls import normalize_url, url_id


def bulk_save_records(store: Store, records: Iterable[tuple[Clip, str | bytes | None]]) -> int:
    """Store these (clip, original page) fast. Clips whose URL is already stored are skipped; a
    record that fails the clip check stops the batch before any shard is written. The number saved."""
    by_shard: dict[str, list[dict]] = {}
    indexed: list[tuple[Clip, str, str]] = []
    with store._writing():
        for clip, original in records:
            url_key = normalize_url(clip.get("url") or "")
            clip_id = url_id(url_key) if url_key else secrets.token_hex(8)
            if clip_id in (meta["id"] for meta in by_shard.get(shard_of(clip_id), [])) or (url_key and store._id_for_url(url_key)):
                continue
            record = {key: value for key, value in clip.items() if key not in INTERNAL}
            record["id"] = clip_id = store._free_id(url_key) if store._read_meta(clip_id) else clip_id
            record["created"] = record.get("created") or now_iso()
            record["updated"] = record.get("updated") or record["created"]
            record = sanitize(check_clip(record))
            folder = store.body_folder(clip_id)
            folder.mkdir(exist_ok=True)
            meta = {key: value for key, value in record.items() if key not in BODY_FIELDS}
            meta.update(_url_key=url_key, _body=f"{clip_id}.0.json")
            body = {key: record.get(key) for key in BODY_FIELDS}
            (folder / meta["_body"]).write_bytes(json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8"))
            if original is not None:
                meta["_original"] = f"{clip_id}.0.html.gz"
                (folder / meta["_original"]).write_bytes(gzipped(original))
            by_shard.setdefault(shard_of(clip_id), []).append(meta)
            indexed.append((public({**meta, **body}), shard_of(clip_id), url_key))
        os.sync()  # every body on disk before any shard points at it
        for shard, metas in by_shard.items():
            store._db(shard).table("clips").insert_multiple(Document(meta, doc_id=int(meta["id"], 16)) for meta in metas)
        os.sync()
        store.index.put_many(indexed, {shard: stamp_of(store.shard_path(shard)) or "" for shard in by_shard})
    return len(indexed)
