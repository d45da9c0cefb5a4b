"""Reading what surveyors deliver (DXF, footprints, rosters) and loading it as survey batches."""
