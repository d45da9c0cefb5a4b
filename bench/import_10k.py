"""Import a generated 10,000-room survey into PostGIS: our pipeline next to ogr2ogr, same run.

Issue 3 asks for "at least as fast as ogr2ogr, with exact arcs where it has 0.4 % error". This
bench generates a deterministic survey drawing (mm, R2010, UTF-8: rooms as closed LWPOLYLINEs
on 房间 with some bulged bays and L-shaped rooms, one outer wall ring, labels as centred TEXT or
formatted MTEXT on 房间名称, walls as LINEs, a door block per room, a floor title), starts a
throwaway PostGIS cluster and then, in each of ``--rounds`` rounds, one after the other in child
processes:

* ours: ``gis-app survey import FILE --building ID --floor 3F`` (read, detect layers, build,
  validate, georeference to the building footprint, write a draft batch);
* GDAL: ``ogr2ogr`` with ``DXF_ENCODING=UTF-8`` into the same database, then ``psql`` building
  the rooms in SQL (``ST_MakePolygon`` of the closed lines on the room layer, area, labels by
  ``ST_Contains``), which is what a user of GDAL 3.6 has to do.

For each step it reports the median round's wall time, CPU time and peak memory of the child with
its own children (``os.wait4`` and /proc sampling: ``survey import`` reads the drawing in a forked
child, and both processes count; the database server's own memory is not counted for either),
then compares room areas on the bulged rooms with the exact areas the generator knows. Run from
the checkout:

    PYTHONPATH=. .venv/bin/python bench/import_10k.py [--rooms 10000] [--rounds 3] [--write]

``--write`` puts the figures into BENCHMARKS.md (its "import_10k" section). ``gdal-bin`` is
installed with apt-get when ``ogr2ogr`` is missing (Debian; needs root).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import logging
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

LOGGER = logging.getLogger("bench.import_10k")

ROOT = Path(__file__).resolve().parent.parent
ROOM_LAYER = "房间"
LABEL_LAYER = "房间名称"
FLOOR = "3F"
GK_EPSG = 4548
GK_ORIGIN = (500_200.0, 4_060_300.0)
"""Where the plan origin stands in CGCS2000 / 3-degree Gauss-Kruger CM 117E (near Jinan)."""
ROOMS_PER_SIDE = 50
DEPTH = 6000.0
CORRIDOR = 2400.0
WALL = 200.0
WING_GAP = 3000.0
KB_PER_ROOM = 0.925
"""DXF kilobytes one generated room takes (outline, label, three walls, a door)."""
NAMES = (
    "办公室",
    "办公室",
    "办公室",
    "局长办公室",
    "会议室",
    "档案室",
    "接待室",
    "文印室",
    "茶水间",
    "库房",
    "男卫",
    "女卫",
    "弱电间",
)

# --------------------------------------------------------------------------------- the drawing


@dataclass
class Survey:
    """What the generator knows: exact areas by handle, which rooms have arcs."""

    rooms: int = 0
    exact_m2: dict[str, float] = field(default_factory=dict)
    bulged: set[str] = field(default_factory=set)
    extent_m: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


class _Writer:
    """DXF group codes straight to a file, handles counted from a high seed."""

    def __init__(self, out, owner: str) -> None:  # noqa: ANN001
        self.out = out
        self.owner = owner
        self.next_handle = 0x100000

    def handle(self) -> str:
        self.next_handle += 1
        return f"{self.next_handle:X}"

    def entity(self, kind: str, layer: str, subclass: str) -> str:
        h = self.handle()
        self.out.write(
            f"  0\n{kind}\n  5\n{h}\n330\n{self.owner}\n100\nAcDbEntity\n  8\n{layer}\n"
            f"100\n{subclass}\n"
        )
        return h

    def polyline(self, points: list[tuple[float, float, float]], layer: str) -> str:
        h = self.entity("LWPOLYLINE", layer, "AcDbPolyline")
        parts = [f" 90\n{len(points)}\n 70\n1\n 43\n0.0\n"]
        for x, y, b in points:
            parts.append(f" 10\n{x:.1f}\n 20\n{y:.1f}\n")
            if b:
                parts.append(f" 42\n{b:.6f}\n")
        self.out.write("".join(parts))
        return h

    def line(self, x0: float, y0: float, x1: float, y1: float, layer: str) -> None:
        self.entity("LINE", layer, "AcDbLine")
        self.out.write(
            f" 10\n{x0:.1f}\n 20\n{y0:.1f}\n 30\n0.0\n 11\n{x1:.1f}\n 21\n{y1:.1f}\n 31\n0.0\n"
        )

    def text(self, text: str, x: float, y: float, height: float, layer: str) -> None:
        """Centred TEXT: the alignment point is where CAD shows it."""
        self.entity("TEXT", layer, "AcDbText")
        self.out.write(
            f" 10\n{x - height * len(text) / 2:.1f}\n 20\n{y - height / 2:.1f}\n 30\n0.0\n"
            f" 40\n{height:.1f}\n  1\n{text}\n 72\n1\n 11\n{x:.1f}\n 21\n{y:.1f}\n 31\n0.0\n"
            "100\nAcDbText\n 73\n2\n"
        )

    def mtext(self, text: str, x: float, y: float, height: float, layer: str) -> None:
        self.entity("MTEXT", layer, "AcDbMText")
        self.out.write(
            f" 10\n{x:.1f}\n 20\n{y:.1f}\n 30\n0.0\n 40\n{height:.1f}\n 41\n3000.0\n 71\n5\n"
            f" 72\n5\n  1\n{text}\n"
        )

    def insert(self, block: str, x: float, y: float, rotation: float, layer: str) -> None:
        self.entity("INSERT", layer, "AcDbBlockReference")
        self.out.write(f"  2\n{block}\n 10\n{x:.1f}\n 20\n{y:.1f}\n 30\n0.0\n 50\n{rotation:.1f}\n")


def _segment_m2(chord_mm: float, bulge: float) -> float:
    theta = 4.0 * math.atan(abs(bulge))
    radius = chord_mm / (2.0 * math.sin(theta / 2.0))
    return radius * radius / 2.0 * (theta - math.sin(theta)) / 1e6


def generate(path: Path, rooms: int, seed: int = 3) -> Survey:
    """Write the survey drawing: wings of two rows of rooms along a corridor (the corridor is a
    room too), about 0.9 KB of DXF per room."""
    import ezdxf

    rng = random.Random(seed)
    doc = ezdxf.new("R2010", units=ezdxf.units.MM)
    for name, color in ((ROOM_LAYER, 3), (LABEL_LAYER, 2), ("墙体", 7), ("门", 4), ("图名", 1)):
        doc.layers.add(name, color=color)
    door = doc.blocks.new("DOOR900")
    door.add_line((0, 0), (900, 0))
    door.add_arc((0, 0), 900, 0, 90)
    owner = doc.modelspace().block_record.dxf.handle
    doc.header["$HANDSEED"] = "FFFFFFFF"
    template = path.with_suffix(".template.dxf")
    doc.saveas(template, encoding="utf-8")
    text = template.read_text(encoding="utf-8")
    template.unlink()
    match = re.search(r"\n  0\nSECTION\n  2\nENTITIES\n", text)
    if match is None:
        raise RuntimeError("ezdxf template without an ENTITIES section")
    survey = Survey()
    wing_pitch = 2 * DEPTH + CORRIDOR + 3 * WALL + WING_GAP
    xmax = 0.0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(text[: match.end()])
        w = _Writer(out, owner)
        wing = 0
        while survey.rooms < rooms:
            wing += 1
            y_south = (wing - 1) * wing_pitch
            y_corr = y_south + DEPTH + WALL
            y_north = y_corr + CORRIDOR + WALL
            for side, y0 in (("S", y_south), ("N", y_north)):
                x = 0.0
                for k in range(ROOMS_PER_SIDE):
                    if survey.rooms >= rooms - 1:  # keep one for the corridor
                        break
                    width = rng.choice((3300.0, 3600.0, 4200.0, 4800.0, 6000.0, 7200.0))
                    x0, x1, y1 = x, x + width, y0 + DEPTH
                    kind = rng.random()
                    bulge = 0.0
                    if kind < 0.12:  # a bay window: an arc bulging out of the outer wall
                        bulge = rng.choice((0.1, 0.15, 0.2, 0.25, 0.3))
                        if side == "S":
                            pts = [(x0, y0, bulge), (x1, y0, 0.0), (x1, y1, 0.0), (x0, y1, 0.0)]
                        else:
                            pts = [(x0, y0, 0.0), (x1, y0, 0.0), (x1, y1, bulge), (x0, y1, 0.0)]
                        area = width * DEPTH / 1e6 + _segment_m2(width, bulge)
                    elif kind < 0.18:  # a shaft takes a corner: an L-shaped room
                        pts = [
                            (x0, y0, 0.0),
                            (x1, y0, 0.0),
                            (x1, y1 - 1200, 0.0),
                            (x1 - 1500, y1 - 1200, 0.0),
                            (x1 - 1500, y1, 0.0),
                            (x0, y1, 0.0),
                        ]
                        area = (width * DEPTH - 1500 * 1200) / 1e6
                    else:
                        pts = [(x0, y0, 0.0), (x1, y0, 0.0), (x1, y1, 0.0), (x0, y1, 0.0)]
                        area = width * DEPTH / 1e6
                    handle = w.polyline(pts, ROOM_LAYER)
                    survey.exact_m2[handle] = area
                    if bulge:
                        survey.bulged.add(handle)
                    number = f"3-{wing:03d}-{k + 1 + (ROOMS_PER_SIDE if side == 'N' else 0):03d}"
                    name = rng.choice(NAMES)
                    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                    if rng.random() < 0.7:
                        w.text(f"{number} {name}", cx, cy, 300.0, LABEL_LAYER)
                    else:
                        w.mtext(f"{{\\fSimHei|b1;{number}}}\\P{name}", cx, cy, 300.0, LABEL_LAYER)
                    wall_y = y1 + WALL / 2 if side == "S" else y0 - WALL / 2
                    w.line(x0 - WALL, wall_y, x1 + WALL, wall_y, "墙体")
                    w.line(x1 + WALL / 2, y0 - WALL, x1 + WALL / 2, y1 + WALL, "墙体")
                    outer_y = y0 - WALL / 2 if side == "S" else y1 + WALL / 2
                    w.line(x0 - WALL, outer_y, x1 + WALL, outer_y, "墙体")
                    door_y = y1 + WALL if side == "S" else y0 - WALL
                    w.insert("DOOR900", x0 + 300, door_y, 0.0 if side == "N" else 180.0, "门")
                    survey.rooms += 1
                    x = x1 + WALL
                xmax = max(xmax, x)
            corridor_len = ROOMS_PER_SIDE * 6000.0
            pts = [
                (0.0, y_corr, 0.0),
                (corridor_len, y_corr, 0.0),
                (corridor_len, y_corr + CORRIDOR, 0.0),
                (0.0, y_corr + CORRIDOR, 0.0),
            ]
            handle = w.polyline(pts, ROOM_LAYER)
            survey.exact_m2[handle] = corridor_len * CORRIDOR / 1e6
            w.text(f"3-{wing:03d}-000 走廊", 1500.0, y_corr + CORRIDOR / 2, 300.0, LABEL_LAYER)
            survey.rooms += 1
        top = wing * wing_pitch
        right = max(xmax, ROOMS_PER_SIDE * 6000.0) + 2000.0
        outer = (-2000.0, -2000.0, right, top)
        w.polyline(
            [
                (outer[0], outer[1], 0.0),
                (outer[2], outer[1], 0.0),
                (outer[2], outer[3], 0.0),
                (outer[0], outer[3], 0.0),
            ],
            ROOM_LAYER,
        )
        w.text("三层平面图", right / 2, -4000.0, 1500.0, "图名")
        out.write(text[match.end() :])
    survey.extent_m = tuple(v / 1000.0 for v in outer)  # type: ignore[assignment]
    return survey


# --------------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None, *, sample_memory: bool = True
) -> Run:
    """Run one child, return its wall/CPU time and peak memory.

    CPU time is ``os.wait4``'s, which includes the child's own children (``survey import``
    forks one to read the drawing). Peak memory is the larger of ``wait4``'s peak (one
    process) and, with ``sample_memory``, the largest sum of resident memory over the child and
    its descendants, sampled every 10 ms from /proc: two processes at once count together. The
    sampling is a thread of this process: on 2 cores it slowed the two-process import by
    ~20 ms and the one-process ogr2ogr not at all, so timed rounds go without it.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        sampler = _TreeMemory(proc.pid) if sample_memory else None
        if sampler is not None:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if sampler is not None:
            sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_mb=max(usage.ru_maxrss, sampler.peak_kb if sampler else 0) / 1024.0,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


