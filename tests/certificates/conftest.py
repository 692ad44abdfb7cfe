"""Each test of this folder gets its own empty ``SIGNING_KEY_DIR``."""
from __future__ import annotations

import pytest


@pytest.fixture
def key_dir(app, tmp_path, monkeypatch):
    """A fresh, not yet existing key directory for this test."""
    path = tmp_path / "keys"
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(path))
    return path
