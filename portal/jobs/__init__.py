"""Pages that show a background job's progress and outcome."""