class _TreeMemory(threading.Thread):
    """Largest total resident memory (kB) of a process and its descendants, by sampling."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.01):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in _tree(self.pid)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _combine(*runs: Run) -> Run:
    return Run(
        wall_s=sum(r.wall_s for r in runs),
        cpu_s=sum(r.cpu_s for r in runs),
        peak_mb=max(r.peak_mb for r in runs),
        returncode=max(r.returncode for r in runs),
        stdout="".join(r.stdout for r in runs),
        stderr="".join(r.stderr for r in runs),
    )


STEPS = ("started", "dry", "ours", "load", "build")
"""What each round measures: our start-up, dry run and import, then ogr2ogr and its SQL."""


def _median(runs: list[Run]) -> Run:
    """The run with the median wall time (the lower middle one of an even count)."""
    return sorted(runs, key=lambda run: run.wall_s)[(len(runs) - 1) // 2]


def _clear(psql: str, cluster) -> None:  # noqa: ANN001
    """Undo the previous round: our draft batch (the same file again would change nothing) and
    the ogr2ogr tables."""
    clear = (
        "DELETE FROM audit_log; DELETE FROM survey_room; DELETE FROM survey_batch; "
        "DROP TABLE IF EXISTS ogr_rooms, ogr_labels, ogr_entities"
    )
    subprocess.run(
        [psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", cluster.conninfo("bench_import"),
         "-c", clear, "-c", "VACUUM ANALYZE"],
        check=True,
        capture_output=True,
    )  # fmt: skip


def _ogr2ogr_command(ogr2ogr: str, pg: str, path: Path) -> list[str]:
    return [
        ogr2ogr, "--config", "DXF_ENCODING", "UTF-8", "-f", "PostgreSQL", pg, str(path),
        "-nln", "ogr_entities", "-nlt", "GEOMETRY", "-dim", "XY", "-lco", "GEOMETRY_NAME=geom",
    ]  # fmt: skip


def _psql_command(psql: str, cluster) -> list[str]:  # noqa: ANN001
    return [
        psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-t", "-A", cluster.conninfo("bench_import"),
        "-c", OGR_SQL,
    ]  # fmt: skip


def ensure_ogr2ogr() -> str:
    found = shutil.which("ogr2ogr")
    if found:
        return found
    LOGGER.info("ogr2ogr missing: installing Debian's gdal-bin")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "gdal-bin"], check=True, env=env)
    found = shutil.which("ogr2ogr")
    if not found:
        raise RuntimeError("gdal-bin installed but ogr2ogr is still not on PATH")
    return found


OGR_SQL = f"""
CREATE TABLE ogr_rooms AS
  SELECT entityhandle AS handle, ST_MakePolygon(geom) AS geom
  FROM ogr_entities
  WHERE layer = '{ROOM_LAYER}' AND GeometryType(geom) = 'LINESTRING'
    AND ST_IsClosed(geom) AND ST_NPoints(geom) >= 4;
