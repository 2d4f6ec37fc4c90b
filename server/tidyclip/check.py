"""`tidyclip check [--repair]`: find what is damaged in a data dir and, with repair, mend it.

What can be rebuilt is rebuilt: a cut shard from the search index (which holds every field but the
bodies) and the body files beside it; a cut body from the stored page, through the engine; the
indexes from the store. What cannot is moved into `damaged/` (never deleted) and its clip taken out,
so the rest reads whole. Called through `Library.check`; the store's write lock is held throughout.
"""

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from tinydb.table import Document

from tidyclip import versions
from tidyclip.clip import ENGINE_FIELDS, USER_FIELDS, check_clip
from tidyclip.engine import make_clip
from tidyclip.errors import BadInput, StoreCorrupt, TidyclipError
from tidyclip.files import AtomicJSONStorage
from tidyclip.store import DAMAGED_DIR, META_DIR, Store, public, shard_of


def check_store(store: Store, *, repair: bool) -> list[str]:
    """One line per problem found (and, with repair, what was done about it)."""
    lines = [f"{what}: {why}" for what, why in store.damaged.items() if what.startswith("journal")]
    with store._writing():
        for path in sorted(store.meta_dir.glob("*.json")):
            lines += _check_shard(store, path, repair)
        if repair:
            store._refresh_index()
        lines += _check_index(store, repair)
    return lines


def _check_index(store: Store, repair: bool) -> list[str]:
    """The search index lists exactly the clips the shards hold (the story index follows it)."""
    stored = {doc_id for path in store.meta_dir.glob("*.json") for doc_id in _ids_in(path)}
    listed = set(store.index.text_seqs())
    lines = [f"search index: lists clip {clip_id}, which is not stored" for clip_id in sorted(listed - stored)]
    lines += [f"search index: misses stored clip {clip_id}" for clip_id in sorted(stored - listed)]
    if lines and repair:
        for shard in sorted({shard_of(clip_id) for clip_id in listed ^ stored}):
            store.reindex_shard(shard)
        lines.append("search index: the shards involved were indexed again")
    return lines


def _ids_in(path: Path) -> list[str]:
    """The ids of the whole records of a shard (a damaged shard or record is reported on its own)."""
    try:
        docs = (AtomicJSONStorage(path).read() or {}).get("clips") or {}
    except StoreCorrupt:
        return []
    return [doc["id"] for doc in docs.values() if isinstance(doc, dict) and isinstance(doc.get("id"), str)]


def _move_aside(store: Store, path: Path) -> Path:
    """Into damaged/ (kept, never deleted), under a name that says what it was and when."""
    target = store.data_dir / DAMAGED_DIR / f"{path.parent.name}-{path.name}.{int(time.time())}"
    target.parent.mkdir(exist_ok=True)
    shutil.move(str(path), target)
    return target


def _check_shard(store: Store, path: Path, repair: bool) -> list[str]:
    try:
        docs = AtomicJSONStorage(path).read() or {}
    except StoreCorrupt:
        if not repair:
            return [f"{META_DIR}/{path.name}: damaged (not a whole shard); `tidyclip check --repair` rebuilds it"]
        return _rebuild_shard(store, path)
    lines = []
    for doc in (docs.get("clips") or {}).values():
        meta = dict(doc)
        try:
            check_clip(public({**meta, **store._read_body(meta["id"], meta["_body"])}))
        except (StoreCorrupt, BadInput, KeyError, TypeError) as exc:
            why = getattr(exc, "message", None) or f"missing {exc}"
            lines.append(f"clip {meta.get('id')}: {why}")
            if repair:
                lines.append(f"clip {meta.get('id')}: {_mend_clip(store, meta)}")
    return lines


