"""The roster: agencies (单位), people (人员), room use (房间) and occupancy history (入驻记录).

An xlsx roster has up to four sheets, recognised by name or, failing that, by their headers; a
CSV file is one of them, recognised by its headers. Headers may be the Chinese of real forms or
English (see the ``*_COLUMNS`` specs). Approved staff (编制数) comes in one column per rank,
``编制数-<职级>``, and each rank must belong to the agency's category row of the 2014 table.

Every row is checked before anything is written; each problem names sheet, row and column. With
any error nothing is written, unless ``partial`` is asked for: then the good rows are written and
rows that depend on a bad one (a person of a rejected agency) are rejected too. Writing goes
through ``gis_app.registry.save``, so a second import of the same roster changes nothing and adds
no audit entries.

The 房间 sheet is also the room register (房间台账): every row is kept as a ledger entry, so
the analysis can reconcile register and survey (账实相符); a row whose room the survey does not
have is kept with a warning, not refused. Its optional contract columns (承租方, 承租方性质,
合同起始日期, 合同到期日期, 批准文号) record a lease or loan of the room; a room may appear on
several rows when each names a contract with its own start date (the contract history), and the
row of the latest contract sets the room's status. 承租方性质 left empty is taken as 企业 when
the name says so (公司, 集团, ...). The 单位 sheet may carry the counts behind the ancillary caps
(车位数, 自行车位数, 电动车位数, 警卫人数) and the agency's own sub-ledger totals (办公室面积,
服务用房面积, 设备用房面积) reconciled against the survey (账账相符).

Occupancy follows the 人员 sheet when it has the 楼栋/房间号 columns: rooms no longer listed
are ended on the new 入驻日期 (else today), new ones start on it: a period is [valid_from,
valid_to), as in the 入驻记录 sheet, so a move ends one occupancy on the day the next begins.
Retirement or transfer never ends an occupancy by itself: a retired person whose row still names
a room keeps it, and shows up in ``people_holding_rooms``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Region
from gis_app.models import Room
from gis_app.models import RoomLease
from gis_app.models import RoomLedgerEntry
from gis_app.ranks import category_of
from gis_app.ranks import normalize_rank
from gis_app.ranks import ranks_for
from gis_app.registry import Tally
from gis_app.registry import credit_code_problem
from gis_app.registry import end_occupancy
from gis_app.registry import find_rooms
from gis_app.registry import open_occupancies
from gis_app.registry import save
from gis_app.registry import start_occupancy
from gis_app.report import ImportReport
from gis_app.vocab import AgencyCategory
from gis_app.vocab import CounterpartyKind
from gis_app.vocab import OccupantStatus
from gis_app.vocab import RegionLevel
from gis_app.vocab import RoomStatus
from gis_app.vocab import RoomUse
from survey_import.tabular import Columns
from survey_import.tabular import InputRefused
from survey_import.tabular import Row
from survey_import.tabular import Table
from survey_import.tabular import normalize_header
from survey_import.tabular import parse_bool
from survey_import.tabular import parse_date
from survey_import.tabular import parse_int
from survey_import.tabular import read_csv
from survey_import.tabular import read_workbook

__all__ = [
    "AGENCY_COLUMNS",
    "HISTORY_COLUMNS",
    "PERSON_COLUMNS",
    "ROOM_COLUMNS",
    "RosterCode",
    "RosterImport",
    "import_roster",
    "split_room_numbers",
]

LOGGER = logging.getLogger(__name__)


class RosterCode(StrEnum):
    MISSING = "roster-missing-value"
    BAD_VALUE = "roster-bad-value"
    BAD_CREDIT_CODE = "roster-bad-credit-code"
    NO_CREDIT_CODE = "roster-no-credit-code"
    UNKNOWN_REGION = "roster-unknown-region"
    BAD_CATEGORY = "roster-bad-category"
    CATEGORY_FROM_REGION = "roster-category-from-region"
    UNKNOWN_RANK = "roster-unknown-rank"
    UNKNOWN_AGENCY = "roster-unknown-agency"
    AMBIGUOUS_AGENCY = "roster-ambiguous-agency"
    CODE_CONFLICT = "roster-credit-code-conflict"
    UNKNOWN_PARENT = "roster-unknown-parent"
    DUPLICATE = "roster-duplicate"
    UNKNOWN_BUILDING = "roster-unknown-building"
    UNKNOWN_ROOM = "roster-unknown-room"
    AMBIGUOUS_ROOM = "roster-ambiguous-room"
    UNKNOWN_PERSON = "roster-unknown-person"
    NO_STATUS_DATE = "roster-no-status-date"
    IGNORED_SHEET = "roster-ignored-sheet"
    IGNORED_COLUMN = "roster-ignored-column"
    OCCUPANCY_ENDED = "roster-occupancy-ended"
    CONFLICT = "roster-database-conflict"
    DEPENDS_ON_BAD_ROW = "roster-depends-on-bad-row"
    ROOM_NOT_SURVEYED = "roster-room-not-surveyed"
    COUNTERPARTY_KIND_FROM_NAME = "roster-counterparty-kind-from-name"


AGENCY_COLUMNS = Columns(
    {
        "name": ("单位名称", "单位", "名称", "机构名称", "agency", "agency_name", "name"),
        "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "credit_code"),
        "region": ("行政区划代码", "区划代码", "region_code", "region"),
        "category": ("单位类别", "机关类别", "单位层级", "category"),
        "kind": ("单位性质", "机构性质", "单位类型", "kind"),
        "level_name": ("机构级别", "单位级别", "机构规格", "level"),
        "parent": ("上级单位", "主管单位", "上级单位名称", "parent", "parent_agency"),
        "headcount": ("实有人数", "实际人数", "在编人数", "actual_headcount", "headcount"),
        "parking_spaces": ("车位数", "汽车车位数", "停车位数", "parking_spaces", "parking"),
        "bicycle_spaces": ("自行车位数", "自行车车位数", "bicycle_spaces", "bicycles"),
        "ebike_spaces": (
            "电动车位数",
            "电动车摩托车位数",
            "摩托车位数",
            "ebike_spaces",
            "ebikes",
        ),
        "guards": ("警卫人数", "警卫人员数", "guards", "guard_staff"),
        "reported_office": ("办公室面积", "办公室使用面积", "office_area", "reported_office"),
        "reported_service": (
            "服务用房面积",
            "服务用房使用面积",
            "service_area",
            "reported_service",
        ),
        "reported_equipment": (
            "设备用房面积",
            "设备用房使用面积",
            "equipment_area",
            "reported_equipment",
        ),
    },
    required=("name",),
)

PERSON_COLUMNS = Columns(
    {
        "name": ("姓名", "name", "person"),
        "agency": ("单位", "所在单位", "工作单位", "单位名称", "agency"),
        "position": ("职务", "position", "title"),
        "rank": ("职级", "级别", "职务级别", "rank", "grade"),
        "status": ("在职情况", "在职状态", "人员状态", "状态", "status"),
        "status_date": ("状态日期", "变动日期", "退休或调离日期", "status_date"),
        "concurrent_agency": ("兼职单位", "concurrent_agency"),
        "concurrent_post": ("兼职职务", "concurrent_post"),
        "concurrent_approved": ("兼职批准", "兼职是否批准", "concurrent_approved"),
        "concurrent_end": ("兼职终止日期", "兼职结束日期", "concurrent_end", "concurrent_end_date"),
        "building": ("楼栋", "楼栋编码", "办公楼栋", "building", "building_code"),
        "rooms": ("房间号", "办公室房间号", "房号", "办公用房", "rooms", "room"),
        "since": ("入驻日期", "使用起始日期", "since", "from"),
    },
    required=("name", "agency", "rank"),
)

ROOM_COLUMNS = Columns(
    {
        "building": ("楼栋", "楼栋编码", "building", "building_code"),
        "floor": ("楼层", "层", "floor"),
        "number": ("房间号", "房号", "room", "number", "room_number"),
        "agency": ("使用单位", "单位", "agency"),
        "status": ("使用状态", "状态", "status"),
        "status_date": ("状态日期", "status_date", "since"),
        "approved_use": ("核定用途", "核定功能", "approved_use"),
        "counterparty": (
            "承租方",
            "借用方",
            "承租(借用)方",
            "承租借用方",
            "counterparty",
            "tenant",
            "lessee",
            "borrower",
        ),
        "counterparty_kind": (
            "承租方性质",
            "承租方类型",
            "借用方性质",
            "counterparty_kind",
            "tenant_kind",
        ),
        "contract_start": (
            "合同起始日期",
            "合同开始日期",
            "租期起",
            "contract_start",
            "lease_start",
        ),
        "contract_end": (
            "合同到期日期",
            "合同终止日期",
            "合同结束日期",
            "租期止",
            "contract_end",
            "lease_end",
        ),
        "approval_ref": ("批准文号", "审批文号", "批准文件", "approval_ref", "approval"),
    },
    required=("building", "number"),
)

HISTORY_COLUMNS = Columns(
    {
        "name": ("姓名", "name", "person"),
        "agency": ("单位", "所在单位", "agency"),
        "building": ("楼栋", "楼栋编码", "building", "building_code"),
        "rooms": ("房间号", "房号", "rooms", "room"),
        "valid_from": ("起始日期", "入驻日期", "开始日期", "valid_from", "from"),
        "valid_to": ("终止日期", "迁出日期", "结束日期", "valid_to", "to"),
    },
    required=("name", "agency", "building", "rooms", "valid_from", "valid_to"),
)

_SHEETS: dict[str, tuple[str, ...]] = {
    "单位": ("单位", "单位信息", "单位表", "单位名册", "agencies", "agency"),
    "人员": ("人员", "人员信息", "人员名册", "人员名单", "people", "personnel", "staff"),
    "房间": ("房间", "房间使用", "房间台账", "rooms"),
    "入驻记录": ("入驻记录", "入驻历史", "历史入驻", "history", "occupancy_history"),
}
_STAFF_HEADER = re.compile(r"^(编制数|编制|核定编制|approvedstaff|staff)[:(]?(.+?)\)?$")
_ROOM_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_STATUS = {
    "在职": OccupantStatus.SERVING,
    "在岗": OccupantStatus.SERVING,
    "serving": OccupantStatus.SERVING,
    "active": OccupantStatus.SERVING,
    "退休": OccupantStatus.RETIRED,
    "已退休": OccupantStatus.RETIRED,
    "retired": OccupantStatus.RETIRED,
    "调离": OccupantStatus.TRANSFERRED,
    "调出": OccupantStatus.TRANSFERRED,
    "已调离": OccupantStatus.TRANSFERRED,
    "transferred": OccupantStatus.TRANSFERRED,
}
_ROOM_STATUS = {s.value: s for s in RoomStatus} | {
    "使用": RoomStatus.IN_USE,
    "使用中": RoomStatus.IN_USE,
    "空置": RoomStatus.IDLE,
    "空闲": RoomStatus.IDLE,
    "in_use": RoomStatus.IN_USE,
    "idle": RoomStatus.IDLE,
    "leased": RoomStatus.LEASED_OUT,
    "lent": RoomStatus.LENT_OUT,
    "occupied": RoomStatus.OCCUPIED_BY_OTHERS,
    "repair": RoomStatus.UNDER_REPAIR,
}
_COUNTERPARTY_KIND = {k.value: k for k in CounterpartyKind} | {
    "公司": CounterpartyKind.ENTERPRISE,
    "企业单位": CounterpartyKind.ENTERPRISE,
    "enterprise": CounterpartyKind.ENTERPRISE,
    "company": CounterpartyKind.ENTERPRISE,
    "非预算事业单位": CounterpartyKind.NON_BUDGET,
    "自收自支事业单位": CounterpartyKind.NON_BUDGET,
    "non_budget": CounterpartyKind.NON_BUDGET,
    "机关": CounterpartyKind.PUBLIC_BODY,
    "事业单位": CounterpartyKind.PUBLIC_BODY,
    "行政事业单位": CounterpartyKind.PUBLIC_BODY,
    "public": CounterpartyKind.PUBLIC_BODY,
    "individual": CounterpartyKind.INDIVIDUAL,
    "other": CounterpartyKind.OTHER,
}
_ENTERPRISE_WORDS = ("公司", "集团", "企业", "商行", "银行", "酒店", "宾馆", "超市", "厂")
"""A counterparty named like this is an enterprise (when the sheet does not say)."""
_REPORTED_AREAS = {
    "reported_office": RoomUse.OFFICE,
    "reported_service": RoomUse.SERVICE,
    "reported_equipment": RoomUse.EQUIPMENT,
}
_AGENCY_COUNTS = {
    "parking_spaces": "车位数",
    "bicycle_spaces": "自行车位数",
    "ebike_spaces": "电动车位数",
    "guards": "警卫人数",
}
_CATEGORY_OF_REGION = {
    RegionLevel.PROVINCE: AgencyCategory.PROVINCE,
    RegionLevel.CITY: AgencyCategory.CITY,
    RegionLevel.COUNTY: AgencyCategory.COUNTY,
    RegionLevel.TOWNSHIP: AgencyCategory.TOWNSHIP,
}


def split_room_numbers(raw: str) -> list[str]:
    """ "301、302" → ["301", "302"]: a leader's suite or several offices in one cell."""
    return [n for n in _ROOM_SEPARATORS.split(raw.strip()) if n]


