"""Background picture work runs at a lower CPU priority than the server's request threads."""

import contextlib
import os
import threading


def lower_priority() -> None:
    """The calling thread yields the CPU to the request threads (Linux schedules threads one by one): a
    picture decoded in the background must not slow the answer to the next clip."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
