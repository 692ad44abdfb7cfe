"""Officer records: identity, agency, post, enforcement categories, photo, employment status."""
