"""Training: courses, records, the requirement service (the only place training hours are summed)."""
