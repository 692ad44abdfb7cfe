"""Home pages: the public front page and each role's dashboard; the health check."""
