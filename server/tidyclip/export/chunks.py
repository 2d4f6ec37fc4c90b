"""Pieces of output gathered into chunks of a useful size for a file write or an HTTP response body."""

from collections.abc import Iterable, Iterator

#: Pieces are gathered into chunks of about this many bytes: big enough to keep per-write overhead low,
#: small enough that a streamed download starts at once and memory stays flat.
CHUNK_BYTES = 64 * 1024


def batched(pieces: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Chunks of about `size` bytes made of whole pieces, in order; never an empty chunk."""
    batch: list[bytes] = []
    batched_bytes = 0
    for piece in pieces:
        batch.append(piece)
        batched_bytes += len(piece)
        if batched_bytes >= size:
            yield b"".join(batch)
            batch, batched_bytes = [], 0
    if batched_bytes:
        yield b"".join(batch)


def encoded_chunks(pieces: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 chunks of about `size` bytes made of whole text pieces, in order."""
    return batched((piece.encode("utf-8") for piece in pieces), size)
