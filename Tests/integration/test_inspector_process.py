"""veil is two binaries: `veil` runs the sandbox, and the inspector is `veil-core __inspector`,
started by the run (on the agent's first connection, or at once when results are asked for).
These tests check that process's life: it answers, stays out of the terminal's process group,
ends with the run (also when the run is killed), and that a missing veil-core fails closed."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

# Asks the stub once through the base URL, says so, then waits for the test's go-ahead.
AGENT = r"""
import json, os, sys, time, urllib.request
base = os.environ["ANTHROPIC_BASE_URL"]
req = urllib.request.Request(base + "/v1/messages", method="POST",
    data=json.dumps({"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}).encode(),
    headers={"content-type": "application/json", "x-api-key": os.environ.get("ANTHROPIC_API_KEY", "")})
try:
    with urllib.request.urlopen(req, timeout=20) as r:
        print("answer", r.status, flush=True)
except Exception as e:
    print("failed", type(e).__name__, e, flush=True)
while len(sys.argv) > 1 and not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
"""


def inspectors_for(workdir: Path) -> list[int]:
    """PIDs of inspector processes serving a run in `workdir` (named in their command line)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            argv = Path(f"/proc/{d}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"__inspector" in argv and str(workdir).encode() in argv:
            pids.append(int(d))
    return pids


def wait_until(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def start(veil_bin: str, host_env: dict, workdir: Path, extra: list[str] = ()) -> subprocess.Popen:
    (workdir / "agent.py").write_text(AGENT)
    return subprocess.Popen([veil_bin, "run", "--profile", "claude-code", "--upstream", "stub", *extra,
                             "--", "/usr/bin/python3", "agent.py", "go"],
                            cwd=workdir, env=host_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_inspector_starts_on_first_use_in_its_own_group_and_ends_with_the_run(veil_bin, host_env, workdir):
    p = start(veil_bin, host_env, workdir)
    try:
        assert p.stdout.readline().split()[:2] == ["answer", "200"]
        pids = inspectors_for(workdir)
        assert len(pids) == 1, pids
        inspector = pids[0]
        # A child of the run, in a process group of its own: Ctrl-C at the terminal is the agent's.
        assert int(Path(f"/proc/{inspector}/stat").read_text().rsplit(")", 1)[1].split()[1]) == p.pid
        assert os.getpgid(inspector) != os.getpgid(p.pid)
        (workdir / "go").touch()
        assert p.wait(timeout=30) == 0, p.stderr.read()
        assert inspectors_for(workdir) == []
    finally:
        p.kill()


def test_a_killed_run_takes_its_inspector_along(veil_bin, host_env, workdir, tmp_path):
    p = start(veil_bin, host_env, workdir, ["--report", str(tmp_path / "report.json")])
    try:
        assert p.stdout.readline().split()[:2] == ["answer", "200"]
        assert len(inspectors_for(workdir)) == 1
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        assert wait_until(lambda: inspectors_for(workdir) == []), inspectors_for(workdir)
    finally:
        p.kill()


def test_without_veil_core_runs_work_and_model_calls_fail_closed(veil_bin, host_env, workdir, tmp_path):
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(veil_bin, lone / "veil")
    veil = str(lone / "veil")
    r = subprocess.run([veil, "run", "--", "/bin/sh", "-c", "echo inside"], cwd=workdir, env=host_env,
                       capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout) == (0, "inside\n"), r.stderr

    # The agent is refused at once (not left hanging), and the run says what is missing.
    (workdir / "agent.py").write_text(AGENT)
    t0 = time.monotonic()
    r = subprocess.run([veil, "run", "--profile", "default", "--upstream", "stub", "--",
                        "/usr/bin/python3", "agent.py"], cwd=workdir, env=host_env, capture_output=True,
                       text=True, timeout=60)
    assert r.stdout.startswith("failed"), r.stdout
    assert time.monotonic() - t0 < 15
    assert r.returncode == 125 and "veil-core" in r.stderr, r.stderr
    # A profile with CONNECT hosts needs the run's CA, which only veil-core makes: the agent
    # does not start at all.
    r = subprocess.run([veil, "run", "--profile", "claude-code", "--upstream", "stub", "--",
                        "/usr/bin/python3", "agent.py"], cwd=workdir, env=host_env, capture_output=True,
                       text=True, timeout=60)
    assert r.stdout == "" and r.returncode == 125 and "veil-core" in r.stderr, (r.stdout, r.stderr)

    r = subprocess.run([veil, "doctor"], cwd=workdir, env=host_env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 125 and "veil-core" in r.stderr, r.stderr


def test_an_inspector_that_does_not_finish_is_stopped_and_fails_the_run(veil_bin, host_env, workdir, tmp_path):
    """Work the agent leaves behind (the red team's body that scans for minutes, sent just
    before the agent exits) must not keep the run, a CI job, alive after the agent: veil waits
    for the inspector a bounded time (10 s), then kills it, says so and exits 125. A stopped
    inspector stands in for a busy one, whatever makes it busy."""
    p = start(veil_bin, host_env, workdir, ["--report", str(tmp_path / "report.json")])
    try:
        assert p.stdout.readline().split()[:2] == ["answer", "200"]
        [inspector] = inspectors_for(workdir)
        os.kill(inspector, signal.SIGSTOP)
        t0 = time.monotonic()
        (workdir / "go").touch()
        assert p.wait(timeout=60) == 125
        took = time.monotonic() - t0
        assert 9 < took < 30, took
        assert "inspector did not finish within 10 s" in p.stderr.read()
        assert wait_until(lambda: inspectors_for(workdir) == []), inspectors_for(workdir)
    finally:
        p.kill()
