"""The web app: `create_app(data_dir)` (Flask) and `serve()` (waitress, 127.0.0.1 by default).

The app holds one Library (`app.extensions["tidyclip.library"]`) for all requests; the API blueprint
(web/api.py) and the review pages (web/review.py) both use it.
"""

import logging
import signal
import sys
from pathlib import Path

from flask import Flask

from tidyclip.config import DEFAULT_HOST, DEFAULT_PORT, MAX_BODY_BYTES, SERVER_THREADS
from tidyclip.errors import TidyclipError
from tidyclip.importers.page_fetch import page_fetcher
from tidyclip.importers.page_queue import PageQueue
from tidyclip.importers.uploads import ImportRuns
from tidyclip.library import Library
from tidyclip.web.errors import register_error_handlers
from tidyclip.web.guard import install_host_check, is_loopback_host


def create_app(data_dir: Path, *, exclusive: bool = False, images: bool = False) -> Flask:
    """The Flask app over the store in `data_dir`. `exclusive=True` takes the data dir for this process
    (what `serve` does): a second server on it is refused. `images`: download saved clips' pictures."""
    from tidyclip.web import api, review  # here, so review.py may import from this package
    from tidyclip.web import images as image_routes

    data_dir = Path(data_dir)
    library = Library.open(data_dir, exclusive=exclusive, background=True, images=images)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["TIDYCLIP_TOKEN"] = library.token()
    app.config["TIDYCLIP_DATA_DIR"] = data_dir
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Flask's DefaultJSONProvider has both
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tidyclip.library"] = library
    app.extensions["tidyclip.pages"] = start_page_queue(library)
    app.extensions["tidyclip.imports"] = ImportRuns(library, app.extensions["tidyclip.pages"])
    install_host_check(app)
    register_error_handlers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(image_routes.bp)
    return app


def start_page_queue(library: Library) -> PageQueue:
    """The background fetcher of imported clips' pages, resuming the clips left waiting last time."""
    queue = PageQueue(library, page_fetcher())
    queue.resume()
    return queue


def stop_on_term(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, data_dir: Path | None = None, images: bool = True) -> None:
    """Run the server until interrupted."""
    import waitress

    from tidyclip.config import resolve_data_dir

    data_dir = resolve_data_dir(data_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(data_dir, exclusive=True, images=images)
    library: Library = app.extensions["tidyclip.library"]
    if not is_loopback_host(host):
        print(f"tidyclip: warning: listening on {host}, reachable from other machines", file=sys.stderr)
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=SERVER_THREADS, max_request_body_size=2 * MAX_BODY_BYTES,
            ident="tidyclip",
        )
    except OSError as exc:
        library.close()
        raise TidyclipError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    for what, why in library.damaged.items():
        print(f"tidyclip: damaged: {what}: {why}", file=sys.stderr)
    print(
        f"tidyclip {library.count()} clips in {data_dir}; serving http://{host}:{port}"
        " (`tidyclip token` prints the extension's token)", file=sys.stderr, flush=True,
    )
    # The pages answer only under a loopback name (guard.py), whatever address the server listens on.
    pair_host = host if is_loopback_host(host) and ":" not in host else DEFAULT_HOST
    print(f"tidyclip: pair the browser extension at http://{pair_host}:{port}/connect", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, stop_on_term)  # a plain `kill` closes the store cleanly too
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["tidyclip.pages"].close()  # fetches under way end; the rest waits in the store
        library.close()
