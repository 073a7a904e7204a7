"""Fixtures for veil's integration tests: real agents and real SDK clients under `veil run`.

Needs: `VEIL_BIN` (path to the veil binary) and the test venv made by scripts/setup-test-env
(/opt/veil-test-venv, or VEIL_TEST_VENV). Without VEIL_BIN the tests skip — except in CI
(CI=true), where a missing binary is a failure, never a skip.
"""

from __future__ import annotations

import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from upstream import REPLY, Upstream  # noqa: E402

VENV = Path(os.environ.get("VEIL_TEST_VENV", "/opt/veil-test-venv"))
RUN_TIMEOUT = float(os.environ.get("VEIL_TEST_TIMEOUT", "180"))
# Test keys: distinctive, never real. The inspector must put them back on the way upstream.
ANTHROPIC_TEST_KEY = "sk-ant-veiltest-0123456789abcdefghijklmnop"
OPENAI_TEST_KEY = "sk-veiltest-0123456789abcdefghijklmnopqrst"
GEMINI_TEST_KEY = "AIzaVeiltest-0123456789abcdefghijklmnopq"
# Host variables that would change what the agents do; veil must not see them from the
# developer's shell (the tests say what they want explicitly).
_SCRUB = ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_BASE_URL",
          "OPENAI_API_BASE", "OPENAI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_API_KEY",
          "GOOGLE_API_KEY", "CLAUDE_CONFIG_DIR", "TMUX", "TMUX_PANE", "VEIL_PROFILE")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


# --------------------------------------------------------------------------------------------
# Binaries
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def veil_bin() -> str:
    path = os.environ.get("VEIL_BIN", "")
    if not path:
        reason = "VEIL_BIN is not set (the veil binary, e.g. .build/debug/veil)"
        if in_ci():
            pytest.fail(f"{reason}; CI=true: integration tests never skip")
        pytest.skip(reason)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"VEIL_BIN={path} is not an executable file")
    return os.path.abspath(path)


@dataclass(frozen=True)
class TestVenv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> str:
        return str(self.bin / "python")

    @property
    def claude(self) -> str:
        return str(self.bin / "claude")

    @property
    def aider(self) -> str:
        return str(self.bin / "aider")


@pytest.fixture(scope="session")
def venv() -> TestVenv:
    v = TestVenv(VENV)
    missing = [p for p in (v.python, v.claude, v.aider) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"test venv incomplete ({', '.join(missing)}): run `sudo scripts/setup-test-env`")
    return v


# --------------------------------------------------------------------------------------------
# The upstream model API on the host's loopback
# --------------------------------------------------------------------------------------------

@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    """A deterministic Anthropic + OpenAI API on 127.0.0.1:<free port> (host side).

    .url, .port, .requests (recorded dicts: method, path, headers, body)."""
    up = Upstream("127.0.0.1", 0, record=str(tmp_path / "upstream-requests.jsonl")).start()
    try:
        yield up
    finally:
        up.stop()


def sent_key(headers: dict[str, str]) -> str:
    """The API key a request carried: `x-api-key`, `x-goog-api-key` (google-genai), or
    `Authorization: Bearer` (the OpenAI SDK, and the anthropic Python SDK 2.x)."""
    for name in ("x-api-key", "x-goog-api-key"):
        if headers.get(name):
            return headers[name]
    auth = headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else auth


def model_requests(up: Upstream) -> list[dict[str, Any]]:
    """The recorded requests that asked a model for an answer."""
    return [r for r in up.requests if r["method"] == "POST" and
            r["path"].split("?")[0].rstrip("/").endswith(("/messages", "/chat/completions", ":generateContent"))]


# --------------------------------------------------------------------------------------------
# Running veil
# --------------------------------------------------------------------------------------------

@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The agent's project directory on the host (plain ASCII basename)."""
    d = tmp_path / "project"
    d.mkdir()
    return d


