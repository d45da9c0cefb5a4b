"""办公用房一张图 (Office Space GIS): kernel and composition root."""
