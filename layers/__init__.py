"""Map layers as providers: PostGIS rows to GeoJSON features with styles and legends."""
