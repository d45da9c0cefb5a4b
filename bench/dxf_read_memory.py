"""Peak memory and speed of reading a big generated survey drawing.

Generates an ASCII DXF of a given size (rooms as closed LWPOLYLINEs with a bulged edge, a
label per room, a furniture block INSERT per room), then reads it in a fresh process so the
peak RSS belongs to the read alone:

    python bench/dxf_read_memory.py --size-mb 200                  # streamed read
    python bench/dxf_read_memory.py --size-mb 200 --analyse        # read + build floor plans
    python bench/dxf_read_memory.py --size-mb 20 --whole           # whole-document read

The drawing is written straight to disk (ezdxf is only used for a one-room template), so the
generator itself stays small. Prints one line per run: size, rooms, seconds, rooms/s, peak RSS.
"""

from __future__ import annotations

import argparse
import logging
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOGGER = logging.getLogger("bench.dxf_read_memory")

_ROOM = (
    "  0\nLWPOLYLINE\n  5\n{h1:X}\n330\n{owner}\n100\nAcDbEntity\n  8\nROOMS\n100\nAcDbPolyline\n"
    " 90\n4\n 70\n1\n 10\n{x0}\n 20\n{y0}\n 10\n{x1}\n 20\n{y0}\n 42\n0.15\n 10\n{x1}\n 20\n{y1}\n"
    " 10\n{x0}\n 20\n{y1}\n"
    "  0\nTEXT\n  5\n{h2:X}\n330\n{owner}\n100\nAcDbEntity\n  8\nTEXT\n100\nAcDbText\n"
    " 10\n{tx}\n 20\n{ty}\n 30\n0.0\n 40\n300.0\n  1\n{number} 办公室\n100\nAcDbText\n"
    "  0\nINSERT\n  5\n{h3:X}\n330\n{owner}\n100\nAcDbEntity\n  8\nFURN\n100\nAcDbBlockReference\n"
    "  2\nDESK\n 10\n{dx}\n 20\n{dy}\n 30\n0.0\n 50\n{rot}\n"
)


def generate(path: Path, size_mb: float) -> int:
    """Write a drawing of about ``size_mb`` MB; return the number of rooms."""
    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    desk = doc.blocks.new("DESK")
    desk.add_lwpolyline([(0, 0), (1600, 0), (1600, 800), (0, 800)], close=True)
    desk.add_circle((2000, 400), 250)
    owner = doc.modelspace().block_record.dxf.handle
    doc.header["$HANDSEED"] = "FFFFFFFF"
    template = path.with_suffix(".template.dxf")
    doc.saveas(template)
    text = template.read_text(encoding="utf-8")
    template.unlink()
    match = re.search(r"\n  0\nSECTION\n  2\nENTITIES\n", text)
    assert match is not None
    head = text[: match.end()]
    tail = text[match.end() :]
    target = int(size_mb * 1024 * 1024)
    rooms = 0
    handle = 0x100000
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(head)
        written = len(head)
        while written < target:
            row, col = divmod(rooms, 500)
            x0, y0 = col * 5000, row * 7000
            chunk = _ROOM.format(
                h1=handle,
                h2=handle + 1,
                h3=handle + 2,
                owner=owner,
                x0=x0,
                y0=y0,
                x1=x0 + 4800,
                y1=y0 + 6000,
                tx=x0 + 2400,
                ty=y0 + 3000,
                number=10000 + rooms,
                dx=x0 + 300,
                dy=y0 + 300,
                rot=(rooms * 7) % 360,
            )
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            handle += 3
            rooms += 1
        out.write(tail)
    return rooms


def measure(path: Path, analyse: bool, whole: bool) -> dict[str, float]:
    """Run in this process (called in a child): read (and build), return figures."""
    from gis_app.report import ImportReport
    from survey_import.dxf_read import read_drawing

    threshold = 1 << 62 if whole else 0
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = before.ru_utime + before.ru_stime
    report = ImportReport()
    drawing, info = read_drawing(path, report=report, stream_threshold=threshold)
    rooms = len(drawing.outlines)
    if analyse:
        from floorplans.build import build_floor_plans

        floors = build_floor_plans(drawing, room_layers=["ROOMS"], label_layers=None, report=report)
        rooms = sum(len(f.rooms) for f in floors)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "rooms": rooms,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_start,
        "peak_mb": usage.ru_maxrss / 1024,
        "streamed": float(info.streamed),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200.0)
    parser.add_argument("--analyse", action="store_true", help="also build the floor plans")
    parser.add_argument("--whole", action="store_true", help="load the whole document (no stream)")
    parser.add_argument("--keep", type=Path, help="write the drawing here and keep it")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("ezdxf").setLevel(logging.ERROR)
    if args.child:
        figures = measure(args.child, args.analyse, args.whole)
        sys.stdout.write(" ".join(f"{k}={v}" for k, v in figures.items()) + "\n")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.dxf"
        t0 = time.perf_counter()
        generated = generate(path, args.size_mb)
        size = path.stat().st_size / 1024 / 1024
        LOGGER.info(
            "generated %.1f MB, %d rooms in %.1f s", size, generated, time.perf_counter() - t0
        )
        cmd = [sys.executable, __file__, "--child", str(path)]
        cmd += ["--analyse"] if args.analyse else []
        cmd += ["--whole"] if args.whole else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            LOGGER.error("measurement failed:\n%s", out.stderr[-3000:])
            return 1
        figures = dict(item.split("=") for item in out.stdout.split())
        seconds = float(figures["seconds"])
        cpu = max(float(figures["cpu_seconds"]), 1e-9)
        LOGGER.info(
            "%s%s: %.1f MB, %s %s, %.1f s wall, %.1f s CPU, %.0f per s (CPU), "
            "%.2f MB/s (CPU), peak RSS %.0f MB",
            "whole document" if args.whole else "streamed",
            " + build" if args.analyse else " read",
            size,
            figures["rooms"],
            "rooms" if args.analyse else "closed rings",
            seconds,
            cpu,
            float(figures["rooms"]) / cpu,
            size / cpu,
            float(figures["peak_mb"]),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