CREATE INDEX ON ogr_rooms USING gist (geom);
CREATE TABLE ogr_labels AS
  SELECT text, geom FROM ogr_entities
  WHERE layer = '{LABEL_LAYER}' AND GeometryType(geom) = 'POINT';
CREATE INDEX ON ogr_labels USING gist (geom);
ALTER TABLE ogr_rooms ADD COLUMN label text, ADD COLUMN area_m2 double precision;
UPDATE ogr_rooms r SET
  area_m2 = ST_Area(r.geom) / 1e6,
  label = (SELECT string_agg(l.text, ' ') FROM ogr_labels l WHERE ST_Contains(r.geom, l.geom));
SELECT count(*) FROM ogr_rooms;
"""


def _setup_database(cluster, survey: Survey) -> tuple[str, int]:  # noqa: ANN001
    """A fresh migrated database with one building whose footprint is the plan's outer ring."""
    import shapely
    from geoalchemy2.shape import from_shape
    from pyproj import Transformer
    from shapely import affinity
    from shapely.geometry import MultiPolygon
    from shapely.geometry import box
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from gis_app import models
    from gis_app.db import upgrade_schema

    cluster.ensure_database("bench_import")
    url = cluster.url("bench_import")
    engine = create_engine(url)
    upgrade_schema(engine)
    to_geo = Transformer.from_crs(GK_EPSG, 4490, always_xy=True)
    footprint = MultiPolygon([affinity.translate(box(*survey.extent_m), *GK_ORIGIN)])
    geo = shapely.transform(footprint, to_geo.transform, interleaved=False)
    with Session(engine) as session:
        region = models.Region(
            code="370100000000", gb_code="370100", name="济南市", level="市", province_code="37"
        )
        compound = models.Compound(name="测试大院", region_code=region.code, province_code="37")
        building = models.Building(
            name="万间楼",
            compound=compound,
            province_code="37",
            footprint=from_shape(geo, srid=models.MAP_SRID),
        )
        session.add(region)
        session.flush()
        session.add_all([compound, building])
        session.commit()
        building_id = building.id
    engine.dispose()
    return url, building_id


