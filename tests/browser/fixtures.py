"""The browser tests' fixtures (registered for the whole suite by tests/conftest.py): a live server on 127.0.0.1 and
Debian's chromium driven by playwright (never ``playwright install``)."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PATIENCE

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def live_server(app):
    """Serve the test app on a free port in a thread, with CSRF on as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=PATIENCE)


@pytest.fixture(scope="session")
def chromium():
    """One chromium per test process (started the first time a test asks for a page, about 1.7 s); each test gets
    a fresh context of its own."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium):
    """A fresh chromium page in a context of its own (phone-sized viewport is set per test when it matters). Every
    wait of the page and of playwright's ``expect`` is bounded by :data:`tests.conftest.PATIENCE`, not by
    playwright's 5 s and 30 s: a busy machine is slow, not wrong."""
    from playwright.sync_api import expect

    expect.set_options(timeout=PATIENCE * 1000)
    context = chromium.new_context(locale="zh-CN")
    context.set_default_timeout(PATIENCE * 1000)
    try:
        yield context.new_page()
    finally:
        context.close()
