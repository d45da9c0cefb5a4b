"""The UI's message catalogue: zh-CN first, English switchable with ``?lang=`` and a cookie.

Every text the UI shows comes from :data:`MESSAGES` (templates call ``_("key")``, scripts get
the ``js.*`` messages as JSON). Stored vocabulary values (办公室, 闲置 ...) are Chinese data;
:func:`vocab` shows them in English when English is chosen.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask import Response
from flask import g
from flask import request
from werkzeug.exceptions import BadRequest

from web.i18n_map import MAP_MESSAGES
from web.i18n_map import MAP_SHARED_WITH_SCRIPTS
from web.i18n_work import WORK_MESSAGES

__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "VOCAB_EN",
    "current_language",
    "init_app",
    "js_messages",
    "translate",
    "vocab",
]

LOGGER = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
COOKIE = "lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

MESSAGES: dict[str, dict[str, str]] = {
    "app_title": {"zh": "办公用房一张图", "en": "Office Space GIS"},
    "nav_map": {"zh": "地图", "en": "Map"},
    "language": {"zh": "语言", "en": "Language"},
    "map_page_title": {"zh": "院落与楼栋分布", "en": "Compounds and buildings"},
    "map_no_data": {
        "zh": "暂无院落或楼栋数据，请先导入院落和楼栋轮廓。",
        "en": "No compounds or buildings yet: import their outlines first.",
    },
    "legend": {"zh": "图例", "en": "Legend"},
    "compound": {"zh": "院落", "en": "Compound"},
    "building": {"zh": "楼栋", "en": "Building"},
    "floor": {"zh": "楼层", "en": "Floor"},
    "room": {"zh": "房间", "en": "Room"},
    "floors": {"zh": "楼层", "en": "Floors"},
    "floors_above": {"zh": "地上层数", "en": "Floors above ground"},
    "floors_below": {"zh": "地下层数", "en": "Floors below ground"},
    "use_class": {"zh": "建筑用途", "en": "Building use"},
    "tenure": {"zh": "权属", "en": "Tenure"},
    "year_built": {"zh": "建成年份", "en": "Year built"},
    "address": {"zh": "地址", "en": "Address"},
    "high_rise": {"zh": "高层", "en": "High-rise"},
    "total_usable_area": {"zh": "已导入使用面积", "en": "Usable area imported"},
    "no_plan": {"zh": "未导入平面图", "en": "No floor plan imported"},
    "placement_none": {"zh": "未配准，未上图", "en": "Not georeferenced: not on the map"},
    "placement_outside": {
        "zh": "与楼栋轮廓不符：仅 {share}% 在轮廓内",
        "en": "Does not fit the footprint: only {share}% inside",
    },
    "placement_no_footprint": {
        "zh": "楼栋无基底轮廓，无法核对位置",
        "en": "The building has no footprint to check the placement against",
    },
    "building_no_plans": {
        "zh": "该楼栋尚未导入任何楼层平面图。",
        "en": "No floor plan of this building has been imported yet.",
    },
    "floor_no_plan": {
        "zh": "该楼层未导入平面图。",
        "en": "This floor has no floor plan imported.",
    },
    "colour_by": {"zh": "着色", "en": "Colour by"},
    "by_use": {"zh": "按用途", "en": "By use"},
    "by_status": {"zh": "按状态", "en": "By status"},
    "rooms_count": {"zh": "{count} 间", "en": "{count} rooms"},
    "number": {"zh": "房间号", "en": "Number"},
    "name": {"zh": "名称", "en": "Name"},
    "use_category": {"zh": "用途", "en": "Use"},
    "use_subtype": {"zh": "细类", "en": "Subtype"},
    "approved_use": {"zh": "核定用途", "en": "Approved use"},
    "status": {"zh": "使用状态", "en": "Status"},
    "status_since": {"zh": "状态起始", "en": "Status since"},
    "usable_area": {"zh": "使用面积", "en": "Usable area"},
    "area_rule": {"zh": "面积计算规则", "en": "Area rule"},
    "deductions": {"zh": "扣减面积", "en": "Deductions"},
    "agency": {"zh": "使用单位", "en": "Agency"},
    "occupants": {"zh": "现使用人", "en": "Current occupants"},
    "person": {"zh": "人员", "en": "Person"},
    "position": {"zh": "职务", "en": "Position"},
    "rank": {"zh": "职级", "en": "Rank"},
    "history": {"zh": "使用记录", "en": "Occupancy history"},
    "valid_from": {"zh": "起", "en": "From"},
    "valid_to": {"zh": "止", "en": "To"},
    "until_now": {"zh": "至今", "en": "now"},
    "none": {"zh": "无", "en": "none"},
    "unknown": {"zh": "未识别", "en": "not recognised"},
    "retired_room": {"zh": "该房间已在新测绘中撤销", "en": "Retired by a newer survey"},
    "label_raw": {"zh": "图纸标注", "en": "Label in the drawing"},
    "open_floor_plan": {"zh": "在平面图中查看", "en": "Show on the floor plan"},
    "back_to_map": {"zh": "返回地图", "en": "Back to the map"},
    "square_metres": {"zh": "m²", "en": "m²"},
    "error_title": {"zh": "出错了", "en": "Something went wrong"},
    "error_400": {"zh": "请求参数有误", "en": "Bad request"},
    "error_404": {"zh": "页面或数据不存在", "en": "Not found"},
    "error_500": {"zh": "服务器内部错误", "en": "Internal server error"},
    "error_not_found_detail": {
        "zh": "您访问的页面不存在，或数据已被删除。",
        "en": "The page does not exist or its data was removed.",
    },
    "error_internal_detail": {
        "zh": "处理请求时发生内部错误，已记录日志。",
        "en": "An internal error occurred and was logged.",
    },
    # layer and parameter errors (codes raised by layers/ and the views)
    "err.bbox_not_four_numbers": {
        "zh": "bbox 参数必须是 4 个数字：最小经度,最小纬度,最大经度,最大纬度（收到 {value}）",
        "en": "bbox must be 4 numbers minx,miny,maxx,maxy (got {value})",
    },
    "err.bbox_inverted": {
        "zh": "bbox 参数的最小值大于最大值（收到 {value}）",
        "en": "bbox minimum is above its maximum (got {value})",
    },
    "err.bad_limit": {
        "zh": "limit 参数必须是 1 到 {maximum} 之间的整数（收到 {value}）",
        "en": "limit must be a whole number from 1 to {maximum} (got {value})",
    },
    "err.bad_frame": {
        "zh": "frame 参数只能是 plan（平面坐标，米）或 map（经纬度）（收到 {value}）",
        "en": "frame must be plan (metres) or map (lon/lat) (got {value})",
    },
    "err.bad_integer": {
        "zh": "{name} 参数必须是正整数（收到 {value}）",
        "en": "{name} must be a positive whole number (got {value})",
    },
    "err.bad_lang": {
        "zh": "lang 参数只能是 zh 或 en（收到 {value}）",
        "en": "lang must be zh or en (got {value})",
    },
    "err.plan_frame_needs_floor": {
        "zh": "平面坐标的房间查询必须指定楼层（floor 参数）",
        "en": "rooms in the plan frame need a floor (floor parameter)",
    },
    "err.rooms_need_floor_or_bbox": {
        "zh": "房间查询必须指定楼层（floor）或范围（bbox）",
        "en": "rooms need a floor or a bbox",
    },
    "err.layer_not_found": {"zh": "图层 {name} 不存在", "en": "no layer named {name}"},
    "err.floor_not_found": {"zh": "楼层 {id} 不存在", "en": "floor {id} does not exist"},
    "err.floor_not_in_building": {
        "zh": "楼层 {id} 不属于该楼栋",
        "en": "floor {id} is not in this building",
    },
    "err.building_not_found": {"zh": "楼栋 {id} 不存在", "en": "building {id} does not exist"},
    "err.room_not_found": {"zh": "房间 {id} 不存在", "en": "room {id} does not exist"},
    # messages the scripts use
    "js.loading": {"zh": "正在加载…", "en": "Loading…"},
    "js.load_failed": {"zh": "数据加载失败", "en": "Could not load the data"},
    "js.truncated": {
        "zh": "要素过多，仅显示前 {count} 个，请放大地图",
        "en": "Too many features: showing the first {count}; zoom in",
    },
    "js.shown": {
        "zh": "当前视图：{compounds} 个院落，{buildings} 栋楼",
        "en": "In view: {compounds} compounds, {buildings} buildings",
    },
    "js.building_floors": {
        "zh": "地上 {above} 层，地下 {below} 层",
        "en": "{above} floors above, {below} below ground",
    },
    "js.plan_floors": {"zh": "已导入平面图 {count} 层", "en": "{count} floor plans imported"},
    "js.open_building": {"zh": "查看楼栋平面图", "en": "Open the building"},
    "js.room_details": {"zh": "房间详情页", "en": "Room page"},
    "js.click_room": {
        "zh": "点击房间查看详情",
        "en": "Click a room for its card",
    },
    "js.floor_summary": {
        "zh": "{count} 个房间，使用面积 {area} m²",
        "en": "{count} rooms, {area} m² usable",
    },
}
"""key -> {language -> text}; ``{name}`` placeholders are filled by :func:`translate`."""
MESSAGES.update(WORK_MESSAGES)
MESSAGES.update(MAP_MESSAGES)

VOCAB_EN: dict[str, str] = {
    # room use categories and subtypes (2014 standard, 表2)
    "办公室": "Office",
    "服务用房": "Service room",
    "设备用房": "Equipment room",
    "附属用房": "Ancillary room",
    "技术业务用房": "Technical room",
    "公共交通": "Circulation",
    "领导办公室": "Leader's office",
    "一般办公室": "General office",
    "会议室": "Meeting room",
    "接待室": "Reception room",
    "档案室": "Archive",
    "图书资料室": "Library",
    "机关信息网络用房": "Network room",
    "机要保密室": "Secure room",
    "文印室": "Print room",
    "收发室": "Mail room",
    "医务室": "First-aid room",
    "值班室": "Duty room",
    "储藏室": "Storeroom",
    "物业及工勤人员用房": "Facility staff room",
    "开水间": "Water room",
    "卫生间": "Toilet",
    "休息室": "Rest room",
    "变配电室": "Substation",
    "水泵房": "Pump room",
    "水箱间": "Water tank room",
    "中水处理间": "Grey-water room",
    "锅炉房": "Boiler room",
    "空调机房": "HVAC plant room",
    "通信机房": "Telecom room",
    "电梯机房": "Lift machine room",
    "弱电机房": "Low-voltage room",
    "食堂": "Canteen",
    "停车库": "Car park",
    "警卫用房": "Guard room",
    "人防设施": "Civil-defence shelter",
    "门厅": "Lobby",
    "走廊": "Corridor",
    "楼梯间": "Stairwell",
    "电梯厅": "Lift lobby",
    "电梯井": "Lift shaft",
    "管道井": "Service shaft",
    # room status
    "在用": "In use",
    "闲置": "Idle",
    "出租": "Leased out",
    "出借": "Lent out",
    "被占用": "Occupied by others",
    "维修": "Under repair",
    "超标": "Over standard",  # shown on floor plans, from findings (layers.styles)
    # person status
    "在职": "Serving",
    "退休": "Retired",
    "调离": "Transferred",
    # building use and tenure
    "办公": "Office",
    "技术业务": "Technical",
    "附属": "Ancillary",
    "自有": "Owned",
    "租用": "Leased",
    "借用": "Borrowed",
}
"""English labels of the stored Chinese vocabulary (gis_app.vocab)."""


SHARED_WITH_SCRIPTS: tuple[str, ...] = (
    "usable_area",
    "agency",
    "occupants",
    "use_category",
    "status",
    "number",
    "rank",
    "position",
    "history",
    "until_now",
    "none",
    "unknown",
    "area_rule",
    "name",
    "use_subtype",
    "square_metres",
    "valid_from",
    "valid_to",
    "status_since",
    *MAP_SHARED_WITH_SCRIPTS,
)
"""Page messages the scripts also need (hover and room card labels)."""


def current_language() -> str:
    return getattr(g, "lang", None) or "zh"


def translate(key: str, **params: Any) -> str:
    """The message ``key`` in the request's language with ``params`` filled in."""
    entry = MESSAGES.get(key)
    if entry is None:
        LOGGER.warning("missing message %r", key)
        return key
    text = entry[current_language()]
    return text.format(**params) if params else text