def _our_areas(url: str) -> dict[str, float]:
    from sqlalchemy import create_engine
    from sqlalchemy import text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT source_handles, usable_area_m2 FROM survey_room"))
        areas = {handles[0]: area for handles, area in rows if handles}
    engine.dispose()
    return areas


def _ogr_areas(url: str) -> dict[str, float]:
    from sqlalchemy import create_engine
    from sqlalchemy import text

    engine = create_engine(url)
    with engine.connect() as conn:
        areas = dict(conn.execute(text("SELECT handle, area_m2 FROM ogr_rooms")).all())
    engine.dispose()
    return areas


def _errors(areas: dict[str, float], survey: Survey) -> dict[str, float]:
    """Largest absolute (m²) and relative (%) area error on the bulged rooms, and how many."""
    found = [(areas[h], survey.exact_m2[h]) for h in survey.bulged if h in areas]
    if not found:
        return {"rooms": 0, "max_abs_m2": math.nan, "max_rel_pct": math.nan}
    return {
        "rooms": len(found),
        "max_abs_m2": max(abs(a - e) for a, e in found),
        "max_rel_pct": max(abs(a - e) / e * 100 for a, e in found),
    }


# --------------------------------------------------------------------------------- reporting


def machine() -> dict[str, str]:
    cpu = "unknown"
    mem_gb = 0.0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        cpu = found.group(1).strip() if found else platform.processor() or "unknown"
        meminfo = Path("/proc/meminfo").read_text()
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
        mem_gb = int(found.group(1)) / 1024 / 1024 if found else 0.0
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": f"{mem_gb:.1f} GB"}


