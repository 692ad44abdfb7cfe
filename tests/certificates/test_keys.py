"""Signing keys in ``SIGNING_KEY_DIR``: permissions, first use, rotation, retirement, a safe index."""
from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from certificates import keys
from portal import clock
from portal.errors import DomainError
from tests.conftest import PATIENCE

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_use_creates_the_directory_0700_and_one_key_0600(key_dir, frozen):
    assert not key_dir.exists()
    assert keys.list_keys() == [] and keys.public_jwks() == {"keys": []}
    info = keys.current_key()
    assert mode(key_dir) == 0o700
    assert mode(key_dir / f"{info.kid}.pem") == 0o600
    assert info.kid.startswith("k2026-11-26-") and info.status == "current"
    assert info.created_at == clock.now()
    assert keys.current_key() == info, "the second use finds the same key"
    assert [k.kid for k in keys.list_keys()] == [info.kid]
    assert (key_dir / f"{info.kid}.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_the_directory_is_0700_whatever_the_umask(key_dir):
    import os

    old = os.umask(0o000)
    try:
        info = keys.current_key()
    finally:
        os.umask(old)
    assert mode(key_dir) == 0o700
    assert mode(key_dir / f"{info.kid}.pem") == 0o600
    assert all(mode(path) & 0o077 == 0 for path in key_dir.iterdir())


def test_rotate_adds_a_current_key_and_keeps_the_old_ones_active(key_dir, frozen):
    first = keys.current_key()
    frozen("2027-03-01 10:00")
    second = keys.rotate(clock.now())
    third = keys.rotate(clock.now())
    listed = keys.list_keys()
    assert [(k.kid, k.status) for k in listed] == [(first.kid, "active"), (second.kid, "active"),
                                                   (third.kid, "current")]
    assert keys.current_key().kid == third.kid
    assert second.kid.startswith("k2027-03-01-") and len({first.kid, second.kid, third.kid}) == 3
    assert [jwk["kid"] for jwk in keys.public_jwks()["keys"]] == [first.kid, second.kid, third.kid]
    assert keys.retired_kids() == []


def test_retiring_an_active_key_leaves_the_current_one(key_dir, frozen):
    old = keys.current_key()
    new = keys.rotate(clock.now())
    done = keys.retire(old.kid, clock.now())
    assert (done.kid, done.current, done.created) == (old.kid, new.kid, False)
    assert keys.retired_kids() == [old.kid]
    assert [jwk["kid"] for jwk in keys.public_jwks()["keys"]] == [new.kid]
    assert not (key_dir / f"{old.kid}.pem").exists(), "a compromised private key is not kept"
    [retired] = [k for k in keys.list_keys() if k.kid == old.kid]
    assert retired.status == "retired" and retired.retired_at == clock.now()
    assert retired.x == old.x, "its public key stays, to tell its signatures from forgeries"


def test_retiring_the_current_key_makes_the_newest_active_one_current(key_dir):
    now = clock.now()
    a = keys.current_key()
    b = keys.rotate(now)
    c = keys.rotate(now)
    done = keys.retire(c.kid, now)
    assert (done.current, done.created) == (b.kid, False)
    assert keys.current_key().kid == b.kid
    assert [(k.kid, k.status) for k in keys.list_keys()] == [(a.kid, "active"), (b.kid, "current"),
                                                             (c.kid, "retired")]


def test_retiring_the_only_key_creates_a_new_current_one(key_dir):
    only = keys.current_key()
    done = keys.retire(only.kid, clock.now())
    assert done.created and done.current != only.kid
    assert keys.current_key().kid == done.current
    assert [jwk["kid"] for jwk in keys.public_jwks()["keys"]] == [done.current]


def test_retire_refuses_an_unknown_or_already_retired_key(key_dir):
    keys.current_key()
    with pytest.raises(DomainError) as caught:
        keys.retire("k2020-01-01-dead", clock.now())
    assert caught.value.code == "unknown_key" and "k2020-01-01-dead" in caught.value.message
    old = keys.current_key()
    keys.retire(old.kid, clock.now())
    with pytest.raises(DomainError) as caught:
        keys.retire(old.kid, clock.now())
    assert caught.value.code == "key_already_retired" and "已于" in caught.value.message


def test_the_jwks_holds_public_keys_only(key_dir):
    info = keys.current_key()
    keys.rotate(clock.now())
    jwks = keys.public_jwks()
    for jwk in jwks["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig", "Ed25519")
        assert len(keys.b64url_decode(jwk["x"])) == 32 and "=" not in jwk["x"]
    assert "\"d\"" not in json.dumps(jwks)
    pem = (key_dir / f"{info.kid}.pem").read_text()
    body = "".join(pem.splitlines()[1:-1])
    assert body not in json.dumps(jwks)


def test_the_index_is_replaced_whole_and_leaves_no_temporary_files(key_dir):
    keys.current_key()
    for _ in range(5):
        keys.rotate(clock.now())
    names = sorted(path.name for path in key_dir.iterdir())
    assert [n for n in names if n.endswith(".tmp")] == []
    assert "index.json" in names and len([n for n in names if n.endswith(".pem")]) == 6
    data = json.loads((key_dir / "index.json").read_text())
    assert [set(entry) for entry in data["keys"]] == [{"kid", "created_at", "status", "retired_at", "x"}] * 6
    assert [entry["status"] for entry in data["keys"]].count("current") == 1


def test_concurrent_rotations_in_threads_lose_no_key(key_dir):
    store = keys.KeyStore(key_dir)
    now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)
    made: list[str] = []
    barrier = threading.Barrier(8)

    def rotate_a_few():
        barrier.wait()
        for _ in range(5):
            made.append(store.rotate(now).kid)

    threads = [threading.Thread(target=rotate_a_few) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    listed = store.keys()
    assert sorted(k.kid for k in listed) == sorted(made) and len(made) == 40
    assert [k.status for k in listed].count("current") == 1
    assert all((key_dir / f"{kid}.pem").exists() for kid in made)


CHILD = """
import datetime as dt, sys
from certificates.keys import KeyStore
from portal import clock
store = KeyStore(sys.argv[1])
now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)
for _ in range(int(sys.argv[2])):
    print(store.rotate(now).kid, flush=True)
"""


def test_two_processes_rotating_at_once_keep_both_keys(key_dir):
    processes = [subprocess.Popen([sys.executable, "-c", CHILD, str(key_dir), "10"], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=PATIENCE)[0].split() for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    made = outputs[0] + outputs[1]
    assert len(made) == 20 and len(set(made)) == 20
    listed = keys.KeyStore(key_dir).keys()
    assert sorted(k.kid for k in listed) == sorted(made)
    assert [k.status for k in listed].count("current") == 1


def test_no_key_material_reaches_the_database_or_the_log(key_dir, caplog):
    import sqlalchemy as sa

    from portal.extensions import db

    info = keys.current_key()
    keys.rotate(clock.now())
    pem = (key_dir / f"{info.kid}.pem").read_text()
    body = "".join(pem.splitlines()[1:-1])
    assert body not in caplog.text
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            assert body not in repr(row)
