"""A write-ahead journal: one append and one fdatasync make a store write durable.

Writing a clip straight into its files costs three fsyncs one after the other (the files, their
folder, the shard's rename). The journal costs one: the whole write (a JSON header and the files'
bytes) is appended to one existing file and synced; the store then puts the files in place without
syncing them, and a later checkpoint, once writes pause, syncs those and empties the journal.
After a crash the store replays the journal: every write it acknowledged is in there.

The journal records outcomes: a write that fails to apply (a disk that refuses it) is cut off the
journal again before the caller hears of the failure, so a refused write is never replayed. Only
writes that were applied, or were under way when the process died (never acknowledged), remain.

Record: MAGIC, header length, blobs length, CRC32 of both parts, header JSON, blobs. A record cut
short by a crash fails its CRC and is skipped; the reader looks for the next MAGIC after it, so a
record another process appended behind a torn one is still found.
"""

import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

MAGIC = b"TCJ1"
FRAME = struct.Struct(">4sIQI")  # magic, header length, blobs length, crc32


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def append(self, header: dict, blobs: dict[str, bytes]) -> int:
        """Write one record and sync it; where it starts (for `cancel`). The caller holds the store's
        write lock, so no other record can follow it before the write is applied or cancelled."""
        names = list(blobs)
        head = json.dumps({**header, "blobs": [[name, len(blobs[name])] for name in names]}, ensure_ascii=False).encode("utf-8")
        body = b"".join(blobs[name] for name in names)
        crc = zlib.crc32(body, zlib.crc32(head))
        record = FRAME.pack(MAGIC, len(head), len(body), crc) + head + body
        start = self.size()
        try:
            written = os.write(self.fd, record)
            if written != len(record):
                raise OSError(f"the journal took {written} of {len(record)} bytes")
            os.fdatasync(self.fd)
        except OSError:
            self.cancel(start)
            raise
        return start

    def cancel(self, start: int) -> None:
        """Cut off the record that starts at `start`: its write failed and must not be replayed."""
        os.ftruncate(self.fd, start)
        os.fdatasync(self.fd)

    def records(self) -> Iterator[tuple[dict, dict[str, bytes]]]:
        """Every whole record, oldest first."""
        data = Path(self.path).read_bytes()
        at = 0
        while at + FRAME.size <= len(data):
            magic, head_len, body_len, crc = FRAME.unpack_from(data, at)
            start = at + FRAME.size
            end = start + head_len + body_len
            if magic != MAGIC or end > len(data) or zlib.crc32(data[start + head_len:end], zlib.crc32(data[start:start + head_len])) != crc:
                found = data.find(MAGIC, at + 1)
                if found < 0:
                    return
                at = found
                continue
            header = json.loads(data[start:start + head_len])
            blobs, offset = {}, start + head_len
            for name, length in header.pop("blobs"):
                blobs[name] = data[offset:offset + length]
                offset += length
            yield header, blobs
            at = end

    def truncate(self) -> None:
        """Empty the journal. Only once everything it holds is durable elsewhere."""
        os.ftruncate(self.fd, 0)
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)
