"""Messages of the map pages added with the room list, findings on the room card, survey
versions, map indicators, clusters and vector tiles; merged into :mod:`web.i18n`."""

from __future__ import annotations

__all__ = ["MAP_MESSAGES", "MAP_SHARED_WITH_SCRIPTS"]

_M = {
    # room list and room card
    "room_list": ("本层房间", "Rooms on this floor"),
    "room_findings": ("问题与依据", "Findings and evidence"),
    "survey_versions": ("测绘版本", "Survey versions"),
    "survey_batch": ("测绘批次", "Survey batch"),
    "confirmed_on": ("确认日期", "Confirmed on"),
    "findings_stored": ("分析批次 {run} 的结果（{date}，标准 {standard}）",
                        "From analysis run {run} ({date}, standard {standard})"),
    "findings_computed": ("未保存分析结果，按本房间单位即时计算（{date}，标准 {standard}）",
                          "No stored analysis: computed now for this room's agency "
                          "({date}, standard {standard})"),
    "findings_none": ("无法分析：房间没有所属行政区划", "Cannot be analysed: no region"),
    "no_findings": ("未发现问题", "No findings"),
    "finding_about_person": ("使用人 {name}", "occupant {name}"),
    "area_m2": ("面积", "Area"),
    "limit_m2": ("标准", "Limit"),
    "excess_m2": ("超出", "Excess"),
    "standard_version": ("标准版本", "Standard"),
    "evidence_rooms": ("涉及房间", "Rooms concerned"),
    "all_figures": ("全部数据", "All figures"),
    "severity.violation": ("违规", "violation"),
    "severity.warning": ("提示", "warning"),
    "severity.data": ("数据问题", "data issue"),
    # map indicators, clusters, tiles
    "indicator": ("着色指标", "Colour by"),
    "indicator.none": ("不着色", "None"),
    "indicator.idle_share": ("闲置面积占比", "Idle share of area"),
    "indicator.over_standard": ("超标面积", "Over-standard area"),
    "indicator.occupancy": ("办公室使用率", "Office occupancy"),
    "indicator_no_data": ("无数据", "no data"),
    "map_clusters_hint": ("缩小时按省、市、区县汇总显示（数字为院落数），再放大按院落汇总"
                          "（数字为楼栋数），最后显示楼栋轮廓。",
                          "Zoomed out, compounds are summed by province, city or county "
                          "(numbers are compounds), then by compound (numbers are buildings); "
                          "zoom in for the outlines."),
    "map_rooms_click_hint": ("房间可悬停查看编号、用途和面积，点击查看房间卡片。",
                             "Hover a room for its number, use and area; click for its card."),
    "map_rooms_hint": ("放大到 {zoom} 级以上显示各楼首层房间（矢量瓦片）。",
                       "From zoom {zoom} the ground-floor rooms appear (vector tiles)."),
    "err.bad_indicator": ("indicator 参数只能是 {allowed}（收到 {value}）",
                          "indicator must be one of {allowed} (got {value})"),
    "err.bad_cell": ("cell 参数必须是 {minimum} 到 {maximum} 之间的度数（收到 {value}）",
                     "cell must be degrees from {minimum} to {maximum} (got {value})"),
    "err.bad_zoom": ("zoom 参数必须是 0 到 {maximum} 之间的整数（收到 {value}）",
                     "zoom must be a whole number from 0 to {maximum} (got {value})"),
    "err.tile_out_of_range": ("瓦片 {z}/{x}/{y} 不存在（级别 {min_zoom}–{max_zoom}）",
                              "no tile {z}/{x}/{y} (zoom {min_zoom}–{max_zoom})"),
    "err.bad_ordinal": ("ordinal 参数必须是楼层序号（整数，收到 {value}）",
                        "ordinal must be a floor number (an integer, got {value})"),
    # dashboard
    "chart_idle": ("各单位闲置面积", "Idle area by agency"),
    "chart_excess": ("各单位超标面积", "Excess area by agency"),
    "chart_severity": ("问题按性质", "Findings by severity"),
    "findings_source_stored": ("问题来自分析批次 {run}（{date}）",
                               "Findings from analysis run {run} ({date})"),
    "findings_source_computed": ("问题为即时计算（{date}），未保存",
                                 "Findings computed now ({date})"),
    # scripts only
    "js.compound_count": ("{count} 个院落", "{count} compounds"),
    "js.building_count": ("{count} 栋楼", "{count} buildings"),
    "js.shown_regions": ("当前视图：{regions} 个{level}级行政区划，"
                         "{compounds} 个院落（按行政区划汇总）",
                         "In view: {regions} regions at {level}, {compounds} compounds "
                         "(by region)"),
    "js.level.省": ("省", "province level"),
    "js.level.市": ("市", "city level"),
    "js.level.县": ("区县", "county level"),
    "js.region_unknown": ("未定行政区划 {code}", "Region {code}"),
    "js.zoom_into_region": ("点击放大到该行政区划", "Click to zoom into this region"),
    "js.room_card_link": ("打开房间卡片", "Open room card"),
    "js.room_on_plan": ("在楼层平面图中查看", "Show on the floor plan"),
    "js.shown_clusters": ("当前视图：{compounds} 个院落（按院落汇总）",
                          "In view: {compounds} compounds (aggregated)"),
    "js.chart_idle": ("闲置 m²", "Idle m²"),
    "js.chart_excess": ("超标 m²", "Excess m²"),
}  # fmt: skip

MAP_MESSAGES: dict[str, dict[str, str]] = {
    key: {"zh": zh, "en": en} for key, (zh, en) in _M.items()
}

MAP_SHARED_WITH_SCRIPTS: tuple[str, ...] = (
    "rule",
    "room_findings",
    "survey_versions",
    "survey_batch",
    "no_findings",
    "findings_stored",
    "findings_computed",
    "findings_none",
    "finding_about_person",
    "area_m2",
    "limit_m2",
    "excess_m2",
    "standard_version",
    "evidence_rooms",
    "severity.violation",
    "severity.warning",
    "severity.data",
    "indicator_no_data",
)
"""Page messages the floor plan's room card and the map's legend also need in the scripts."""
