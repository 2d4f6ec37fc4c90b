"""The `tidyclip` command. Each subcommand parses its arguments and hands off to the library.

Errors a user can act on are printed as one line on stderr with a non-zero exit; never a traceback.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from tidyclip import __version__
from tidyclip.config import (
    DATA_DIR_ENV,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DOWNLOAD_IMAGES,
    IMAGES_ENV,
    MAX_PAGE_BYTES,
    resolve_data_dir,
)
from tidyclip.errors import BadInput, TidyclipError

EXIT_ERROR = 1
EXIT_USAGE = 2


def read_input(path: str) -> bytes:
    """The bytes of PATH, or of stdin for '-', refusing what is too large to be a page."""
    stream = sys.stdin.buffer if path == "-" else None
    try:
        if stream is None:
            if Path(path).is_dir():
                raise BadInput(f"{path} is a folder, not an HTML file")
            with open(path, "rb") as handle:
                data = handle.read(MAX_PAGE_BYTES + 1)
        else:
            data = stream.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_PAGE_BYTES:
        raise BadInput(f"{path} is larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB; not a page tidyclip can clip")
    return data


def cmd_extract(args: argparse.Namespace) -> int:
    from tidyclip.engine import make_clip

    clip = make_clip(read_input(args.path), args.url or "")
    if args.format == "json":
        output = json.dumps(clip, ensure_ascii=False, indent=2)
    else:
        output = clip[{"markdown": "markdown", "text": "text", "html": "html"}[args.format]]
    sys.stdout.write(output + "\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from tidyclip.web import serve

    serve(host=args.host, port=args.port, data_dir=resolve_data_dir(args.data_dir), images=images_wanted(args.no_images))
    return 0


def images_wanted(no_images: bool) -> bool:
    """Pictures are downloaded unless --no-images, TIDYCLIP_IMAGES=off or config.DOWNLOAD_IMAGES say no."""
    return DOWNLOAD_IMAGES and not no_images and os.environ.get(IMAGES_ENV, "on").lower() not in ("0", "off", "no", "false")


def cmd_images(args: argparse.Namespace) -> int:
    from tidyclip.library import Library, Progress

    if not args.refetch:
        raise BadInput("say what to do: --refetch downloads the pictures clips are missing")
    with Library.open(resolve_data_dir(args.data_dir)) as library:
        ids = library.ids()
        bar = Progress(len(ids), "pictures", enabled=not args.quiet)
        tried = 0
        for clip_id in ids:
            tried += library.refresh_images(clip_id)
            bar.step()
        removed = library.collect_images()
    print(f"tried {tried} pictures of {len(ids)} clips; removed {removed} unused files", file=sys.stderr)
    return 0


def cmd_service(args: argparse.Namespace) -> int:
    from tidyclip import service
    from tidyclip.service.running import describe_health

    if args.data_dir and args.action != "install":
        raise BadInput(f"--data-dir is for `service install`; `service {args.action}` does not use it")
    init = service.init_system(args.platform or service.this_platform())
    if args.action == "install":
        init.install(service.describe(resolve_data_dir(args.data_dir), args.port), dry_run=args.dry_run)
    elif args.action == "uninstall":
        init.uninstall(dry_run=args.dry_run)
    else:
        running, said = describe_health(DEFAULT_HOST, args.port)
        print(said)
        print(init.describe_installed())  # where there is no init system: one line on stderr, exit 1
        return 0 if running else EXIT_ERROR
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from tidyclip.service.running import open_review_page

    print(f"opened {open_review_page(DEFAULT_HOST, args.port)}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from tidyclip.library import Library

    if args.path == "-" and not args.url:
        raise BadInput("--url is required when the page comes from standard input")
    html = read_input(args.path)  # before opening the store: a bad path leaves nothing behind
    with Library.open(resolve_data_dir(args.data_dir)) as library:
        clip, status = library.clip_page(url=args.url or Path(args.path).resolve().as_uri(), html=html)
    print(f"{status}: {clip['id']} {clip['title']}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from tidyclip.api_token import read_or_create_token

    print(read_or_create_token(resolve_data_dir(args.data_dir)))
    return 0


def cmd_reclean(args: argparse.Namespace) -> int:
    from tidyclip.library import Library

    with Library.open(resolve_data_dir(args.data_dir)) as library:
        changed = library.reclean(progress=not args.quiet)
    print(f"recleaned {changed} clips")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from tidyclip.export import export_to_path
    from tidyclip.library import Library

    with Library.open(resolve_data_dir(args.data_dir)) as library:
        library.follow_stories()  # the story links (similar, --one-per-story) as of every stored text
        count = export_to_path(
            library, args.format, Path(args.out), query=args.query, tag=args.tag,
            one_per_story=args.one_per_story, progress=not args.quiet, with_original=args.with_original,
            with_versions=args.with_versions, self_contained=args.self_contained,
            on_damaged=lambda clip_id, why: print(f"tidyclip: skipped clip {clip_id}: {why}", file=sys.stderr),
        )
        for what, why in library.damaged.items():
            if len(what) != 16:  # a shard or journal record: its clips are not listed at all
                print(f"tidyclip: damaged: {what}: {why}", file=sys.stderr)
    print(f"exported {count} clips to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tidyclip.export import import_from_path
    from tidyclip.importers.moving_in import fetch_waiting_pages
    from tidyclip.library import Library

    if not args.path and not args.retry:
        raise BadInput("give the file to import (or --retry to fetch the pages that failed again)")
    with Library.open(resolve_data_dir(args.data_dir)) as library:
        if args.path:
            created, updated = import_from_path(library, Path(args.path), progress=not args.quiet)
            print(f"imported {created} new clips, updated {updated}", file=sys.stderr)
        if not args.no_fetch:
            fetched = fetch_waiting_pages(library, failed_too=args.retry, progress=not args.quiet)
            if fetched:
                print(f"fetched {fetched['fetched']} pages, {fetched['failed']} failed"
                      + (" (listed as failed with the reason; `tidyclip import --retry` tries them again)" if fetched["failed"] else ""),
                      file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from tidyclip.library import Library

    with Library.open(resolve_data_dir(args.data_dir)) as library:
        problems = library.check(repair=args.repair)
        left = library.check() if args.repair else problems
    for line in problems:
        print(line)
    if args.repair and left:
        print("still damaged after repair:")
        for line in left:
            print(f"  {line}")
    if not left:
        print("all clips whole" + (" now" if problems else ""))
    return EXIT_ERROR if left else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tidyclip", description="Clip web pages into a tidy local archive.")
    parser.add_argument("--version", action="version", version=f"tidyclip {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_data_dir(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--data-dir", help=f"where clips are kept (default: ${DATA_DIR_ENV}, else the platform's user data dir)")
        return sub

    extract = commands.add_parser("extract", help="print the clip made from a saved page")
    extract.add_argument("path", help="an HTML file, or - for standard input")
    extract.add_argument("--url", help="the page's address (resolves relative links and images)")
    extract.add_argument("--format", choices=["json", "markdown", "text", "html"], default="json")
    extract.set_defaults(handler=cmd_extract)

    serve = with_data_dir(commands.add_parser("serve", help="run the local server the extension talks to"))
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on (default %(default)s)")
    serve.add_argument("--no-images", action="store_true", help=f"keep clips' picture addresses only, download none (or {IMAGES_ENV}=off)")
    serve.set_defaults(handler=cmd_serve)

    from tidyclip.service import PLATFORMS

    svc = with_data_dir(commands.add_parser("service", help="start tidyclip whenever you log in (install, uninstall, status)"))
    svc.add_argument("action", choices=["install", "uninstall", "status"])
    svc.add_argument("--port", type=int, default=DEFAULT_PORT, help="the port it listens on, or is asked on (default %(default)s)")
    svc.add_argument("--dry-run", action="store_true", help="only print what would be written, where, and run")
    svc.add_argument("--platform", choices=list(PLATFORMS),
                     help="whose service to write (default: this machine's; another's only with --dry-run)")
    svc.set_defaults(handler=cmd_service)

    opener = commands.add_parser("open", help="open your clips in the default browser")
    opener.add_argument("--port", type=int, default=DEFAULT_PORT, help="the server's port (default %(default)s)")
    opener.set_defaults(handler=cmd_open)

    add = with_data_dir(commands.add_parser("add", help="clip a saved HTML file into the store"))
    add.add_argument("path", help="an HTML file, or - for standard input")
    add.add_argument("--url", help="the page's address (default: the file's file:// URL)")
    add.set_defaults(handler=cmd_add)

    token = with_data_dir(commands.add_parser("token", help="print the token the extension needs"))
    token.set_defaults(handler=cmd_token)

    reclean = with_data_dir(commands.add_parser("reclean", help="run the current cleaner again over every stored page"))
    reclean.add_argument("--quiet", action="store_true", help="no progress bar")
    reclean.set_defaults(handler=cmd_reclean)

    export = with_data_dir(commands.add_parser("export", help="write clips out in a format other tools read"))
    # No argparse `choices`: a wrong format gets the same one-line error as every other mistake.
    export.add_argument("--format", required=True, help="md (zip of Markdown notes), json, jsonl, html, epub, csv or bookmarks")
    export.add_argument("--out", required=True, help="the file to write")
    export.add_argument("--query", help="only clips matching this full-text search")
    export.add_argument("--tag", help="only clips with this tag")
    export.add_argument("--one-per-story", action="store_true", help="leave out other outlets' copies of the same story")
    export.add_argument("--with-original", action="store_true", help="json/jsonl: carry each clip's original page (lets a later import reclean)")
    export.add_argument("--with-versions", action="store_true",
                        help="md: the earlier versions of a changed page as notes of their own, linked from the current one")
    export.add_argument("--self-contained", action="store_true", help="html: the pictures inside the page, so the one file reads offline")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=cmd_export)

    check = with_data_dir(commands.add_parser("check", help="find damaged clips and files (and mend them with --repair)"))
    check.add_argument("--repair", action="store_true",
                       help="rebuild what can be rebuilt; move what cannot into damaged/ (nothing is deleted)")
    check.set_defaults(handler=cmd_check)

    images = with_data_dir(commands.add_parser("images", help="download the pictures clips are missing"))
    images.add_argument("--refetch", action="store_true", help="try again the failed, new and lost pictures of every clip")
    images.add_argument("--quiet", action="store_true", help="no progress bar")
    images.set_defaults(handler=cmd_images)

    imp = with_data_dir(commands.add_parser(
        "import", help="bring clips in: a tidyclip, Wallabag, Pocket, Instapaper, Omnivore or Raindrop.io export, or browser bookmarks"))
    imp.add_argument("path", nargs="?", help="the export file (told apart by its content, whatever its name)")
    imp.add_argument("--retry", action="store_true", help="fetch again the pages of imported clips whose fetch failed")
    imp.add_argument("--no-fetch", action="store_true", help="leave the pages to fetch for the server (or a later --retry)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(handler=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except TidyclipError as exc:
        print(f"tidyclip: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tidyclip: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, never a traceback
        print(f"tidyclip: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
