"""The API token: random, made on first use, kept in the data dir with mode 0600."""

import os
import secrets
from pathlib import Path

from tidyclip.errors import StoreCorrupt

TOKEN_FILE = "token"


def read_or_create_token(data_dir: Path) -> str:
    """The API token, made (random, mode 0600) on first use."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
        raise StoreCorrupt(f"{path} is empty: delete it and run `tidyclip token` to make a new token") from None
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return token
