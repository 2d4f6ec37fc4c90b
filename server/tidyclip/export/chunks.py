"""Text pieces to byte chunks of a useful size for a file write or an HTTP response body."""

from collections.abc import Iterable, Iterator

#: Pieces are gathered into chunks of about this many bytes: big enough to keep per-write overhead low,
#: small enough that a streamed download starts at once and memory stays flat.
CHUNK_BYTES = 64 * 1024


def encoded_chunks(pieces: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 chunks of about `size` bytes made of whole pieces, in order."""
    batch: list[bytes] = []
    batched = 0
    for piece in pieces:
        data = piece.encode("utf-8")
        batch.append(data)
        batched += len(data)
        if batched >= size:
            yield b"".join(batch)
            batch, batched = [], 0
    if batch:
        yield b"".join(batch)
