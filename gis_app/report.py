"""Import reports: coded errors, warnings and fixes, modelled on ezdxf's ``Auditor``.

Every importer returns one :class:`ImportReport`. Codes are short stable strings (each importer
declares its own ``StrEnum`` of codes) so that scripts and tests can match on them while the
message stays human-readable (Chinese or English).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

__all__ = ["ImportReport", "ReportEntry", "Severity"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    FIX = "fix"


@dataclass(frozen=True)
class ReportEntry:
    """One finding: a stable code, a message, the DXF handle or row it concerns, and extra data."""

    code: str
    message: str
    handle: str | None = None
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "code": str(self.code),
            "message": self.message,
            "handle": self.handle,
        }
        if self.data:
            entry["data"] = self.data
        return entry


@dataclass
class ImportReport:
    """What an import noticed. ``has_errors`` means the input must not be loaded as it is."""

    errors: list[ReportEntry] = field(default_factory=list)
    warnings: list[ReportEntry] = field(default_factory=list)
    fixes: list[ReportEntry] = field(default_factory=list)
    info: list[ReportEntry] = field(default_factory=list)

    def error(self, code: str, message: str, handle: str | None = None, **data: Any) -> None:
        self.errors.append(ReportEntry(code, message, handle, data or None))

    def warning(self, code: str, message: str, handle: str | None = None, **data: Any) -> None:
        self.warnings.append(ReportEntry(code, message, handle, data or None))

    def fix(self, code: str, message: str, handle: str | None = None, **data: Any) -> None:
        self.fixes.append(ReportEntry(code, message, handle, data or None))

    def note(self, code: str, message: str, handle: str | None = None, **data: Any) -> None:
        """Record a decision the importer took (what it chose and why), not a problem."""
        self.info.append(ReportEntry(code, message, handle, data or None))

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def has_warnings(self) -> bool:
        return bool(self.warnings)

    @property
    def has_fixes(self) -> bool:
        return bool(self.fixes)

    def extend(self, other: ImportReport) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
        self.fixes.extend(other.fixes)
        self.info.extend(other.info)

    def codes(self) -> set[str]:
        """All codes present, of any severity (handy in tests)."""
        return {str(e.code) for e in (*self.errors, *self.warnings, *self.fixes, *self.info)}

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [e.to_dict() for e in self.warnings],
            "fixes": [e.to_dict() for e in self.fixes],
            "info": [e.to_dict() for e in self.info],
        }

    def lines(self) -> list[str]:
        """Human-readable lines, most severe first, for the CLI."""
        out: list[str] = []
        for label, entries in (
            ("ERROR", self.errors),
            ("WARNING", self.warnings),
            ("FIXED", self.fixes),
            ("INFO", self.info),
        ):
            for e in entries:
                where = f" [{e.handle}]" if e.handle else ""
                out.append(f"{label} {e.code}{where}: {e.message}")
        return out