def _rebuild_shard(store: Store, path: Path) -> list[str]:
    """A cut shard made again from what the search index knows of its clips and their body files."""
    shard = path.stem
    kept = _move_aside(store, path)
    lines = [f"{META_DIR}/{path.name}: damaged; moved to {DAMAGED_DIR}/{kept.name}"]
    rows = store.index.conn.execute("SELECT id, url_key, summary FROM clips WHERE shard = ?", (shard,)).fetchall()
    table = store._db(shard).table("clips")
    for clip_id, url_key, summary in rows:
        folder = store.body_folder(clip_id)
        meta = {**json.loads(summary), "_url_key": url_key}
        earlier = _latest_history(meta, folder, clip_id)
        newest_first = _newest_first(earlier)
        bodies = sorted((file for file in folder.glob(f"{clip_id}.*.json") if file.name not in earlier), key=newest_first, reverse=True)
        pages = sorted((file for file in folder.glob(f"{clip_id}.*.html.gz") if ".sel." not in file.name),
                       key=newest_first, reverse=True)
        selections = sorted(folder.glob(f"{clip_id}.*.sel.html.gz"), key=newest_first, reverse=True)
        for body in bodies:
            try:
                check_clip(public({**meta, **store._read_body(clip_id, body.name)}))
            except (StoreCorrupt, BadInput):
                continue
            meta["_body"] = body.name
            if pages:
                meta["_original"] = pages[0].name
            if selections:
                meta["_selection"] = selections[0].name
            table.insert(Document(meta, doc_id=int(clip_id, 16)))
            lines.append(f"clip {clip_id}: rebuilt from the search index and {body.name}")
            break
        else:
            lines.append(f"clip {clip_id}: no whole body file is left; its files stay in {folder}")
    store._unsynced |= {store.shard_path(shard), store.meta_dir}
    store._checkpoint(replayed=True)
    return lines


def _newest_first(earlier: set[str]) -> Callable[[Path], tuple[bool, float]]:
    """A sort key (reversed) for a clip's files: newest first, the files of earlier versions after
    the others (a page can be both the current one and an earlier one's)."""
    return lambda file: (file.name not in earlier, file.stat().st_mtime)


def _latest_history(meta: dict, folder: Path, clip_id: str) -> set[str]:
    """The newest whole history file of the clip, named in `meta`; the files its earlier versions keep
    (none of them is the current body)."""
    for path in sorted(folder.glob(f"{clip_id}.*{versions.HISTORY_SUFFIX}"), key=lambda file: file.stat().st_mtime, reverse=True):
        try:
            history = versions.History.decode(path.read_bytes(), path.name)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        meta["_versions"] = path.name
        return history.files()
    return set()


def _mend_clip(store: Store, meta: dict) -> str:
    """A clip whose body or record is damaged: made again from its stored page when there is one,
    else moved into damaged/ and taken out of the store."""
    clip_id = str(meta.get("id"))
    folder = store.body_folder(clip_id)
    try:
        original = store.original_bytes(clip_id)
        selection = store.selection_html(clip_id)
        fresh = make_clip(original, meta["url"], title=meta.get("title"), selection_html=selection) if original else None
    except (TidyclipError, KeyError, TypeError):
        fresh = None
    if fresh is not None:
        user = {key: meta.get(key) for key in (*USER_FIELDS, "id", "created") if meta.get(key) is not None}
        record = {**{key: fresh[key] for key in ENGINE_FIELDS if key in fresh}, **user}
        try:
            for name in (meta.get("_body"),):
                if name and (folder / name).exists():
                    _move_aside(store, folder / name)
            store.save_record(check_clip({**record, "updated": meta.get("updated") or record.get("created")}))
            return "made again from its stored page"
        except (TidyclipError, KeyError, TypeError):
            pass
    aside = store.data_dir / DAMAGED_DIR / f"{clip_id}.record.json.{int(time.time())}"
    aside.parent.mkdir(exist_ok=True)
    aside.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
    for name in (meta.get(key) for key in ("_body", "_original", "_selection")):
        if isinstance(name, str) and (folder / name).exists():
            _move_aside(store, folder / name)
    store._commit({"op": "delete", "id": clip_id, "drop": []}, {})
    store.reindex_shard(shard_of(clip_id))
    return f"cannot be made again; its record and files are in {DAMAGED_DIR}/"