@dataclass
class RosterImport:
    report: ImportReport
    tally: Tally
    rows: int
    written: bool


@dataclass
class _AgencyPlan:
    row: Row
    existing: Agency | None
    values: dict[str, Any]
    parent: str | None


@dataclass
class _PersonPlan:
    row: Row
    agency: str
    """Agency name (resolved after the agencies are written)."""
    values: dict[str, Any]
    concurrent_agency: str | None
    rooms: list[Room] | None
    """None: the sheet does not say where the person sits, so occupancy is left alone."""
    since: dt.date | None


@dataclass
class _RoomPlan:
    row: Row
    building: Building
    number: str
    floor: str | None
    room: Room | None
    """None: the survey has no such room; the row is kept in the register only."""
    values: dict[str, Any]
    agency: str | None
    sets_agency: bool
    leases: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _HistoryPlan:
    row: Row
    person_key: tuple[str, str]
    rooms: list[Room]
    valid_from: dt.date
    valid_to: dt.date


@dataclass
class _Context:
    """What the checks know: the database's agencies plus the file's good agency rows."""

    session: Session
    report: ImportReport
    agencies_in_file: dict[str, _AgencyPlan] = field(default_factory=dict)
    agency_category: dict[str, AgencyCategory] = field(default_factory=dict)
    rejected_agencies: dict[str, Row] = field(default_factory=dict)
    rejected_people: dict[tuple[str, str], Row] = field(default_factory=dict)

    def error(self, row: Row, column: str | None, code: RosterCode, message: str) -> None:
        self.report.error(
            code,
            f"{row.where(column)}: {message}",
            sheet=row.sheet,
            row=row.number,
            column=column,
        )

    def agency_known(self, row: Row, column: str, name: str) -> bool:
        """Whether ``name`` is an agency of the file's good rows or of the database."""
        if name in self.agencies_in_file:
            return True
        if name in self.rejected_agencies:
            self.error(
                row,
                column,
                RosterCode.DEPENDS_ON_BAD_ROW,
                f"单位「{name}」所在的{self.rejected_agencies[name].where()}有误, 本行随之不导入",
            )
            return False
        found = list(self.session.scalars(select(Agency).where(Agency.name == name).limit(2)))
        if len(found) > 1:
            self.error(row, column, RosterCode.AMBIGUOUS_AGENCY, f"单位「{name}」在多个省份重名")
            return False
        if not found:
            self.error(
                row,
                column,
                RosterCode.UNKNOWN_AGENCY,
                f"单位「{name}」不存在 (不在单位表中, 数据库中也没有)",
            )
            return False
        self.agency_category[name] = AgencyCategory(found[0].category)
        return True


