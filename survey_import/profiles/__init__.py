"""Layer-mapping profiles: which layers of a delivery hold rooms and which hold their labels.

A profile is a small TOML file (``room_layers`` and ``label_layers``: lists of case-insensitive
globs). Shipped profiles live next to this module; a path to any ``.toml`` file works too, so an
office can keep the conventions of its own surveyors without changing the code.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gis_app.report import ImportReport

__all__ = [
    "LayerChoice",
    "LayerProfile",
    "ProfileError",
    "available_profiles",
    "load_profile",
    "resolve_layers",
]

_MAX_LISTED_LAYERS = 15


class ProfileError(ValueError):
    """A profile that does not exist or is not a valid profile file."""


@dataclass(frozen=True)
class LayerProfile:
    name: str
    title: str
    description: str
    room_layers: tuple[str, ...]
    label_layers: tuple[str, ...]


@dataclass(frozen=True)
class LayerChoice:
    """Globs handed to the builder; None means "detect them"."""

    room_layers: tuple[str, ...] | None
    label_layers: tuple[str, ...] | None


def _shipped() -> dict[str, Path]:
    """The profiles next to this module. The command's help lists them as every command
    starts, and ``importlib.resources`` (with tempfile and zipfile) cost ~4 ms to import
    before the survey import could begin; the package is always installed as files."""
    return {entry.stem: entry for entry in Path(__file__).parent.glob("*.toml")}


def available_profiles() -> list[str]:
    return sorted(_shipped())


def load_profile(name_or_path: str) -> LayerProfile:
    """A shipped profile by name (generic, archibus, tarch, chinese) or a path to a TOML file."""
    shipped = _shipped()
    key = name_or_path.strip().lower()
    if key in shipped:
        text = shipped[key].read_text(encoding="utf-8")
        name = key
    else:
        path = Path(name_or_path)
        if not (path.suffix.lower() == ".toml" and path.is_file()):
            raise ProfileError(
                f"未知的图层配置 {name_or_path!r}；可用：{', '.join(sorted(shipped))}，"
                "或一个 .toml 文件的路径"
            )
        text = path.read_text(encoding="utf-8")
        name = path.stem
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"图层配置 {name_or_path} 不是有效的 TOML：{exc}") from exc
    room = _globs(data, "room_layers", name_or_path)
    label = _globs(data, "label_layers", name_or_path)
    if not room:
        raise ProfileError(f"图层配置 {name_or_path} 缺少 room_layers")
    return LayerProfile(
        name=name,
        title=str(data.get("title", name)),
        description=str(data.get("description", "")),
        room_layers=room,
        label_layers=label,
    )


def _globs(data: dict[str, object], key: str, source: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"图层配置 {source}: {key} 必须是非空字符串的列表")
    return tuple(v.strip() for v in value)


def _matching(layers: Sequence[str], globs: Sequence[str]) -> list[str]:
    folded = [g.casefold() for g in globs]
    return [
        layer for layer in layers if any(fnmatch.fnmatchcase(layer.casefold(), g) for g in folded)
    ]


def resolve_layers(
    *,
    profile: LayerProfile | None,
    room_globs: Sequence[str],
    label_globs: Sequence[str],
    drawing_layers: Sequence[str],
    report: ImportReport,
) -> LayerChoice:
    """Command-line globs win over the profile; a profile whose globs match no layer of this
    drawing falls back to detection (and the report says so)."""
    room = _choose(
        "房间", "--room-layer", room_globs, profile, "room_layers", drawing_layers, report
    )
    label = _choose(
        "标注", "--label-layer", label_globs, profile, "label_layers", drawing_layers, report
    )
    return LayerChoice(room, label)


def _choose(
    what: str,
    option: str,
    explicit: Sequence[str],
    profile: LayerProfile | None,
    attribute: str,
    layers: Sequence[str],
    report: ImportReport,
) -> tuple[str, ...] | None:
    if explicit:
        globs = tuple(explicit)
        hits = _matching(layers, globs)
        if hits:
            report.note(
                "LAYERS_FROM_OPTIONS",
                f"{what}图层按 {option} {', '.join(globs)}：匹配 {_listing(hits)}",
                layers=hits,
            )
        else:
            report.warning(
                "LAYER_NOT_FOUND",
                f"{option} {', '.join(globs)} 没有匹配到任何图层；"
                f"图纸中的图层有：{_listing(layers)}",
                globs=list(globs),
            )
        return globs
    if profile is None:
        return None
    globs = getattr(profile, attribute)
    hits = _matching(layers, globs) if globs else []
    if not hits:
        report.note(
            "PROFILE_NO_MATCH",
            f"图层配置 {profile.name} 的{what}图层在本图中不存在，改为自动识别",
            profile=profile.name,
        )
        return None
    report.note(
        "LAYERS_FROM_PROFILE",
        f"{what}图层按图层配置 {profile.name}：{_listing(hits)}",
        profile=profile.name,
        layers=hits,
    )
    return tuple(globs)


def _listing(layers: Sequence[str]) -> str:
    if not layers:
        return "（无）"
    shown = ", ".join(layers[:_MAX_LISTED_LAYERS])
    more = len(layers) - _MAX_LISTED_LAYERS
    return shown + (f" 等 {len(layers)} 个" if more > 0 else "")
