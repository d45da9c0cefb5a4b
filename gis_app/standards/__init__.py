"""Office-space standards as versioned data: 表3 limits, service index, K, remapping (§1, §7)."""

from __future__ import annotations

from gis_app.standards.models import RankRemap
from gis_app.standards.models import ServiceIndex
from gis_app.standards.models import StandardLimit
from gis_app.standards.models import StandardVersion

__all__ = ["RankRemap", "ServiceIndex", "StandardLimit", "StandardVersion"]
