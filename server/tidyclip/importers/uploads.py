"""An import started from the review page: the uploaded file kept in the data dir while it is read,
told apart by its content like `tidyclip import FILE`, imported on a thread of its own (the server
goes on answering), then its waiting clips handed to the server's page queue. One at a time; its
progress (`status`) is what the import page shows."""

import tempfile
import threading
from pathlib import Path
from typing import Any

from tidyclip.clip import FETCH_FAILED, FETCH_WAITING
from tidyclip.errors import Conflict, TidyclipError
from tidyclip.export import import_from_path
from tidyclip.importers.moving_in import import_export
from tidyclip.importers.page_queue import PageQueue
from tidyclip.importers.sniff import sniff

UPLOAD_DIR = "uploads"
#: Skipped items a run remembers to show (the rest are counted).
TOLD_KEPT = 20


class ImportRuns:
    def __init__(self, library: Any, pages: PageQueue):
        self.library, self.pages = library, pages
        self._lock = threading.Lock()
        self._run: dict[str, Any] | None = None

    def start(self, name: str, data: bytes) -> dict[str, Any]:
        """Start importing the file; refused at once when it is no export tidyclip reads."""
        with self._lock:
            if self._run and self._run["state"] == "importing":
                raise Conflict(f"{self._run['file']} is still being imported: wait for it to finish")
            folder = self.library.data_dir / UPLOAD_DIR
            folder.mkdir(exist_ok=True)
            handle = tempfile.NamedTemporaryFile(dir=folder, prefix="import-", suffix=".upload", delete=False)
            with handle:
                handle.write(data)
            path = Path(handle.name)
            try:
                export = sniff(path)
            except TidyclipError:
                path.unlink(missing_ok=True)
                raise
            self._run = {"file": name, "kind": export.kind if export else "tidyclip or Wallabag", "state": "importing",
                         "done": 0, "total": None, "counts": {}, "told": [], "error": None}
            threading.Thread(target=self._import, args=(path, export is not None), name="tidyclip-import", daemon=True).start()
            return dict(self._run)

    def status(self) -> dict[str, Any]:
        with self._lock:
            run = dict(self._run) if self._run else None
        pages = {status: len(self.library.fetching((status,))) for status in (FETCH_WAITING, FETCH_FAILED)}
        return {"run": run, "pages": {**pages, "fetching": self.pages.pending()}}

    def _import(self, path: Path, other_service: bool) -> None:
        run = self._run
        assert run is not None
        try:
            if other_service:
                export = sniff(path)
                assert export is not None
                counts = import_export(self.library, export, progress=False, tell=self._tell,
                                       watch=lambda done, total: run.update(done=done, total=total))
                run["counts"] = dict(counts)
            else:
                created, updated = import_from_path(self.library, path, progress=False)
                run["counts"] = {"created": created, "updated": updated}
            self.pages.resume()
            run["state"] = "done"
        except TidyclipError as exc:
            run.update(state="failed", error=exc.message)
        except Exception as exc:  # no caller to tell: the page shows it
            run.update(state="failed", error=f"internal error: {type(exc).__name__}")
        finally:
            path.unlink(missing_ok=True)

    def _tell(self, message: str) -> None:
        assert self._run is not None
        if len(self._run["told"]) < TOLD_KEPT:
            self._run["told"].append(message)
