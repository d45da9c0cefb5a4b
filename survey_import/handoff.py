"""Analyse a drawing in a forked child while the parent process opens the database.

A CLI import that writes to the database spends about a second importing SQLAlchemy,
GeoAlchemy2, the models and pyproj and connecting (longer when it has to start the private
cluster), and a few seconds reading and building the drawing. Neither needs the other until the
rooms are stored, so on a machine with two cores they overlap: :class:`AnalysisChild` forks, the
child runs the pure analysis and sends the :class:`~survey_import.pipeline.SurveyResult` back
through a pipe, and the parent opens the database meanwhile.

The result travels as rows of plain values with every room polygon in one WKB array
(:func:`pack_result`): pickling 10,000 rooms object by object took ~0.6 s, this takes ~0.2 s.
The child then leaves with ``os._exit``: freeing the millions of objects a big drawing leaves
is work nobody waits for, and its memory goes back to the system at once.
"""

from __future__ import annotations

import dataclasses
import logging
import operator
import os
import pickle
import signal
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import shapely

from floorplans.model import FloorPlan
from floorplans.model import Room
from floorplans.model import RoomLabel

if TYPE_CHECKING:
    from survey_import.pipeline import SurveyResult

__all__ = ["AnalysisChild", "ChildFailed", "pack_result", "unpack_result"]

LOGGER = logging.getLogger(__name__)

_ROOM_FIELDS = tuple(f.name for f in dataclasses.fields(Room))
_POLYGON_AT = _ROOM_FIELDS.index("polygon")
_LABELS_AT = _ROOM_FIELDS.index("labels")
_room_values = operator.attrgetter(*_ROOM_FIELDS)
_label_values = operator.attrgetter(*(f.name for f in dataclasses.fields(RoomLabel)))
_FLOOR_FIELDS = tuple(f.name for f in dataclasses.fields(FloorPlan) if f.name != "rooms")

_RESULT = b"R"
_FAILURE = b"F"


class ChildFailed(RuntimeError):
    """The child ended without sending a result (killed, out of memory, crashed)."""

    def __init__(self, message: str, *, killed: bool = False) -> None:
        super().__init__(message)
        self.killed = killed


def pack_result(result: SurveyResult) -> bytes:
    """``result`` as bytes for :func:`unpack_result`: rooms as value rows, polygons as WKB."""
    polygons: list[object] = []
    floors = []
    for floor in result.floors:
        rows = []
        for room in floor.rooms:
            row = list(_room_values(room))
            polygons.append(row[_POLYGON_AT])
            row[_POLYGON_AT] = None
            row[_LABELS_AT] = [_label_values(label) for label in row[_LABELS_AT]]
            rows.append(row)
        floors.append((rows, [getattr(floor, name) for name in _FLOOR_FIELDS]))
    array = np.empty(len(polygons), dtype=object)
    array[:] = polygons
    wkb = shapely.to_wkb(array).tolist()
    head = dataclasses.replace(result, floors=[])
    return pickle.dumps((head, floors, wkb), protocol=pickle.HIGHEST_PROTOCOL)


def unpack_result(data: bytes) -> SurveyResult:
    """The :class:`SurveyResult` :func:`pack_result` packed, equal to the original."""
    head, packed_floors, wkb = pickle.loads(data)  # noqa: S301 - our own child, our own pipe
    polygons = iter(shapely.from_wkb(wkb).tolist())
    floors = []
    for rows, values in packed_floors:
        rooms = []
        for row in rows:
            row[_POLYGON_AT] = next(polygons)
            row[_LABELS_AT] = tuple(RoomLabel(*label) for label in row[_LABELS_AT])
            rooms.append(Room(*row))
        floors.append(FloorPlan(tuple(rooms), **dict(zip(_FLOOR_FIELDS, values, strict=True))))
    return dataclasses.replace(head, floors=floors)


class AnalysisChild:
    """A forked child running one analysis; :meth:`result` waits for it.

    Use it as a context manager: leaving the block before the result was collected (an error
    or Ctrl-C in the parent) stops the child. An exception the analysis raises is raised again
    by :meth:`result` in the parent (it must pickle; anything else arrives as its text).
    """

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self._pipe = pipe
        self._done = False

    @classmethod
    def start(cls, analyse: Callable[[], SurveyResult]) -> AnalysisChild:
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _run_child(analyse, write_end)
        os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> SurveyResult:
        """The child's result, or the exception it raised (:class:`ChildFailed` if it died)."""
        with os.fdopen(self._pipe, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self._done = True
        if data[:1] == _RESULT:
            return unpack_result(data[1:])
        if data[:1] == _FAILURE:
            raise pickle.loads(data[1:])  # noqa: S301 - our own child, our own pipe
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            raise ChildFailed(
                f"读取图纸的子进程被信号 {signal.Signals(number).name} 终止"
                + ("（多半是内存不足）" if number == signal.SIGKILL else ""),
                killed=number == signal.SIGKILL,
            )
        raise ChildFailed(f"读取图纸的子进程意外退出（退出码 {os.waitstatus_to_exitcode(status)}）")

    def __enter__(self) -> AnalysisChild:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._done:
            return
        os.close(self._pipe)
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self._done = True


def _run_child(analyse: Callable[[], SurveyResult], pipe: int) -> None:
    """Run ``analyse``, write its result or exception to ``pipe``, and leave the process."""
    code = 0
    try:
        try:
            message = _RESULT + pack_result(analyse())
        except BaseException as exc:  # noqa: BLE001 - everything goes to the parent
            message = _FAILURE + _pickled_failure(exc)
        with os.fdopen(pipe, "wb") as out:
            out.write(message)
    except BaseException:  # noqa: BLE001 - the parent sees the missing result and says so
        LOGGER.debug("the analysis child could not send its result", exc_info=True)
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def _pickled_failure(exc: BaseException) -> bytes:
    try:
        return pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that does not pickle travels as text
        return pickle.dumps(ChildFailed(f"{type(exc).__name__}: {exc}"))