@pytest.fixture
def host_env(tmp_path: Path, venv: TestVenv) -> dict[str, str]:
    """The environment veil itself runs with: the developer's, minus model settings, with the
    test venv on PATH (so `claude`/`aider` resolve), test API keys, and fresh per-test state and
    config dirs (a fresh persistent home per profile; no user profiles)."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PATH"] = f"{venv.bin}:{env.get('PATH', '/usr/bin:/bin')}"
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg-state")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["ANTHROPIC_API_KEY"] = ANTHROPIC_TEST_KEY
    env["OPENAI_API_KEY"] = OPENAI_TEST_KEY
    return env


@dataclass
class VeilResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    report_path: Path | None = None
    record_path: Path | None = None
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def record(self) -> list[dict[str, Any]]:
        if not self.record_path or not self.record_path.exists():
            return []
        return [json.loads(line) for line in self.record_path.read_text().splitlines() if line.strip()]

    @property
    def findings(self) -> dict[str, int]:
        return report_findings(self.report)

    @property
    def blocked(self) -> int:
        return int(self.report.get("blocked", 0))

    def describe(self) -> str:
        return (f"$ {shlex.join(self.args)}\nexit {self.returncode}\n--- stdout\n{self.stdout[-4000:]}"
                f"\n--- stderr\n{self.stderr[-4000:]}\n--- report\n{json.dumps(self.report)}")


def report_findings(report: dict[str, Any]) -> dict[str, int]:
    """Findings by kind from a --report file: `findings` is {kind: count} (or a total with
    `findingsByKind` beside it)."""
    f = report.get("findings", {})
    if isinstance(f, dict):
        return {k: int(v) for k, v in f.items() if int(v)}
    by_kind = report.get("findingsByKind") or {}
    if by_kind:
        return {k: int(v) for k, v in by_kind.items() if int(v)}
    return {"unknown": int(f)} if f else {}


def load_report(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    text = path.read_text().strip()
    return json.loads(text) if text else {}


_run_counter = itertools.count(1)


@pytest.fixture
def run_veil(veil_bin: str, host_env: dict[str, str], workdir: Path, tmp_path: Path
             ) -> Callable[..., VeilResult]:
    """run_veil(args, env=None, cwd=None, timeout=RUN_TIMEOUT, input=None) -> VeilResult.

    `args` follow the binary (e.g. ["run", "--profile", "claude-code", "--", "claude", "-p", "hi"]).
    `env` entries are added to (or, with value None, removed from) host_env."""
    def run(args: list[str], env: dict[str, str | None] | None = None, cwd: Path | str | None = None,
            timeout: float = RUN_TIMEOUT, input: str | None = None) -> VeilResult:
        full_env = dict(host_env)
        for k, v in (env or {}).items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        argv = [veil_bin, *args]
        try:
            p = subprocess.run(argv, env=full_env, cwd=str(cwd or workdir), input=input,
                               stdin=None if input is not None else subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            pytest.fail(f"veil did not finish in {timeout:.0f}s: {shlex.join(argv)}\n"
                        f"--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}")
        return VeilResult(argv, p.returncode, p.stdout, p.stderr)
    return run


@pytest.fixture
def veil_agent(run_veil: Callable[..., VeilResult], tmp_path: Path) -> Callable[..., VeilResult]:
    """veil_agent(profile, upstream_url, command, env=None, cwd=None, extra=(), timeout=...)

    Runs `veil run --profile P --upstream URL --record R --report S [extra] -- command` and
    parses the report."""
    def run(profile: str, upstream_url: str, command: list[str], env: dict[str, str | None] | None = None,
            cwd: Path | str | None = None, extra: list[str] | tuple[str, ...] = (),
            timeout: float = RUN_TIMEOUT, input: str | None = None) -> VeilResult:
        n = next(_run_counter)
        report, record = tmp_path / f"report-{n}.json", tmp_path / f"record-{n}.jsonl"
        args = ["run", "--profile", profile, "--upstream", upstream_url,
                "--record", str(record), "--report", str(report), *extra, "--", *command]
        r = run_veil(args, env=env, cwd=cwd, timeout=timeout, input=input)
        r.report_path, r.record_path = report, record
        r.report = load_report(report)
        return r
    return run


def veil_run_argv(veil_bin: str, profile: str, upstream_url: str, report: Path, record: Path,
                  command: list[str], extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    return [veil_bin, "run", "--profile", profile, "--upstream", upstream_url,
            "--record", str(record), "--report", str(report), *extra, "--", *command]


# --------------------------------------------------------------------------------------------
# tmux, for the interactive agents
# --------------------------------------------------------------------------------------------

class Tmux:
    """A private tmux server per test (`-L veiltest-<pid>-<n>`); killed at teardown. One
    socket per test: the last test's server may still be exiting when the next one starts,
    and a new session on that socket then fails."""

    _tests = itertools.count(1)

    def __init__(self, tmp: Path) -> None:
        self.socket = f"veiltest-{os.getpid()}-{next(Tmux._tests)}"
        self.tmp = tmp
        self._n = itertools.count(1)

    def cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        r = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30, env=env)
        if check and r.returncode != 0:
            raise AssertionError(f"tmux {args[0]} exited {r.returncode}: {r.stderr.strip()}")
        return r

    def start(self, argv: list[str], env: dict[str, str], cwd: Path | str,
              width: int = 200, height: int = 50) -> "TmuxSession":
        """Runs argv with exactly `env` in a new detached session; its exit status lands in a
        file so the test can wait for it."""
        name = f"s{next(self._n)}"
        status = self.tmp / f"tmux-{name}.status"
        status.unlink(missing_ok=True)
        env = dict(env)
        env.setdefault("TERM", "xterm-256color")
        shell = ("env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " "
                 + shlex.join(argv) + f"; echo $? > {shlex.quote(str(status))}; trap '' INT; exec sleep 600")
        # The trailing sleep keeps the pane (and the agent's last screen) after the command
        # ends; kill-server at teardown ends it. It ignores Ctrl-C: a quit's second Ctrl-C that
        # comes after the agent is gone reaches the pane's shell, as it would without veil, and
        # would end the session and, with it, the tmux server.
        self.cmd("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                 "-c", str(cwd), shell)
        return TmuxSession(self, name, status)

    def shell(self, env: dict[str, str], cwd: Path | str, width: int = 200, height: int = 50) -> "TmuxSession":
        """An interactive bash with job control (Ctrl-Z, fg) and exactly `env`; the test types
        its commands."""
        name = f"s{next(self._n)}"
        env = dict(env)
        env.setdefault("TERM", "xterm-256color")
        shell = ("env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
                 + " bash --norc --noprofile -i")
        self.cmd("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), "-c", str(cwd), shell)
        return TmuxSession(self, name, self.tmp / f"tmux-{name}.status")

    def kill(self) -> None:
        self.cmd("kill-server", check=False)


class TmuxSession:
    def __init__(self, tmux: Tmux, name: str, status: Path) -> None:
        self.tmux, self.name, self.status_file = tmux, name, status
        self.last_screen = ""

    def screen(self) -> str:
        r = self.tmux.cmd("capture-pane", "-p", "-J", "-t", self.name, check=False)
        if r.returncode == 0:
            self.last_screen = r.stdout
        return self.last_screen

    def send_text(self, text: str) -> None:
        self.tmux.cmd("send-keys", "-t", self.name, "-l", text)

    def send_keys(self, *keys: str) -> None:
        self.tmux.cmd("send-keys", "-t", self.name, *keys)

    def wait_for(self, predicate: Callable[[str], bool] | str, timeout: float = 60,
                 what: str = "") -> str:
        test = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.screen()
            if test(s):
                return s
            if self.exited():
                s = self.screen()
                if test(s):
                    return s
                raise AssertionError(f"session ended (status {self.exit_status()}) while waiting for "
                                     f"{what or predicate!r}; last screen:\n{self.last_screen}")
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or predicate!r}; "
                             f"screen:\n{self.last_screen}")

    def exited(self) -> bool:
        return self.status_file.exists() and self.status_file.read_text().strip() != ""

    def exit_status(self) -> int | None:
        if not self.exited():
            return None
        return int(self.status_file.read_text().strip())

    def wait_exit(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                return int(self.status_file.read_text().strip())
            time.sleep(0.2)
        raise AssertionError(f"session did not exit in {timeout:.0f}s; screen:\n{self.screen()}")

    def quit_with_ctrl_c_pairs(self, tries: int = 3) -> None:
        """Ctrl-C twice, the quit of Codex and mistral-vibe. While a turn is still ending (the
        reply drawn, the turn not closed) the first Ctrl-C interrupts the turn instead and the
        pair quits nothing: then it is given again. The agent's own keys, not veil's: veil is
        not between tmux and the agent's terminal."""
        for _ in range(tries):
            self.send_keys("C-c")
            time.sleep(0.7)
            self.send_keys("C-c")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not self.exited():
                time.sleep(0.2)
            if self.exited():
                return


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if not shutil.which("tmux"):
        pytest.fail("tmux is not installed: run `sudo scripts/setup-test-env`")
    t = Tmux(tmp_path)
    try:
        yield t
    finally:
        t.kill()