# -- reading the sheets ----------------------------------------------------------------------


def _sheet_kind(table: Table) -> str | None:
    title = normalize_header(table.name)
    for kind, names in _SHEETS.items():
        if title in {normalize_header(n) for n in names}:
            return kind
    headers = {normalize_header(h) for h in table.headers if h not in (None, "")}
    if {"起始日期", "终止日期"} <= headers or {"validfrom", "validto"} <= headers:
        return "入驻记录"
    if headers & {"姓名", "name"} and headers & {"职级", "rank", "级别"}:
        return "人员"
    if headers & {"统一社会信用代码", "单位类别", "单位名称", "creditcode", "category"}:
        return "单位"
    if headers & {"使用状态", "核定用途", "楼层", "floor"} and headers & {"房间号", "room"}:
        return "房间"
    return None


def _read_tables(path: Path, report: ImportReport) -> dict[str, Table]:
    if not path.is_file():
        raise InputRefused(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = read_csv(path, path.stem)
        kind = _sheet_kind(table)
        if kind is None:
            raise InputRefused(f"{path.name}: 无法从表头判断是单位、人员、房间还是入驻记录表")
        table.name = kind
        return {kind: table}
    if suffix not in (".xlsx", ".xlsm"):
        raise InputRefused(f"{path.name}: 不支持的格式 (支持 .xlsx 和 .csv)")
    tables: dict[str, Table] = {}
    for title, table in read_workbook(path).items():
        kind = _sheet_kind(table)
        if kind is None or kind in tables:
            report.warning(RosterCode.IGNORED_SHEET, f"工作表「{title}」未识别, 已忽略")
            continue
        tables[kind] = table
    if not tables:
        raise InputRefused(f"{path.name}: 没有可识别的工作表 (应有 单位/人员/房间/入驻记录)")
    return tables


# -- checking --------------------------------------------------------------------------------


def _text(row: Row, name: str, limit: int, ctx: _Context, column: str) -> str | None:
    value = row.text(name)
    if value is not None and len(value) > limit:
        ctx.error(row, column, RosterCode.BAD_VALUE, f"「{value}」超过{limit}个字")
        return None
    return value


def _date(row: Row, name: str, ctx: _Context, column: str) -> tuple[dt.date | None, bool]:
    try:
        return parse_date(row.get(name)), True
    except ValueError as exc:
        ctx.error(row, column, RosterCode.BAD_VALUE, str(exc))
        return None, False


def _plan_agencies(rows: list[Row], ctx: _Context) -> list[_AgencyPlan]:
    session = ctx.session
    plans: list[_AgencyPlan] = []
    names: dict[str, list[Row]] = {}
    codes: dict[str, list[Row]] = {}
    for row in rows:
        if row.text("name"):
            names.setdefault(row.text("name") or "", []).append(row)
        code = (row.text("credit_code") or "").upper()
        if code:
            codes.setdefault(code, []).append(row)
    duplicated: set[int] = set()
    for key, group in (*names.items(), *codes.items()):
        if len(group) > 1:
            lines = "、".join(str(r.number) for r in group)
            for r in group:
                duplicated.add(r.number)
                ctx.error(r, None, RosterCode.DUPLICATE, f"「{key}」在第{lines}行重复出现")

    for row in rows:
        errors_before = len(ctx.report.errors)
        name = _text(row, "name", 200, ctx, "单位名称")
        if name is None:
            ctx.error(row, "单位名称", RosterCode.MISSING, "单位名称为空")
        code = (row.text("credit_code") or "").upper() or None
        if code is not None and (problem := credit_code_problem(code)):
            ctx.error(row, "统一社会信用代码", RosterCode.BAD_CREDIT_CODE, problem)
        region = (row.text("region") or "").replace(" ", "")
        if len(region) == 6 and region.isdigit():
            region = region.ljust(12, "0")
        region_row = session.get(Region, region) if region else None
        if not region:
            ctx.error(row, "行政区划代码", RosterCode.MISSING, "行政区划代码为空")
        elif region_row is None:
            ctx.error(
                row,
                "行政区划代码",
                RosterCode.UNKNOWN_REGION,
                f"行政区划代码 {region} 不存在 (请先 gis-app regions import)",
            )
        category = category_of(row.text("category"))
        if category is None and row.text("category"):
            ctx.error(
                row,
                "单位类别",
                RosterCode.BAD_CATEGORY,
                f"「{row.text('category')}」不是单位类别 (中央/省/市/县/乡)",
            )
        elif category is None and region_row is not None:
            category = _CATEGORY_OF_REGION.get(RegionLevel(region_row.level))
            if category is not None:
                ctx.report.note(
                    RosterCode.CATEGORY_FROM_REGION,
                    f"{row.where('单位类别')}: 未填, 按区划级别取「{category}」",
                    sheet=row.sheet,
                    row=row.number,
                )
        if category is None and not row.text("category") and region_row is not None:
            ctx.error(row, "单位类别", RosterCode.MISSING, "单位类别为空 (中央/省/市/县/乡)")
        try:
            headcount = parse_int(row.get("headcount"))
        except ValueError as exc:
            ctx.error(row, "实有人数", RosterCode.BAD_VALUE, str(exc))
            headcount = None
        staff = _approved_staff(row, category, ctx) if category is not None else {}
        counts = _agency_counts(row, ctx)
        reported = _reported_areas(row, ctx)
        kind = _text(row, "kind", 20, ctx, "单位性质")
        level_name = _text(row, "level_name", 40, ctx, "机构级别")
        if len(ctx.report.errors) > errors_before or row.number in duplicated:
            if name:
                ctx.rejected_agencies[name] = row
            continue
        assert name is not None and category is not None
        existing = _existing_agency(row, name, code, region[:2], ctx)
        if existing is False:
            continue
        values: dict[str, Any] = {
            "name": name,
            "credit_code": code,
            "category": str(category),
            "region_code": region,
            "province_code": region[:2],
            "approved_staff": staff,
        }
        for key, value in (("kind", kind), ("level_name", level_name)):
            if key in row.values:
                values[key] = value
        if "headcount" in row.values:
            values["actual_headcount"] = headcount
        values |= counts
        if any(key in row.values for key in _REPORTED_AREAS):
            values["reported_areas"] = reported or None
        if code is None and existing is not None:
            values.pop("credit_code")
            ctx.report.warning(
                RosterCode.NO_CREDIT_CODE,
                f"{row.where('统一社会信用代码')}: 未填, 保留原有代码",
                sheet=row.sheet,
                row=row.number,
            )
        plan = _AgencyPlan(row, existing, values, row.text("parent"))
        plans.append(plan)
        ctx.agencies_in_file[name] = plan
        ctx.agency_category[name] = category

    for plan in list(plans):
        parent = plan.parent
        if parent is None:
            continue
        if parent == plan.values["name"]:
            ctx.error(plan.row, "上级单位", RosterCode.UNKNOWN_PARENT, "上级单位不能是本单位")
        elif parent in ctx.agencies_in_file or ctx.agency_known(plan.row, "上级单位", parent):
            continue
        plans.remove(plan)
        del ctx.agencies_in_file[plan.values["name"]]
        ctx.rejected_agencies[plan.values["name"]] = plan.row
    return plans


def _agency_counts(row: Row, ctx: _Context) -> dict[str, int | None]:
    """The counts behind the ancillary caps, for the columns the sheet has."""
    out: dict[str, int | None] = {}
    for key, column in _AGENCY_COUNTS.items():
        if key not in row.values:
            continue
        try:
            out[key] = parse_int(row.get(key))
        except ValueError as exc:
            ctx.error(row, column, RosterCode.BAD_VALUE, str(exc))
    return out


def _reported_areas(row: Row, ctx: _Context) -> dict[str, float]:
    """The agency's own totals (m², two decimals) by use, for the cells that are filled."""
    out: dict[str, float] = {}
    for key, use in _REPORTED_AREAS.items():
        value = row.text(key)
        if value is None:
            continue
        column = AGENCY_COLUMNS.header(key)
        try:
            area = float(value.replace(",", "").rstrip("m²㎡ "))
        except ValueError:
            ctx.error(row, column, RosterCode.BAD_VALUE, f"「{value}」不是面积 (m²)")
            continue
        if not 0 <= area < 1e8:
            ctx.error(row, column, RosterCode.BAD_VALUE, f"面积 {value} 超出合理范围")
            continue
        out[str(use)] = round(area, 2)
    return out


def _existing_agency(
    row: Row, name: str, code: str | None, province: str, ctx: _Context
) -> Agency | None | bool:
    """The agency this row updates (None = new); False when code and name disagree."""
    session = ctx.session
    by_code = session.scalar(select(Agency).where(Agency.credit_code == code)) if code else None
    by_name = session.scalar(
        select(Agency).where(Agency.name == name, Agency.province_code == province)
    )
    if by_code is not None and by_name is not None and by_code.id != by_name.id:
        ctx.error(
            row,
            "统一社会信用代码",
            RosterCode.CODE_CONFLICT,
            f"信用代码 {code} 属于「{by_code.name}」, 而名称「{name}」是另一单位",
        )
        return False
    return by_code or by_name


def _approved_staff(row: Row, category: AgencyCategory, ctx: _Context) -> dict[str, int]:
    staff: dict[str, int] = {}
    for header, value in row.extra.items():
        match = _STAFF_HEADER.match(normalize_header(header))
        if match is None or value in (None, ""):
            continue
        try:
            count = parse_int(value)
        except ValueError as exc:
            ctx.error(row, header, RosterCode.BAD_VALUE, str(exc))
            continue
        raw_rank = header.split("-", 1)[-1] if "-" in header else match.group(2)
        rank = normalize_rank(category, raw_rank)
        if rank is None:
            if count == 0:
                continue
            ctx.error(
                row,
                header,
                RosterCode.UNKNOWN_RANK,
                f"「{raw_rank}」不是{category}级机关的职级 "
                f"(可用: {'、'.join(ranks_for(category))})",
            )
            continue
        if count:
            staff[rank] = staff.get(rank, 0) + int(count)
    return staff


def _resolve_building(row: Row, ctx: _Context, column: str) -> Building | None:
    ref = row.text("building")
    if ref is None:
        return None
    building = ctx.session.scalar(select(Building).where(Building.code == ref))
    if building is None:
        named = list(ctx.session.scalars(select(Building).where(Building.name == ref).limit(2)))
        building = named[0] if len(named) == 1 else None
    if building is None:
        ctx.error(row, column, RosterCode.UNKNOWN_BUILDING, f"楼栋「{ref}」不存在 (按编码或名称)")
    return building


def _floor_key(name: str | None) -> str:
    text = (name or "").strip().upper().replace("层", "").replace("楼", "")
    if text.startswith("地下"):
        return "B" + text[2:]
    if text.startswith("-"):
        return "B" + text[1:]
    return text.removesuffix("F")


def _resolve_rooms(
    row: Row, building: Building, numbers: list[str], ctx: _Context, floor: str | None = None
) -> list[Room] | None:
    rooms: list[Room] = []
    ok = True
    for number in numbers:
        found = find_rooms(ctx.session, building, number)
        if floor is not None and len(found) > 1:
            found = [r for r in found if _floor_key(r.floor.name) == _floor_key(floor)]
        if not found:
            ok = False
            ctx.error(
                row,
                "房间号",
                RosterCode.UNKNOWN_ROOM,
                f"楼栋「{building.code or building.name}」没有房间 {number} (平面图尚未导入?)",
            )
        elif len(found) > 1:
            ok = False
            _ambiguous_room(row, building, number, found, ctx)
        elif found[0] not in rooms:
            rooms.append(found[0])
    return rooms if ok else None


def _ambiguous_room(
    row: Row, building: Building, number: str, found: list[Room], ctx: _Context
) -> None:
    floors = "、".join(r.floor.name for r in found)
    ctx.error(
        row,
        "房间号",
        RosterCode.AMBIGUOUS_ROOM,
        f"楼栋「{building.code or building.name}」有多个房间 {number} (在 {floors})",
    )


def _plan_people(rows: list[Row], ctx: _Context) -> list[_PersonPlan]:
    keys: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        if row.text("name") and row.text("agency"):
            keys.setdefault((row.text("agency") or "", row.text("name") or ""), []).append(row)
    duplicated: set[int] = set()
    for (agency, name), group in keys.items():
        if len(group) > 1:
            lines = "、".join(str(r.number) for r in group)
            for r in group:
                duplicated.add(r.number)
                ctx.error(
                    r, "姓名", RosterCode.DUPLICATE, f"{agency}「{name}」在第{lines}行重复出现"
                )
    has_rooms = "rooms" in (rows[0].values if rows else {})
    plans = []
    for row in rows:
        errors_before = len(ctx.report.errors)
        name = _text(row, "name", 60, ctx, "姓名")
        agency = row.text("agency")
        rank = None
        if name is None:
            ctx.error(row, "姓名", RosterCode.MISSING, "姓名为空")
        if agency is None:
            ctx.error(row, "单位", RosterCode.MISSING, "单位为空")
        elif ctx.agency_known(row, "单位", agency):
            category = ctx.agency_category[agency]
            raw_rank = row.text("rank")
            rank = normalize_rank(category, raw_rank)
            if rank is None:
                ctx.error(
                    row,
                    "职级",
                    RosterCode.UNKNOWN_RANK if raw_rank else RosterCode.MISSING,
                    f"「{raw_rank or ''}」不是{category}级机关的职级 "
                    f"(可用: {'、'.join(ranks_for(category))})",
                )
        status_raw = row.text("status")
        status = _STATUS.get((status_raw or "在职").lower())
        if status is None:
            ctx.error(row, "在职情况", RosterCode.BAD_VALUE, f"「{status_raw}」应为 在职/退休/调离")
        status_date, _ = _date(row, "status_date", ctx, "状态日期")
        if status in (OccupantStatus.RETIRED, OccupantStatus.TRANSFERRED) and not status_date:
            ctx.report.warning(
                RosterCode.NO_STATUS_DATE,
                f"{row.where('状态日期')}: {status}人员未填日期, 无法计算一个月腾退期限",
                sheet=row.sheet,
                row=row.number,
            )
        concurrent = row.text("concurrent_agency")
        if concurrent is not None:
            ctx.agency_known(row, "兼职单位", concurrent)
        try:
            approved = parse_bool(row.get("concurrent_approved"))
        except ValueError as exc:
            ctx.error(row, "兼职批准", RosterCode.BAD_VALUE, str(exc))
            approved = None
        concurrent_end, _ = _date(row, "concurrent_end", ctx, "兼职终止日期")
        since, _ = _date(row, "since", ctx, "入驻日期")
        position = _text(row, "position", 100, ctx, "职务")
        concurrent_post = _text(row, "concurrent_post", 100, ctx, "兼职职务")
        rooms = _person_rooms(row, ctx) if has_rooms else None
        if len(ctx.report.errors) > errors_before or row.number in duplicated:
            if name and agency:
                ctx.rejected_people[(agency, name)] = row
            continue
        assert name is not None and agency is not None and status is not None
        values: dict[str, Any] = {
            "name": name,
            "rank": rank,
            "status": str(status),
            "status_date": status_date,
        }
        optional = {
            "position": ("position", position),
            "concurrent_post": ("concurrent_post", concurrent_post),
            "concurrent_approved": ("concurrent_approved", bool(approved)),
            "concurrent_end": ("concurrent_end_date", concurrent_end),
        }
        for column, (key, value) in optional.items():
            if column in row.values:
                values[key] = value
        plans.append(
            _PersonPlan(
                row,
                agency,
                values,
                concurrent,
                rooms if has_rooms else None,
                since,
            )
        )
    return plans


def _person_rooms(row: Row, ctx: _Context) -> list[Room]:
    raw = row.text("rooms")
    building_ref = row.text("building")
    if raw is None and building_ref is None:
        return []
    if raw is None:
        ctx.error(row, "房间号", RosterCode.MISSING, "填了楼栋却没有房间号")
        return []
    if building_ref is None:
        ctx.error(row, "楼栋", RosterCode.MISSING, "填了房间号却没有楼栋")
        return []
    building = _resolve_building(row, ctx, "楼栋")
    if building is None:
        return []
    return _resolve_rooms(row, building, split_room_numbers(raw), ctx) or []


def _plan_rooms(rows: list[Row], ctx: _Context) -> list[_RoomPlan]:
    plans: list[_RoomPlan] = []
    for row in rows:
        errors_before = len(ctx.report.errors)
        building = _resolve_building(row, ctx, "楼栋")
        number = _text(row, "number", 40, ctx, "房间号")
        floor = _text(row, "floor", 20, ctx, "楼层")
        if number is None and row.text("number") is None:
            ctx.error(row, "房间号", RosterCode.MISSING, "房间号为空")
        room = None
        if building is not None and number is not None:
            room = _register_room(row, building, number, floor, ctx)
        agency = row.text("agency")
        if agency is not None:
            ctx.agency_known(row, "使用单位", agency)
        values: dict[str, Any] = {}
        status_raw = row.text("status")
        status = None
        if status_raw is not None:
            status = _ROOM_STATUS.get(status_raw.lower())
            if status is None:
                allowed = "/".join(s.value for s in RoomStatus)
                ctx.error(row, "使用状态", RosterCode.BAD_VALUE, f"「{status_raw}」应为 {allowed}")
            else:
                values["status"] = str(status)
        status_date, _ = _date(row, "status_date", ctx, "状态日期")
        if "status_date" in row.values:
            values["status_since"] = status_date
        approved_use = _text(row, "approved_use", 20, ctx, "核定用途")
        if "approved_use" in row.values:
            values["approved_use"] = approved_use
        lease = _lease(row, status, ctx)
        if lease is not None and room is None and building is not None and number is not None:
            ctx.error(
                row,
                "承租方",
                RosterCode.UNKNOWN_ROOM,
                f"房间 {number} 未实测, 不能登记出租(借)合同",
            )
        if len(ctx.report.errors) > errors_before:
            continue
        assert building is not None and number is not None
        plans.append(
            _RoomPlan(
                row,
                building,
                number,
                floor,
                room,
                values,
                agency,
                "agency" in row.values,
                [lease] if lease else [],
            )
        )
    return _merge_contract_rows(plans, ctx)


def _register_room(
    row: Row, building: Building, number: str, floor: str | None, ctx: _Context
) -> Room | None:
    """The surveyed room a register row names; None (with a warning) when there is none."""
    found = find_rooms(ctx.session, building, number)
    if floor is not None and len(found) > 1:
        found = [r for r in found if _floor_key(r.floor.name) == _floor_key(floor)]
    if len(found) > 1:
        _ambiguous_room(row, building, number, found, ctx)
        return None
    if not found:
        ctx.report.warning(
            RosterCode.ROOM_NOT_SURVEYED,
            f"{row.where('房间号')}: 楼栋「{building.code or building.name}」的实测平面图中没有"
            f"房间 {number}, 仅记入房间台账 (账实不符)",
            sheet=row.sheet,
            row=row.number,
        )
        return None
    return found[0]


def _lease(row: Row, status: RoomStatus | None, ctx: _Context) -> dict[str, Any] | None:
    """The contract of a row (出租/出借 or use by another party), checked; None without one."""
    counterparty = _text(row, "counterparty", 200, ctx, "承租方")
    start, start_ok = _date(row, "contract_start", ctx, "合同起始日期")
    end, end_ok = _date(row, "contract_end", ctx, "合同到期日期")
    approval = _text(row, "approval_ref", 100, ctx, "批准文号")
    kind_raw = row.text("counterparty_kind")
    if counterparty is None:
        if row.text("counterparty") is None and (start or end or approval or kind_raw):
            ctx.error(row, "承租方", RosterCode.MISSING, "填了合同信息却没有承租方(借用方)")
        return None
    if start is None and start_ok:
        ctx.error(row, "合同起始日期", RosterCode.MISSING, "有承租方(借用方)却没有合同起始日期")
    if start and end and end < start:
        ctx.error(row, "合同到期日期", RosterCode.BAD_VALUE, "合同到期日期早于起始日期")
    kind: CounterpartyKind | None = None
    if kind_raw is not None:
        kind = _COUNTERPARTY_KIND.get(kind_raw.lower())
        if kind is None:
            allowed = "/".join(k.value for k in CounterpartyKind)
            ctx.error(row, "承租方性质", RosterCode.BAD_VALUE, f"「{kind_raw}」应为 {allowed}")
    elif any(word in counterparty for word in _ENTERPRISE_WORDS):
        kind = CounterpartyKind.ENTERPRISE
        ctx.report.note(
            RosterCode.COUNTERPARTY_KIND_FROM_NAME,
            f"{row.where('承租方性质')}: 未填, 按名称「{counterparty}」取「企业」",
            sheet=row.sheet,
            row=row.number,
        )
    if start is None or not end_ok:
        return None
    leased = status in (RoomStatus.LEASED_OUT, RoomStatus.LENT_OUT)
    return {
        "kind": str(status) if leased else None,
        "counterparty": counterparty,
        "counterparty_kind": str(kind) if kind else None,
        "start_date": start,
        "end_date": end,
        "approval_ref": approval,
    }


def _merge_contract_rows(plans: list[_RoomPlan], ctx: _Context) -> list[_RoomPlan]:
    """One plan per room. Repeated rows of a room are its contract history: each must name a
    contract of its own start date; the latest contract's row sets the room's values."""
    groups: dict[tuple[Any, ...], list[_RoomPlan]] = {}
    for plan in plans:
        key = (
            ("room", plan.room.id)
            if plan.room is not None
            else ("ledger", plan.building.id, _floor_key(plan.floor), plan.number)
        )
        groups.setdefault(key, []).append(plan)
    merged = []
    for group in groups.values():
        starts = [p.leases[0]["start_date"] if p.leases else None for p in group]
        if len(group) > 1 and (None in starts or len(set(starts)) < len(starts)):
            first = group[0]
            for plan in group[1:]:
                ctx.error(
                    plan.row,
                    "房间号",
                    RosterCode.DUPLICATE,
                    f"房间 {plan.number} 与第{first.row.number}行重复 "
                    "(同一房间多行须各有不同合同起始日期的合同)",
                )
            continue
        group.sort(key=lambda p: p.leases[0]["start_date"] if p.leases else dt.date.min)
        latest = group[-1]
        latest.leases = [lease for p in group for lease in p.leases]
        merged.append(latest)
    return merged


def _plan_history(
    rows: list[Row], ctx: _Context, people: dict[tuple[str, str], _PersonPlan]
) -> list[_HistoryPlan]:
    plans = []
    for row in rows:
        errors_before = len(ctx.report.errors)
        key = (row.text("agency") or "", row.text("name") or "")
        if key in ctx.rejected_people:
            ctx.error(
                row,
                "姓名",
                RosterCode.DEPENDS_ON_BAD_ROW,
                f"{key[1]}所在的{ctx.rejected_people[key].where()}有误, 本行随之不导入",
            )
        elif key not in people and _stored_person(ctx.session, *key) is None:
            ctx.error(
                row,
                "姓名",
                RosterCode.UNKNOWN_PERSON,
                f"{key[0]}「{key[1]}」不在人员表中, 数据库中也没有",
            )
        valid_from, from_ok = _date(row, "valid_from", ctx, "起始日期")
        valid_to, to_ok = _date(row, "valid_to", ctx, "终止日期")
        if valid_from is None and from_ok:
            ctx.error(row, "起始日期", RosterCode.MISSING, "起始日期为空")
        if valid_to is None and to_ok:
            ctx.error(row, "终止日期", RosterCode.MISSING, "终止日期为空 (当前的入驻写在人员表中)")
        if valid_from and valid_to and valid_to < valid_from:
            ctx.error(row, "终止日期", RosterCode.BAD_VALUE, "终止日期早于起始日期")
        rooms: list[Room] | None = None
        building = _resolve_building(row, ctx, "楼栋")
        if building is not None:
            rooms = _resolve_rooms(row, building, split_room_numbers(row.text("rooms") or ""), ctx)
        if len(ctx.report.errors) > errors_before or not rooms:
            continue
        assert valid_from is not None and valid_to is not None
        plans.append(_HistoryPlan(row, key, rooms, valid_from, valid_to))
    return plans


def _stored_person(session: Session, agency: str, name: str) -> Person | None:
    return session.scalar(
        select(Person)
        .join(Agency, Person.agency_id == Agency.id)
        .where(Agency.name == agency, Person.name == name)
    )


# -- the import ------------------------------------------------------------------------------


def import_roster(
    session: Session,
    path: Path,
    *,
    actor: str,
    partial: bool = False,
    today: dt.date | None = None,
) -> RosterImport:
    """Check every sheet of a roster, then write it when clean (or the good rows if partial)."""
    today = today or dt.date.today()
    report = ImportReport()
    tables = _read_tables(path, report)
    records: dict[str, list[Row]] = {}
    columns = {
        "单位": AGENCY_COLUMNS,
        "人员": PERSON_COLUMNS,
        "房间": ROOM_COLUMNS,
        "入驻记录": HISTORY_COLUMNS,
    }
    for kind, spec in columns.items():
        if kind in tables:
            rows, extra = tables[kind].records(spec)
            records[kind] = rows
            ignored = [
                h
                for h in extra.values()
                if kind != "单位" or not _STAFF_HEADER.match(normalize_header(h))
            ]
            if ignored:
                report.warning(
                    RosterCode.IGNORED_COLUMN,
                    f"{kind}表中未识别的列已忽略: {'、'.join(ignored)}",
                )
    ctx = _Context(session, report)
    agencies = _plan_agencies(records.get("单位", []), ctx)
    rooms = _plan_rooms(records.get("房间", []), ctx)
    people = _plan_people(records.get("人员", []), ctx)
    people_by_key = {(p.agency, p.values["name"]): p for p in people}
    history = _plan_history(records.get("入驻记录", []), ctx, people_by_key)
    total_rows = sum(len(rows) for rows in records.values())

    tally = Tally()
    if report.has_errors and not partial:
        return RosterImport(report, tally, total_rows, written=False)
    savepoint = session.begin_nested()
    try:
        _write(session, actor, today, tally, report, agencies, rooms, people, history)
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        report.error(RosterCode.CONFLICT, f"与数据库中已有数据冲突, 未写入: {reason}")
        return RosterImport(report, Tally(), total_rows, written=False)
    savepoint.commit()
    return RosterImport(report, tally, total_rows, written=True)


def _write(
    session: Session,
    actor: str,
    today: dt.date,
    tally: Tally,
    report: ImportReport,
    agencies: list[_AgencyPlan],
    rooms: list[_RoomPlan],
    people: list[_PersonPlan],
    history: list[_HistoryPlan],
) -> None:
    by_name: dict[str, Agency] = {}

    def agency_named(name: str) -> Agency:
        if name not in by_name:
            found = session.scalar(select(Agency).where(Agency.name == name))
            assert found is not None, name
            by_name[name] = found
        return by_name[name]

    for plan in agencies:
        row, _ = save(
            session, Agency, plan.existing, plan.values, actor=actor, entity="agency", tally=tally
        )
        by_name[row.name] = row
    for plan in agencies:
        parent_id = agency_named(plan.parent).id if plan.parent else None
        save(
            session,
            Agency,
            by_name[plan.values["name"]],
            {"parent_id": parent_id},
            actor=actor,
            entity="agency",
        )

    for plan in rooms:
        agency_id = agency_named(plan.agency).id if plan.agency else None
        values = dict(plan.values)
        if plan.sets_agency:
            values["agency_id"] = agency_id
        if plan.room is not None:
            save(session, Room, plan.room, values, actor=actor, entity="room", tally=tally)
        _write_register(session, plan, agency_id, actor, tally)

    stored: dict[tuple[str, str], Person] = {}
    for plan in people:
        agency = agency_named(plan.agency)
        existing = session.scalar(
            select(Person).where(Person.agency_id == agency.id, Person.name == plan.values["name"])
        )
        values = dict(plan.values)
        values["agency_id"] = agency.id
        values["province_code"] = agency.province_code
        if plan.concurrent_agency is not None or "concurrent_agency" in plan.row.values:
            concurrent = plan.concurrent_agency
            values["concurrent_agency_id"] = agency_named(concurrent).id if concurrent else None
        person, _ = save(
            session, Person, existing, values, actor=actor, entity="person", tally=tally
        )
        stored[(plan.agency, person.name)] = person
        if plan.rooms is not None:
            _sync_occupancy(session, person, plan, actor, today, tally, report)

    for plan in history:
        person = stored.get(plan.person_key) or _stored_person(session, *plan.person_key)
        assert person is not None
        for room in plan.rooms:
            existing = session.scalar(
                select(Occupancy).where(
                    Occupancy.person_id == person.id,
                    Occupancy.room_id == room.id,
                    Occupancy.valid_from == plan.valid_from,
                )
            )
            if existing is None:
                start_occupancy(
                    session,
                    person,
                    room,
                    plan.valid_from,
                    actor=actor,
                    tally=tally,
                    until=plan.valid_to,
                )
            else:
                save(
                    session,
                    Occupancy,
                    existing,
                    {"valid_to": plan.valid_to},
                    actor=actor,
                    entity="occupancy",
                    tally=tally,
                )


def _write_register(
    session: Session, plan: _RoomPlan, agency_id: int | None, actor: str, tally: Tally
) -> None:
    """The row as a register entry, and its contracts (keyed by room and start date)."""
    floor = plan.floor
    query = select(RoomLedgerEntry).where(
        RoomLedgerEntry.building_id == plan.building.id, RoomLedgerEntry.number == plan.number
    )
    query = query.where(
        RoomLedgerEntry.floor_name.is_(None)
        if floor is None
        else RoomLedgerEntry.floor_name == floor
    )
    entry = {
        "building_id": plan.building.id,
        "floor_name": floor,
        "number": plan.number,
        "room_id": plan.room.id if plan.room is not None else None,
        "province_code": plan.building.province_code,
    }
    if plan.sets_agency:
        entry["agency_id"] = agency_id
    if "status" in plan.values:
        entry["status"] = plan.values["status"]
    save(
        session,
        RoomLedgerEntry,
        session.scalar(query),
        entry,
        actor=actor,
        entity="room_ledger",
        tally=tally,
    )
    if plan.room is None:
        return
    for lease in plan.leases:
        existing = session.scalar(
            select(RoomLease).where(
                RoomLease.room_id == plan.room.id, RoomLease.start_date == lease["start_date"]
            )
        )
        values = lease | {"room_id": plan.room.id, "province_code": plan.room.province_code}
        save(session, RoomLease, existing, values, actor=actor, entity="room_lease", tally=tally)


def _sync_occupancy(
    session: Session,
    person: Person,
    plan: _PersonPlan,
    actor: str,
    today: dt.date,
    tally: Tally,
    report: ImportReport,
) -> None:
    """Make the person's open occupancies the rooms the roster names, ending the others."""
    assert plan.rooms is not None
    wanted = {room.id: room for room in plan.rooms}
    current = open_occupancies(session, person)
    held = {occ.room_id for occ in current}
    start = plan.since or today
    for occ in current:
        if occ.room_id in wanted:
            if plan.since is not None and occ.valid_from != plan.since:
                save(
                    session,
                    Occupancy,
                    occ,
                    {"valid_from": plan.since},
                    actor=actor,
                    entity="occupancy",
                    tally=tally,
                )
            continue
        if wanted:
            reason = "搬迁"
        elif person.status == OccupantStatus.RETIRED:
            reason = "退休"
        elif person.status == OccupantStatus.TRANSFERRED:
            reason = "调离"
        else:
            reason = "腾退"
        end_occupancy(session, occ, start, reason, actor=actor, tally=tally)
        report.note(
            RosterCode.OCCUPANCY_ENDED,
            f"{plan.row.where()}: {person.name} 不再使用房间 (记录 {occ.id}), 原因: {reason}",
            sheet=plan.row.sheet,
            row=plan.row.number,
        )
    for room_id, room in wanted.items():
        if room_id not in held:
            start_occupancy(session, person, room, start, actor=actor, tally=tally)
