"""Work in a thread, collected later: its value, or its exception in the caller's thread."""

from __future__ import annotations

import threading

import pytest

from survey_import.background import InBackground


def test_the_result_is_what_the_work_returned_from_another_thread():
    work = InBackground(lambda: threading.current_thread().name, "bg-test")
    assert work.result() == "bg-test" != threading.current_thread().name


def test_what_the_work_raised_is_raised_by_result():
    def broken() -> None:
        raise OSError("the drawing vanished")

    work = InBackground(broken, "bg-test")
    with pytest.raises(OSError, match="vanished"):
        work.result()