def msg(prefix: str, value: str) -> str:
    """A message whose key ends in a stored value (``msg("batch.", status)``)."""
    return translate(f"{prefix}{value}")


def vocab(value: str | None) -> str:
    """A stored vocabulary value as shown to the user (unknown when empty)."""
    if not value:
        return translate("unknown")
    if current_language() == "en":
        return VOCAB_EN.get(value, value)
    return value


def js_messages() -> dict[str, Any]:
    """What the page scripts need: their messages and the vocabulary labels."""
    lang = current_language()
    messages = {key[3:]: entry[lang] for key, entry in MESSAGES.items() if key.startswith("js.")}
    for key in SHARED_WITH_SCRIPTS:
        messages[key] = MESSAGES[key][lang]
    return {"lang": lang, "messages": messages, "vocab": VOCAB_EN if lang == "en" else {}}


def lang_url(lang: str) -> str:
    """This page's URL with ``lang`` switched (other query parameters kept)."""
    args = request.args.to_dict()
    args["lang"] = lang
    return f"{request.path}?{urlencode(args)}"


def _choose_language(default: str) -> None:
    """``?lang=`` wins (and is remembered in a cookie), then the cookie, then the default."""
    cookie = request.cookies.get(COOKIE)
    g.lang = cookie if cookie in LANGUAGES else default
    asked = request.args.get("lang")
    if asked is None:
        return
    if asked not in LANGUAGES:
        raise BadRequest(translate("err.bad_lang", value=asked))
    g.lang = asked
    g.remember_lang = asked


def _remember_language(response: Response) -> Response:
    remember = getattr(g, "remember_lang", None)
    if remember is not None:
        response.set_cookie(COOKIE, remember, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def init_app(app: Flask, default_language: str) -> None:
    """Pick the language per request and expose ``_``, ``vocab`` and ``html_lang`` to templates."""
    app.before_request(lambda: _choose_language(default_language))
    app.after_request(_remember_language)
    app.jinja_env.globals.update(
        _=translate, msg=msg, vocab=vocab, js_messages=js_messages, lang_url=lang_url
    )
    app.context_processor(
        lambda: {"lang": current_language(), "html_lang": HTML_LANG[current_language()]}
    )
