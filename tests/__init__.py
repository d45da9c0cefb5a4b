"""Test suite: unit, db, importers, web, regressions."""
