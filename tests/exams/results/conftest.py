"""Fixtures of the results tests: the browser tests' live server and page."""
from tests.browser.conftest import live_server, page  # noqa: F401 - the browser tests' fixtures, for test_browser
