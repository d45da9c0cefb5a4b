"""Work done in a thread while the caller goes on, its result or exception collected later.

The survey import runs three such pieces beside CPU-bound Python: hashing the drawing while it
is read (hashlib and file reads release the GIL), taking in the forked reader's result while
the command reads ahead in the database (a pipe read releases it too), and rendering the report
while the database takes the rooms (the COPY waits for the server with the GIL released).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic
from typing import TypeVar

__all__ = ["InBackground"]

T = TypeVar("T")


class InBackground(Generic[T]):
    """``work()`` started in a daemon thread; :meth:`result` waits for it and returns what it
    returned, or raises what it raised."""

    def __init__(self, work: Callable[[], T], name: str) -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by result()
            self._error = exc

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
