"""Pure floor-plan geometry: rooms, labels, areas, validation, georeference (no I/O)."""
