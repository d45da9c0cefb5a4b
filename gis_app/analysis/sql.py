"""The SQL every check shares: scope, the per-rank limit with notes 1/2 applied, who sits where.

One ``WITH`` prelude holds all common steps; a check appends its own ``SELECT``. PostgreSQL
inlines or skips the steps a query does not use, so sharing the prelude costs nothing. All
values are bound parameters (``:vid``, ``:as_of``, ``:pattern``, ``:agency_id``).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["PRELUDE", "ROOM_REF_SQL", "ROOM_SCOPE_SQL", "without_jit"]


def without_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT off for this transaction: the checks are many short queries whose
    row estimates (jsonb_each_text guesses 100 rows) trigger a compile costing ~1 s each."""
    session.execute(text("SET LOCAL jit = off"))


def _norm(expr: str) -> str:
    """A 机构级别 normalised as :func:`gis_app.standards.tables.normalize_level` does."""
    return f"regexp_replace(translate(coalesce({expr}, ''), '（）', '()'), '\\s', '', 'g')"


ROOM_REF_SQL = """jsonb_build_object(
    'room_id', r.id, 'building_id', b.id, 'building', b.name, 'building_code', b.code,
    'floor', f.name, 'number', r.number, 'name', r.name, 'use', r.use_category,
    'subtype', r.use_subtype, 'area', round(r.usable_area_m2::numeric, 2),
    'address', c.address)"""
"""Evidence for one room (aliases r, f, b, c = its compound)."""

ROOM_SCOPE_SQL = """(
    coalesce(ra.region_code, c.region_code, '') LIKE :pattern
    AND (CAST(:agency_id AS integer) IS NULL OR r.agency_id = CAST(:agency_id AS integer))
)"""
"""A room is in scope by its agency's region, else its compound's (aliases r, ra, c)."""

PRELUDE = f"""
WITH agency_scope AS (
    SELECT a.* FROM agency a
    WHERE a.region_code LIKE :pattern
      AND (CAST(:agency_id AS integer) IS NULL OR a.id = CAST(:agency_id AS integer))
),
rank_pairs AS (
    SELECT p.agency_id, p.rank FROM person p JOIN agency_scope a ON a.id = p.agency_id
    UNION
    SELECT a.id, s.key FROM agency_scope a,
        jsonb_each_text(coalesce(a.approved_staff, '{{}}'::jsonb)) s
),
rank_limit AS (
    SELECT rp.agency_id, rp.rank,
        coalesce(rm.to_category, rt.to_category, a.category) AS eff_category,
        coalesce(rm.to_rank, rp.rank) AS eff_rank,
        coalesce(rm.note, rt.note) AS remap_note,
        lim.limit_m2
    FROM rank_pairs rp
    JOIN agency a ON a.id = rp.agency_id
    LEFT JOIN agency pa ON pa.id = a.parent_id
    LEFT JOIN LATERAL (
        SELECT r.to_category, r.to_rank, r.note FROM standard_rank_remap r
        WHERE r.version_id = :vid AND r.category = a.category AND r.from_rank = rp.rank
          AND ((r.scope = 'unit' AND r.level_name = {_norm("a.level_name")})
            OR (r.scope = 'parent' AND r.level_name = {_norm("pa.level_name")}))
        ORDER BY r.scope = 'unit' DESC
        LIMIT 1
    ) rm ON true
    LEFT JOIN LATERAL (
        SELECT r.to_category, r.note FROM standard_rank_remap r
        WHERE rm.to_rank IS NULL AND r.version_id = :vid AND r.category = a.category
          AND ((r.scope = 'unit' AND r.level_name = {_norm("a.level_name")})
            OR (r.scope = 'parent' AND r.level_name = {_norm("pa.level_name")}))
          AND r.to_category <> a.category
          AND EXISTS (SELECT 1 FROM standard_limit l WHERE l.version_id = :vid
                      AND l.category = r.to_category AND l.rank = rp.rank)
        LIMIT 1
    ) rt ON true
    LEFT JOIN LATERAL (
        SELECT l.limit_m2 FROM standard_limit l
        WHERE l.version_id = :vid
          AND l.category = coalesce(rm.to_category, rt.to_category, a.category)
          AND l.rank = coalesce(rm.to_rank, rp.rank)
          AND (l.province_code IS NULL OR l.province_code = a.province_code)
        ORDER BY l.province_code IS NULL
        LIMIT 1
    ) lim ON true
),
occ AS (
    SELECT o.person_id, o.room_id FROM occupancy o
    WHERE o.valid_from <= :as_of AND (o.valid_to IS NULL OR o.valid_to > :as_of)
    GROUP BY o.person_id, o.room_id
),
room_n AS (
    SELECT room_id, count(*) AS n FROM occ GROUP BY room_id
),
person_rooms AS (
    SELECT occ.person_id, r.id AS room_id, r.usable_area_m2 AS area, r.use_category,
        r.use_subtype, r.agency_id AS room_agency_id, rn.n, b.id AS building_id, b.compound_id,
        CASE WHEN r.use_category = '办公室' THEN 'office'
             WHEN r.use_subtype = '休息室' THEN 'rest'
             WHEN r.use_subtype = '卫生间' THEN 'toilet'
             WHEN r.use_subtype = '会议室' THEN 'meeting' END AS part,
        {ROOM_REF_SQL} || jsonb_build_object('occupants', rn.n) AS ref
    FROM occ
    JOIN room r ON r.id = occ.room_id AND r.retired_at IS NULL
    JOIN floor f ON f.id = r.floor_id
    JOIN building b ON b.id = f.building_id
    LEFT JOIN compound c ON c.id = b.compound_id
    JOIN room_n rn ON rn.room_id = r.id
),
scoped_person AS (
    SELECT p.*, a.name AS agency_name, a.kind AS agency_kind, a.category AS agency_category,
        a.region_code, rl.eff_category, rl.eff_rank, rl.remap_note, rl.limit_m2
    FROM person p
    JOIN agency_scope a ON a.id = p.agency_id
    LEFT JOIN rank_limit rl ON rl.agency_id = p.agency_id AND rl.rank = p.rank
),
scoped_room AS (
    SELECT r.*, f.name AS floor_name, b.id AS building_id, b.name AS building_name,
        b.code AS building_code,
        b.use_class, b.compound_id, ra.name AS agency_name,
        coalesce(ra.region_code, c.region_code) AS region,
        {ROOM_REF_SQL} AS ref,
        EXISTS (SELECT 1 FROM occ WHERE occ.room_id = r.id) AS occupied
    FROM room r
    JOIN floor f ON f.id = r.floor_id
    JOIN building b ON b.id = f.building_id
    LEFT JOIN compound c ON c.id = b.compound_id
    LEFT JOIN agency ra ON ra.id = r.agency_id
    WHERE r.retired_at IS NULL AND {ROOM_SCOPE_SQL}
)
"""
