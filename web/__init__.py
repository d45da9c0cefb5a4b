"""Flask blueprints, templates and locally served assets."""
