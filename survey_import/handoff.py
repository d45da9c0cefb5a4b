"""Analyse a drawing in a forked child while the parent process opens the database.

A CLI import that writes to the database spends about a second importing SQLAlchemy,
GeoAlchemy2, the models and pyproj and connecting (longer when it has to start the private
cluster), and a few seconds reading and building the drawing. Neither needs the other until the
rooms are stored, so on a machine with two cores they overlap: :class:`AnalysisChild` forks, the
child runs the pure analysis and sends the :class:`~survey_import.pipeline.SurveyResult` back
through a pipe, and the parent opens the database meanwhile.

The result travels as frames (:func:`pack_frames`): the result without its rooms, then the
rooms a thousand at a time as columns of plain values with their polygons as WKB. Pickling
10,000 rooms object by object took ~0.6 s, value columns and WKB take ~0.04 s; a thread of the
parent takes the frames in as they come, so the child never waits on a full pipe, and the
parent unpacks them once it asks for the result. The child then leaves with
``os._exit``: freeing the millions of objects a big drawing leaves is work nobody waits for.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import operator
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import BinaryIO

import shapely

from floorplans.geometry import geometry_array
from floorplans.model import FloorPlan
from floorplans.model import Room
from floorplans.model import RoomLabel
from survey_import.background import InBackground

if TYPE_CHECKING:
    from survey_import.pipeline import SurveyResult

__all__ = [
    "AnalysisChild",
    "ChildFailed",
    "pack_frames",
    "read_frames",
    "unpack_frames",
]

LOGGER = logging.getLogger(__name__)

_ROOM_FIELDS = tuple(f.name for f in dataclasses.fields(Room))
_POLYGON_AT = _ROOM_FIELDS.index("polygon")
_LABELS_AT = _ROOM_FIELDS.index("labels")
_ROOM_GETTERS = tuple(operator.attrgetter(name) for name in _ROOM_FIELDS)
_label_values = operator.attrgetter(*(f.name for f in dataclasses.fields(RoomLabel)))
_FLOOR_FIELDS = tuple(f.name for f in dataclasses.fields(FloorPlan) if f.name != "rooms")

_HEAD = b"H"
_ROOMS = b"R"
_FAILURE = b"F"
_FRAME_HEADER = 9
"""A frame: its kind (one byte), the payload's length (8 bytes, little-endian), the payload."""
_CHUNK_ROOMS = 1000
"""Rooms per frame: a huge drawing's rooms are never all in one pickle at once."""


class ChildFailed(RuntimeError):
    """The child ended without sending a result (killed, out of memory, crashed)."""

    def __init__(self, message: str, *, killed: bool = False) -> None:
        super().__init__(message)
        self.killed = killed


class _Truncated(Exception):
    """The frames ended before the result did."""


def pack_frames(result: SurveyResult) -> Iterator[bytes]:
    """``result`` as frames for :func:`unpack_frames`: the result without its rooms first, then
    the rooms of every floor in order, a chunk at a time, as value columns with WKB polygons."""
    head = dataclasses.replace(result, floors=[])
    floors = [
        ([getattr(floor, name) for name in _FLOOR_FIELDS], len(floor.rooms))
        for floor in result.floors
    ]
    yield _frame(_HEAD, (head, floors))
    rooms = [room for floor in result.floors for room in floor.rooms]
    for first in range(0, len(rooms), _CHUNK_ROOMS):
        yield _frame(_ROOMS, _pack_rooms(rooms[first : first + _CHUNK_ROOMS]))


def unpack_frames(frames: Iterator[tuple[bytes, bytes]]) -> SurveyResult:
    """The :class:`SurveyResult` :func:`pack_frames` packed, equal to the original. A failure
    frame raises the exception it carries."""
    head, floors = _payload(frames, _HEAD)
    rooms: list[Room] = []
    wanted = sum(count for _, count in floors)
    while len(rooms) < wanted:
        rooms.extend(_unpack_rooms(_payload(frames, _ROOMS)))
    plans, first = [], 0
    for values, count in floors:
        fields = dict(zip(_FLOOR_FIELDS, values, strict=True))
        plans.append(FloorPlan(tuple(rooms[first : first + count]), **fields))
        first += count
    return dataclasses.replace(head, floors=plans)