def versions(ogr2ogr: str, cluster) -> str:  # noqa: ANN001
    import ezdxf
    import psycopg
    import shapely

    gdal = subprocess.run([ogr2ogr, "--version"], capture_output=True, text=True).stdout.strip()
    with psycopg.connect(cluster.conninfo("bench_import")) as conn:
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"Python {platform.python_version()}, ezdxf {ezdxf.__version__}, shapely "
        f"{shapely.__version__} (GEOS {shapely.geos_version_string}), {gdal.split(',')[0]}, "
        f"PostgreSQL {pg.split()[0]} + PostGIS {postgis}"
    )


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section between ``<!-- name -->`` markers of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, "utf-8")


# --------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument(
        "--size-mb", type=float, help="instead of --rooms: as many rooms as fit this size"
    )
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--keep", type=Path, help="also keep the drawing at this path")
    parser.add_argument(
        "--rounds",
        type=int,
        help="rounds of every step, medians reported (default 3; 1 with --size-mb)",
    )
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.size_mb else 3
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(ROOT))
    from gis_app.cluster import LocalCluster
    from gis_app.cluster import find_pg_bin

    ogr2ogr = ensure_ogr2ogr()
    base = Path(tempfile.mkdtemp(prefix="bench-import-", dir="/tmp"))
    base.chmod(0o755)
    cluster = LocalCluster(base_dir=base / "pg", port=55400 + os.getpid() % 500, durable=False)
    try:
        rooms = int(args.size_mb * 1024 / KB_PER_ROOM) if args.size_mb else args.rooms
        path = base / f"survey-{rooms}.dxf"
        t0 = time.perf_counter()
        survey = generate(path, rooms)
        size_mb = path.stat().st_size / 1024 / 1024
        LOGGER.info(
            "generated %s: %.1f MB, %d rooms (%d with arcs) in %.1f s",
            path.name,
            size_mb,
            survey.rooms,
            len(survey.bulged),
            time.perf_counter() - t0,
        )
        if args.keep:
            shutil.copyfile(path, args.keep)
        cluster.ensure_running()
        url, building_id = _setup_database(cluster, survey)
        env = {
            **os.environ,
            "GIS_APP_DATABASE_URL": url,
            "GIS_APP_VAR_DIR": str(base / "var"),
            "GIS_APP_SECRET_KEY": "bench",
            "PYTHONPATH": str(ROOT),
        }
        cli = [sys.executable, "-m", "gis_app.cli"]
        ours_cmd = [*cli, "survey", "import", str(path), "--building", str(building_id),
                    "--floor", FLOOR, "--as", "bench"]  # fmt: skip
        pg = f"PG:{cluster.conninfo('bench_import')}"
        psql = shutil.which("psql") or str(find_pg_bin(cluster.pg_bin) / "psql")
        steps = {
            "started": ([*cli, "survey", "--help"], env),
            "dry": ([*cli, "survey", "import", str(path), "--dry-run"], env),
            "ours": (ours_cmd, env),
            "load": (_ogr2ogr_command(ogr2ogr, pg, path), None),
            "build": (_psql_command(psql, cluster), None),
        }

        def one_round(sample_memory: bool) -> dict[str, Run] | None:
            _clear(psql, cluster)
            measured = {
                name: run_measured(cmd, step_env, sample_memory=sample_memory)
                for name, (cmd, step_env) in steps.items()
            }
            for name, run in measured.items():
                if run.returncode != 0:
                    LOGGER.error("%s failed:\n%s", name, run.stderr[-3000:])
                    return None
            return measured

        rounds: dict[str, list[Run]] = {name: [] for name in STEPS}
        for number in range(1, args.rounds + 1):
            measured = one_round(sample_memory=False)
            if measured is None:
                return 1
            for name, run in measured.items():
                rounds[name].append(run)
            LOGGER.info(
                "round %d: ours %.2f s, ogr2ogr pipeline %.2f s",
                number,
                measured["ours"].wall_s,
                measured["load"].wall_s + measured["build"].wall_s,
            )
        memory = one_round(sample_memory=True)
        if memory is None:
            return 1
        our_areas = _our_areas(url)
        ogr_areas = _ogr_areas(url)
        gdal_rounds = [_combine(a, b) for a, b in zip(rounds["load"], rounds["build"], strict=True)]
        started, dry, ours, load, build = (
            dataclasses.replace(_median(rounds[name]), peak_mb=memory[name].peak_mb)
            for name in STEPS
        )
        gdal = dataclasses.replace(
            _median(gdal_rounds), peak_mb=max(memory["load"].peak_mb, memory["build"].peak_mb)
        )
        our_rooms, gdal_rooms = len(our_areas), len(ogr_areas)
        our_err, gdal_err = _errors(our_areas, survey), _errors(ogr_areas, survey)
        rows = [
            ("gis-app survey import (read+build+load)", ours, our_rooms, our_err),
            ("  the same with --dry-run (read+build, no database)", dry, our_rooms, None),
            ("  process start-up alone (`survey --help`)", started, None, None),
            ("ogr2ogr -> PostGIS, then rooms in SQL", gdal, gdal_rooms, gdal_err),
            ("  ogr2ogr", load, None, None),
            ("  psql: ST_MakePolygon, area, labels", build, None, None),
        ]
        ratio = (our_rooms / ours.wall_s) / (gdal_rooms / gdal.wall_s)
        header = (
            "| pipeline | rooms | wall s | CPU s | rooms/s (wall) | peak RSS MB "
            "| arc rooms: max area error |"
        )
        lines = [header, "|---|---:|---:|---:|---:|---:|---|"]
        for label, run, count, err in rows:
            error = (
                f"{err['max_abs_m2']:.4f} m² ({err['max_rel_pct']:.3f} %) on {err['rooms']}"
                if err
                else ""
            )
            rate = "—" if count is None else f"{count / run.wall_s:,.0f}"
            lines.append(
                f"| {label} | {'—' if count is None else f'{count:,}'} | {run.wall_s:.2f} "
                f"| {run.cpu_s:.2f} | {rate} | {run.peak_mb:,.0f} | {error} |"
            )
        table = "\n".join(lines)
        LOGGER.info("\n%s\n\nours/ogr2ogr rooms/s: %.2f", table, ratio)
        if args.write:
            info = machine()
            option = f" --size-mb {args.size_mb:g}" if args.size_mb else ""
            body = (
                f"## Survey import, {survey.rooms:,} rooms: ours vs ogr2ogr "
                f"(`bench/import_10k.py{option}`)\n\n"
                f"Run {datetime.date.today().isoformat()} on {info['cores']} cores, "
                f"{info['ram']} RAM, {info['cpu']}; {versions(ogr2ogr, cluster)}.\n\n"
                f"Drawing: {size_mb:.1f} MB generated DXF (R2010, mm), {survey.rooms} rooms "
                f"({len(survey.bulged)} with a bulged bay), labels as TEXT/MTEXT, walls as "
                "LINEs, a door block per room. Each pipeline runs as one child process per step "
                f"against the same throwaway PostGIS, in {args.rounds} rounds (each round: our "
                "start-up, dry run and import, then ogr2ogr and its SQL, after removing the "
                "previous round's rows and tables); the table gives each step's median round. "
                "Peak RSS comes from one more round, sampled: the sampler would slow the timed "
                "ones. CPU and peak RSS are the child's with its "
                "own children (our import reads the drawing in a forked child while it opens "
                "the database: both count, their memory summed); the server's is not counted "
                "for either.\n\n"
                f"{table}\n\n"
                f"Same-run peer ratio ours/ogr2ogr (rooms per wall second, medians): "
                f"**{ratio:.2f}**. Every round, wall s: ours "
                f"{', '.join(f'{r.wall_s:.2f}' for r in rounds['ours'])}; ogr2ogr pipeline "
                f"{', '.join(f'{r.wall_s:.2f}' for r in gdal_rounds)}. "
                f"Start-up {started.wall_s:.1f} s, read+build "
                f"{max(dry.wall_s - started.wall_s, 0):.1f} s, database part "
                f"{max(ours.wall_s - dry.wall_s, 0):.1f} s (differences of the runs above: "
                "what the database adds after the drawing is read, the rest of it overlapping "
                "the reading). "
                f"ogr2ogr's SQL rooms include the outer wall ring; GDAL 3.6 left "
                f"{survey.rooms + 1 - gdal_rooms} arc rings open by ~1e-12 (tessellation), so "
                "`ST_IsClosed` drops them.\n"
            )
            write_section("import_200mb" if args.size_mb else "import_10k", body)
            LOGGER.info("BENCHMARKS.md updated")
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
