"""A file-like object that zipfile writes into and an export drains, chunk by chunk, as it goes.

zipfile writes an entry's local header, then its data, then seeks back to fill in the sizes and CRC.
Everything written since the last drain stays in memory, so that seek back always lands in it; the
export drains after each entry, so memory holds one entry at most and the archive needs no data
descriptors (which some EPUB readers refuse on the `mimetype` entry).
"""

import io


class DrainableBuffer(io.RawIOBase):
    """Write-only, seekable back to the last drain; `drain()` hands over the bytes written since."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = io.BytesIO()
        self._drained = 0  # bytes handed over so far: the absolute offset of _pending's start

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._pending.write(data)

    def tell(self) -> int:
        return self._drained + self._pending.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            self._pending.seek(offset, io.SEEK_END)
        elif whence == io.SEEK_CUR:
            self._pending.seek(offset, io.SEEK_CUR)
        else:
            if offset < self._drained:
                raise io.UnsupportedOperation("cannot seek into bytes already handed over")
            self._pending.seek(offset - self._drained)
        return self.tell()

    def flush(self) -> None:
        """Nothing to do: bytes leave through drain()."""

    def drain(self) -> bytes:
        """The bytes written since the last drain; they can no longer be seeked to."""
        data = self._pending.getvalue()
        self._drained += len(data)
        self._pending = io.BytesIO()
        return data