def read_frames(stream: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """(kind, payload) of each frame in ``stream``; :class:`_Truncated` if one is cut short."""
    while header := stream.read(_FRAME_HEADER):
        size = int.from_bytes(header[1:], "little")
        payload = stream.read(size)
        if len(header) < _FRAME_HEADER or len(payload) < size:
            raise _Truncated
        yield header[:1], payload


def _frame(kind: bytes, value: object) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return kind + len(payload).to_bytes(_FRAME_HEADER - 1, "little") + payload


def _payload(frames: Iterator[tuple[bytes, bytes]], kind: bytes) -> Any:
    found, payload = next(frames, (None, b""))
    if found is None:
        raise _Truncated
    value = pickle.loads(payload)  # noqa: S301 - our own child, our own pipe
    if found == _FAILURE:
        raise value
    if found != kind:
        raise ChildFailed(f"读取图纸的子进程发来的数据有误（{found!r}，应为 {kind!r}）")
    return value


def _pack_rooms(rooms: list[Room]) -> list[list[Any]]:
    """The rooms' values a field at a time (a column per field, polygons as WKB, labels as
    value tuples): ~30 % cheaper to make and to pickle than a row of values per room."""
    columns = [list(map(field, rooms)) for field in _ROOM_GETTERS]
    columns[_POLYGON_AT] = shapely.to_wkb(geometry_array(columns[_POLYGON_AT])).tolist()
    columns[_LABELS_AT] = [
        [_label_values(label) for label in labels] for labels in columns[_LABELS_AT]
    ]
    return columns


def _unpack_rooms(columns: list[list[Any]]) -> list[Room]:
    columns[_POLYGON_AT] = shapely.from_wkb(columns[_POLYGON_AT]).tolist()
    columns[_LABELS_AT] = [
        tuple(RoomLabel(*label) for label in labels) for labels in columns[_LABELS_AT]
    ]
    return [Room(*values) for values in zip(*columns, strict=True)]


class AnalysisChild:
    """A forked child running one analysis; :meth:`result` waits for it.

    Use it as a context manager: leaving the block before the result was collected (an error
    or Ctrl-C in the parent) stops the child. An exception the analysis raises is raised again
    by :meth:`result` in the parent (it must pickle; anything else arrives as its text).

    The result's frames are received in a thread from the start: the parent may still be busy
    (reading the floor's context ahead) when the child is done, and a child left writing into
    a full pipe waited for it (~30-50 ms of a 10,000-room import). The thread waits in ``read``
    with the GIL released; the frames are unpacked by :meth:`result`, where unpacking them in
    the thread would only take turns for the GIL with the caller's work.
    """

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self._done = False
        self._receiving = InBackground(lambda: _receive(pipe), "receive-analysis")

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
        try:
            result = unpack_frames(iter(self._receiving.result()))
        except _Truncated:
            raise _died(self._stop()) from None
        except BaseException:
            self._stop()
            raise
        self._done = True
        _reap_in_background(self.pid)
        return result

    def _stop(self) -> int:
        """Stop the child if it still runs, reap it, and return its wait status; the receiving
        thread ends on the pipe's end."""
        self._done = True
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        return os.waitpid(self.pid, 0)[1]

    def __enter__(self) -> AnalysisChild:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._done:
            self._stop()


def _receive(pipe: int) -> list[tuple[bytes, bytes]]:
    """The frames the child sends, as they come, up to the pipe's end or a frame cut short
    (the child died): :func:`unpack_frames` finds the result incomplete then."""
    frames: list[tuple[bytes, bytes]] = []
    with os.fdopen(pipe, "rb") as stream:
        try:
            frames.extend(read_frames(stream))
        except _Truncated:
            pass
    return frames


def _reap_in_background(pid: int) -> None:
    """Reap the child once it has gone, without waiting for it here: the kernel takes ~10 ms to
    tear down a reader that held a big drawing, and the parent has the result already. The
    thread sleeps in ``waitpid`` without the GIL."""
    threading.Thread(target=os.waitpid, args=(pid, 0), name="reap-analysis", daemon=True).start()


def _died(status: int) -> ChildFailed:
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGTERM:
        number = os.WTERMSIG(status)
        return ChildFailed(
            f"读取图纸的子进程被信号 {signal.Signals(number).name} 终止"
            + ("（多半是内存不足）" if number == signal.SIGKILL else ""),
            killed=number == signal.SIGKILL,
        )
    return ChildFailed(f"读取图纸的子进程意外退出（退出码 {os.waitstatus_to_exitcode(status)}）")


def _run_child(analyse: Callable[[], SurveyResult], pipe: int) -> None:
    """Run ``analyse``, write its result or exception to ``pipe``, and leave the process."""
    gc.disable()  # the child's objects all live until os._exit; collecting would only walk them
    code = 0
    try:
        with os.fdopen(pipe, "wb") as out:
            try:
                for frame in pack_frames(analyse()):
                    out.write(frame)
            except BaseException as exc:  # noqa: BLE001 - everything goes to the parent
                out.write(_failure_frame(exc))
    except BaseException:  # noqa: BLE001 - the parent sees the missing result and says so
        LOGGER.debug("the analysis child could not send its result", exc_info=True)
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def _failure_frame(exc: BaseException) -> bytes:
    try:
        return _frame(_FAILURE, exc)
    except Exception:  # noqa: BLE001 - an exception that does not pickle travels as text
        return _frame(_FAILURE, ChildFailed(f"{type(exc).__name__}: {exc}"))
