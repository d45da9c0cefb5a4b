"""Findings (over-standard, idle, entitlement ...) computed in PostGIS, and reallocation plans."""

from __future__ import annotations

from gis_app.analysis.models import AnalysisRun
from gis_app.analysis.models import Finding
from gis_app.analysis.models import Scenario
from gis_app.analysis.models import ScenarioMove

__all__ = ["AnalysisRun", "Finding", "Scenario", "ScenarioMove"]
