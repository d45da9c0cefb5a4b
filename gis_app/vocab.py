"""Controlled vocabularies shared by the kernel, the importers and the geometry core.

The values are the Chinese terms used in the official forms (see ``shared/domain/standards.md``),
so they can be stored and exported as they are. English labels live in the web layer's messages.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AgencyCategory",
    "BuildingUse",
    "CounterpartyKind",
    "OccupantStatus",
    "RegionLevel",
    "RoomStatus",
    "RoomUse",
    "ROOM_SUBTYPES",
    "SurveyStatus",
    "Tenure",
    "TitleException",
]


class AgencyCategory(StrEnum):
    """The five agency categories of the 2014 standard (表1)."""

    CENTRAL = "中央"
    PROVINCE = "省"
    CITY = "市"
    COUNTY = "县"
    TOWNSHIP = "乡"


class RegionLevel(StrEnum):
    """Levels of the administrative-division tree (GB/T 2260 + 12-digit statistical codes)."""

    PROVINCE = "省"
    CITY = "市"
    COUNTY = "县"
    TOWNSHIP = "乡"
    VILLAGE = "村"


class RoomUse(StrEnum):
    """Room use categories of the 2014 standard (表2) plus the spaces outside basic office area."""

    OFFICE = "办公室"
    SERVICE = "服务用房"
    EQUIPMENT = "设备用房"
    ANCILLARY = "附属用房"
    TECHNICAL = "技术业务用房"
    CIRCULATION = "公共交通"


ROOM_SUBTYPES: dict[RoomUse, tuple[str, ...]] = {
    RoomUse.OFFICE: ("领导办公室", "一般办公室"),
    RoomUse.SERVICE: (
        "会议室",
        "接待室",
        "档案室",
        "图书资料室",
        "机关信息网络用房",
        "机要保密室",
        "文印室",
        "收发室",
        "医务室",
        "值班室",
        "储藏室",
        "物业及工勤人员用房",
        "开水间",
        "卫生间",
        "休息室",
    ),
    RoomUse.EQUIPMENT: (
        "变配电室",
        "水泵房",
        "水箱间",
        "中水处理间",
        "锅炉房",
        "空调机房",
        "通信机房",
        "电梯机房",
        "弱电机房",
    ),
    RoomUse.ANCILLARY: ("食堂", "停车库", "警卫用房", "人防设施"),
    RoomUse.TECHNICAL: ("技术业务用房",),
    RoomUse.CIRCULATION: ("门厅", "走廊", "楼梯间", "电梯厅", "电梯井", "管道井"),
}
"""Subtypes per use category. 休息室 and 卫生间 inside a leader's suite are counted in the
leader's limit by the checker; as rooms they belong to the service group."""


class RoomStatus(StrEnum):
    """Use status of a room (使用状态)."""

    IN_USE = "在用"
    IDLE = "闲置"
    LEASED_OUT = "出租"
    LENT_OUT = "出借"
    OCCUPIED_BY_OTHERS = "被占用"
    UNDER_REPAIR = "维修"


class OccupantStatus(StrEnum):
    """Employment status of a person (在职情况)."""

    SERVING = "在职"
    RETIRED = "退休"
    TRANSFERRED = "调离"


class BuildingUse(StrEnum):
    """Building use class (建筑物分类)."""

    OFFICE = "办公"
    TECHNICAL = "技术业务"
    ANCILLARY = "附属"


class Tenure(StrEnum):
    """How the agency holds a building."""

    OWNED = "自有"
    LEASED = "租用"
    BORROWED = "借用"


class SurveyStatus(StrEnum):
    """Life cycle of a survey batch: a draft goes live only when confirmed."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class TitleException(StrEnum):
    """Why a title may be registered other than to the 机关事务管理部门 (管理办法 Art. 5)."""

    VERTICAL = "垂管"
    DISPATCHED = "派出"
    CIVIL_SERVICE_MANAGED = "参公"
    CLASSIFIED = "涉密"
    FILED = "备案"
    """权属备案: records lost or title unclear; the filing stands in for the certificate."""


class CounterpartyKind(StrEnum):
    """Who holds a leased or lent room: enterprises and non-budget units must be cleared out."""

    ENTERPRISE = "企业"
    NON_BUDGET = "非预算单位"
    PUBLIC_BODY = "机关事业单位"
    INDIVIDUAL = "个人"
    OTHER = "其他"


USER_ROLES: dict[str, str] = {
    "surveyor": "测绘人员",
    "agency_manager": "使用单位管理员",
    "bureau_manager": "机关事务管理局",
    "planner": "规划调剂人员",
    "admin": "系统管理员",
}
"""Login roles and their Chinese names (a role is always held within a jurisdiction)."""
