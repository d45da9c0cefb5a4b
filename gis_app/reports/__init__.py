"""Official reports (annual statistics tables, leader-office records, idle and over-standard
lists) as Excel and CSV, generated from the database."""

from __future__ import annotations
