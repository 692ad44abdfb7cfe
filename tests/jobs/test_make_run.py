"""``make run`` starts the web server and the scheduler together; Ctrl-C — or either one ending — stops both."""
from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PATIENCE
from tests.jobs.conftest import ROOT, free_port, wait_until


def _group(pgid: int) -> dict[int, str]:
    """The processes of a process group: pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found[int(entry.name)] = cmdline
    return found


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def make_run(tmp_path):
    """Start ``make run`` in a session of its own on a free port with an empty instance folder; everything in
    its process group is killed at the end."""
    started = []

    def start():
        port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "FLASK_APP", "PORT",
                            "HOST", "MAKEFLAGS", "MFLAGS", "PUBLIC_BASE_URL")}
        env.update({"INSTANCE_PATH": str(tmp_path / "instance"), "APP_ENV": "development",
                    "SECRET_KEY": "make-run-test-secret", "SIGNING_KEY_DIR": str(tmp_path / "keys"),
                    "PYTHONUNBUFFERED": "1"})
        log = open(tmp_path / "make-run.log", "w")
        # as from a terminal: Ctrl-C's signal at its default, whatever this process inherited (a suite started in
        # the background of a script ignores SIGINT, and an ignored SIGINT is passed on and cannot be trapped)
        proc = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        started.append((proc, log))
        output = lambda: (tmp_path / "make-run.log").read_text(errors="replace")  # noqa: E731
        wait_until(lambda: _healthy(port) or proc.poll() is not None, interval=0.2,
                   message=lambda: "make run to answer /healthz\n" + output())
        assert proc.poll() is None, output()
        wait_until(lambda: "持有调度锁" in output(), message=lambda: "the scheduler to start\n" + output())
        return proc, port, output

    try:
        yield start
    finally:
        for proc, log in started:
            for pid in _group(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout=PATIENCE)
            finally:
                log.close()


def _roles(pgid: int) -> tuple[list[int], list[int]]:
    """The scheduler processes and the web server processes (``flask --app wsgi scheduler`` / ``… run``)."""
    schedulers, servers = [], []
    for pid, cmd in _group(pgid).items():
        argv = cmd.split()
        if "flask" not in " ".join(argv[:2]) or argv[0].endswith(("bash", "sh", "make")):
            continue
        if "scheduler" in argv:
            schedulers.append(pid)
        elif "run" in argv and "--port" in argv:
            servers.append(pid)
    return schedulers, servers


def test_make_run_starts_both_and_ctrl_c_stops_both(make_run):
    proc, port, output = make_run()
    schedulers, servers = _roles(proc.pid)
    assert len(schedulers) == 1 and len(servers) == 1, _group(proc.pid)
    for pid in schedulers + servers:  # QR codes and e-mail links point at the port served (issue 13: always 5000)
        assert f"PUBLIC_BASE_URL=http://127.0.0.1:{port}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")

    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    proc.wait(timeout=PATIENCE)
    wait_until(lambda: not _group(proc.pid), message=lambda: f"every process to end: {_group(proc.pid)}")
    assert not _listening(port)
    assert "调度进程已启动" in output()
    assert "make: ***" not in output() and "已退出" not in output()  # stopped on purpose: quietly


@pytest.mark.parametrize("which", ["scheduler", "server"])
def test_when_either_one_ends_the_other_is_stopped_too(make_run, which):
    proc, port, output = make_run()
    schedulers, servers = _roles(proc.pid)
    assert len(schedulers) == 1 and len(servers) == 1, _group(proc.pid)
    os.kill((schedulers if which == "scheduler" else servers)[0], signal.SIGKILL)
    proc.wait(timeout=PATIENCE)
    wait_until(lambda: not _group(proc.pid), message=lambda: f"every process to end: {_group(proc.pid)}")
    assert not _listening(port)
    assert proc.returncode != 0, "make run reports that something ended abnormally"
    assert "调度进程或网站进程已退出，另一个也已停止" in output()
