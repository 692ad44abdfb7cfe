"""Fixtures of the results tests: the browser tests' live server and page."""