def pass_dialogs(s: "TmuxSession", ready: Callable[[str], bool], dialogs: list[tuple[str, str, Any]],
                 answer: Callable[["TmuxSession", Any], None], who: str, timeout: float = 60) -> list[str]:
    """Answers an agent's first-run dialogs until `ready(screen)`. `dialogs`: (name, the text
    that identifies it, how to answer it), `answer(session, how)` answers one. Returns the
    names seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = s.wait_for(lambda x: ready(x) or any(cue in x for _, cue, _ in dialogs),
                            timeout=max(1.0, deadline - time.monotonic()), what=f"{who}'s prompt or a dialog")
        if ready(screen):
            return seen
        name, cue, how = next(d for d in dialogs if d[1] in screen)
        seen.append(name)
        # Wait for this dialog to go before looking at the next one (no stale screens). A TUI
        # may draw a dialog before it reads keys: an answer that changed nothing is given again.
        for attempt in range(3):
            answer(s, how)
            try:
                s.wait_for(lambda x: cue not in x, timeout=8, what=f"the {name} dialog to close")
                break
            except AssertionError:
                if attempt == 2 or s.exited():
                    raise
    raise AssertionError(f"{who} did not reach its prompt; dialogs seen {seen}; screen:\n{s.last_screen}")


__all__ = ["REPLY", "pass_dialogs", "ANTHROPIC_TEST_KEY", "OPENAI_TEST_KEY", "GEMINI_TEST_KEY", "Tmux", "TmuxSession", "VeilResult",
           "model_requests", "sent_key", "report_findings", "veil_run_argv", "in_ci"]


# --------------------------------------------------------------------------------------------
# Every test here runs real sandboxes. Where this machine forbids user namespaces they skip,
# saying why; in CI (CI=true) they have them, so there that is a failure, never a skip.
# --------------------------------------------------------------------------------------------

def _userns_problem() -> str | None:
    if not shutil.which("unshare"):
        return None  # cannot tell; let the tests speak
    r = subprocess.run(["unshare", "--user", "--map-root-user", "true"], capture_output=True, text=True)
    return None if r.returncode == 0 else f"user namespaces are not available here: {r.stderr.strip()}"


_USERNS_PROBLEM = _userns_problem()


def pytest_runtest_setup(item):
    if _USERNS_PROBLEM:
        if os.environ.get("CI") == "true":
            pytest.fail(_USERNS_PROBLEM + " (CI must have them)")
        pytest.skip(_USERNS_PROBLEM + " (see `veil doctor`)")
