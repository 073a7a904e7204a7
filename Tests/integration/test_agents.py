"""The real agents under `veil run`, against an upstream on the host's loopback.

Claude Code (the CLI bundled in the claude-agent-sdk wheel) and aider, headless and
interactive (tmux). Each run must: deliver the upstream's answer, reach the upstream through
the inspector, and raise no finding; a planted host canary must be blocked before it leaves.
See AGENTS-NOTES.md for what each agent sends and which settings keep it offline.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, REPLY, model_requests,
                      pass_dialogs, report_findings, sent_key, veil_run_argv)

CLAUDE_PROFILE = "claude-code"
AIDER_PROFILE = "aider"
# aider: a model name litellm routes to an OpenAI-compatible API; the metadata file in the
# workdir spares the "unknown context window" warning and the model-price download.
AIDER_MODEL = "openai/stub"
AIDER_METADATA = {AIDER_MODEL: {"max_input_tokens": 128000, "max_output_tokens": 4096,
                                "input_cost_per_token": 0, "output_cost_per_token": 0,
                                "litellm_provider": "openai", "mode": "chat"}}


def aider_args(*extra: str) -> list[str]:
    # Analytics, update check and release notes are the profile's business (its env), not
    # flags here: the test proves the profile switches them off.
    return ["aider", "--model", AIDER_MODEL, "--no-git", *extra]


@pytest.fixture
def aider_workdir(workdir: Path) -> Path:
    (workdir / ".aider.model.metadata.json").write_text(json.dumps(AIDER_METADATA))
    (workdir / "hello.py").write_text("print('hello')\n")
    return workdir


def bodies_text(up) -> str:
    return "\n".join(json.dumps(r["body"], ensure_ascii=False) for r in model_requests(up))


def assert_clean_pass(r, up, key: str) -> None:
    """The answer arrived, the upstream saw the model request with the real key, nothing was
    flagged or blocked, and the record holds no secret."""
    assert r.returncode == 0, r.describe()
    assert REPLY in r.stdout, r.describe()
    reqs = model_requests(up)
    assert reqs, f"upstream saw no model request\n{r.describe()}"
    assert r.report, f"no --report written\n{r.describe()}"
    assert r.findings == {}, f"unexpected findings\n{r.describe()}"
    assert r.blocked == 0, r.describe()
    # No other egress tried (issue 18, item 9): the profile switched it off at the agent.
    assert int(r.report.get("rejected", 0)) == 0, r.report.get("refusals")
    assert int(r.report.get("requests", 0)) >= len(reqs), r.describe()
    # Credential masking: the placeholder inside is swapped back for the real key upstream.
    got = {sent_key(req["headers"]) for req in reqs}
    assert got == {key}, f"keys the upstream received: {got}"
    if r.record_path and r.record_path.exists():
        assert key not in r.record_path.read_text(), "secret in --record"


def canaries(workdir: Path) -> list[tuple[str, dict[str, str], str]]:
    """(name, host env for veil, value to plant in the prompt): host facts veil must treat as
    canaries. The host workdir path is always distinctive; TZ and LANG are set on the host."""
    return [
        ("workdir", {}, str(workdir)),
        ("timezone", {"TZ": "Asia/Shanghai"}, "Asia/Shanghai"),
        ("locale", {"LANG": "zh_CN.UTF-8"}, "zh_CN.UTF-8"),
    ]


CANARY_KINDS = ["workdir", "timezone", "locale"]


def canary(workdir: Path, kind: str) -> tuple[dict[str, str], str]:
    for name, env, value in canaries(workdir):
        if name == kind:
            return env, value
    raise KeyError(kind)


def assert_blocked(r, up, value: str) -> None:
    out = r.stdout + r.stderr
    assert r.blocked >= 1, f"nothing blocked\n{r.describe()}"
    assert r.findings.get("canary", 0) >= 1, r.describe()
    assert value not in bodies_text(up), "the canary reached the upstream"
    assert REPLY not in r.stdout, r.describe()
    assert "veil blocked" in out, f"the agent did not show veil's error\n{r.describe()}"


# --------------------------------------------------------------------------------------------
# Claude Code, headless
# --------------------------------------------------------------------------------------------

def test_claude_headless(veil_agent, upstream, workdir):
    r = veil_agent(CLAUDE_PROFILE, upstream.url, ["claude", "-p", "say hi"])
    assert_clean_pass(r, upstream, ANTHROPIC_TEST_KEY)
    sent = bodies_text(upstream)
    # What Claude Code writes into its prompt from the machine (AGENTS-NOTES.md) is neutral.
    assert str(workdir) not in sent
    m = re.search(r'Primary working directory: ([^\s\\"]+)', sent)
    assert m, "no working directory in the prompt (Claude Code changed its format?)"
    assert not m.group(1).startswith(str(workdir.parent)), m.group(1)
    assert m.group(1).rstrip("/").endswith(workdir.name) or "project-" in m.group(1), m.group(1)
    if "Today's date is" in sent:  # the local date: must be the sandbox's (UTC) one
        assert f"Today's date is {time.strftime('%Y-%m-%d', time.gmtime())}" in sent
    # Nothing but model traffic reached the upstream: telemetry is off in the profile.
    paths = {req["path"].split("?")[0] for req in upstream.requests}
    assert paths <= {"/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/api/hello"}, paths


def test_claude_headless_stub(veil_agent, workdir):
    """--upstream stub: the built-in model answers offline."""
    r = veil_agent(CLAUDE_PROFILE, "stub", ["claude", "-p", "say hi"])
    assert r.returncode == 0, r.describe()
    assert r.stdout.strip(), r.describe()
    assert r.findings == {} and r.blocked == 0, r.describe()


@pytest.mark.parametrize("kind", CANARY_KINDS)
def test_claude_headless_canary_blocked(veil_agent, upstream, workdir, kind):
    env, value = canary(workdir, kind)
    r = veil_agent(CLAUDE_PROFILE, upstream.url, ["claude", "-p", f"say hi; my setting is {value}"],
                   env=env)
    assert r.returncode != 0, r.describe()
    assert_blocked(r, upstream, value)


def test_claude_fail_on_marker_exit_3(veil_agent, upstream, workdir):
    r = veil_agent(CLAUDE_PROFILE, upstream.url, ["claude", "-p", f"look at {workdir}"],
                   extra=["--fail-on-marker"])
    assert r.returncode == 3, r.describe()


# --------------------------------------------------------------------------------------------
# Claude Code, interactive (tmux)
# --------------------------------------------------------------------------------------------

# First-run dialogs of Claude Code 2.x and the keys that pass them (AGENTS-NOTES.md). The
# profile should pre-seed ~/.claude.json so that none appears; the test passes them anyway and
# reports which ones it saw.
CLAUDE_DIALOGS = [
    # (name, text that identifies it, option to choose: a line fragment, or None for Enter)
    ("theme", "Choose the text style", None),
    ("api-key", "Do you want to use this API key", "Yes"),
    ("security-notes", "Press Enter to continue", None),
    ("trust", "Yes, I trust this folder", "Yes, I trust"),
    ("bypass", "Bypass Permissions mode", "Yes, I accept"),
]


def claude_ready(screen: str) -> bool:
    return ("⏵⏵" in screen or "for shortcuts" in screen) and \
        not any(cue in screen for _, cue, _ in CLAUDE_DIALOGS)


def choose(s, option: str | None) -> None:
    """Moves the ❯ cursor of a select dialog onto the line holding `option`, then Enter."""
    if option is not None:
        for _ in range(8):
            lines = s.screen().splitlines()
            cursor = next((ln for ln in lines if ln.strip().startswith("❯")), "")
            if option in cursor:
                break
            s.send_keys("Down")
            time.sleep(0.3)
        else:
            raise AssertionError(f"cannot select {option!r}; screen:\n{s.last_screen}")
    s.send_keys("Enter")


def pass_claude_dialogs(s, timeout: float = 60) -> list[str]:
    return pass_dialogs(s, claude_ready, CLAUDE_DIALOGS, choose, "Claude Code", timeout)


def seeded_claude_home(host_env) -> Path:
    """The claude-code profile's persistent home with Claude Code's onboarding marked done."""
    home = Path(host_env["XDG_STATE_HOME"]) / "veil" / "profiles" / CLAUDE_PROFILE / "home"
    home.mkdir(parents=True)
    (home / ".claude.json").write_text(json.dumps({"hasCompletedOnboarding": True}))
    return home


def say_hi_and_quit(s) -> None:
    """A prompt, the upstream's reply on screen, then Ctrl-C twice (Claude Code's quit)."""
    s.send_text("say hi")
    time.sleep(0.5)
    s.send_keys("Enter")
    s.wait_for(REPLY, timeout=60, what="the upstream's reply on screen")
    s.send_keys("C-c")
    time.sleep(0.5)
    s.send_keys("C-c")


def test_claude_interactive(tmux, veil_bin, host_env, upstream, workdir, tmp_path):
    """The TUI through veil. The profile's home persists, so a user completes Claude Code's
    onboarding once; here it is seeded as done (its first-run check would otherwise call
    api.anthropic.com directly, which an offline run refuses). The per-project trust question
    and the per-run key placeholder's approval are Claude Code's own questions: answered."""
    home = seeded_claude_home(host_env)
    report, record = tmp_path / "report-tui.json", tmp_path / "record-tui.jsonl"
    argv = veil_run_argv(veil_bin, CLAUDE_PROFILE, upstream.url, report, record, ["claude"])
    s = tmux.start(argv, host_env, workdir)
    dialogs = pass_claude_dialogs(s)
    say_hi_and_quit(s)
    status = s.wait_exit(30)
    assert status == 0, f"exit {status}; screen:\n{s.last_screen}"
    rep = json.loads(report.read_text())
    assert report_findings(rep) == {} and int(rep.get("blocked", 0)) == 0, rep
    assert model_requests(upstream)
    assert set(dialogs) <= {"trust", "api-key"}, f"unexpected first-run dialogs under veil: {dialogs}"
    # The trust answer persisted in the profile home, keyed by the neutral workdir path.
    state = json.loads((home / ".claude.json").read_text())
    assert any(p.startswith("/home/user/") for p in state.get("projects", {})), state.get("projects")


def test_claude_interactive_first_run(tmux, veil_bin, host_env, upstream, workdir, tmp_path):
    """Claude Code's very first start, on an empty profile home: its onboarding checks
    https://api.anthropic.com/api/hello through the proxy (a CONNECT, which stopped it with
    ERR_PROXY_TUNNEL before veil terminated tunnels). The tunnel is answered with the run CA,
    which Claude Code (Node) trusts through NODE_EXTRA_CA_CERTS; under --upstream the check
    reaches the test's upstream, inspected like every other request."""
    report, record = tmp_path / "report-first.json", tmp_path / "record-first.jsonl"
    argv = veil_run_argv(veil_bin, CLAUDE_PROFILE, upstream.url, report, record, ["claude"])
    s = tmux.start(argv, host_env, workdir)
    dialogs = pass_claude_dialogs(s, timeout=90)
    say_hi_and_quit(s)
    status = s.wait_exit(30)
    assert status == 0, f"exit {status}; screen:\n{s.last_screen}"
    assert "theme" in dialogs, f"not a first run: dialogs {dialogs}"
    rep = json.loads(report.read_text())
    assert rep.get("tunnels", 0) >= 1, rep
    assert report_findings(rep) == {} and int(rep.get("blocked", 0)) == 0 and int(rep.get("rejected", 0)) == 0, rep
    paths = [r["path"] for r in upstream.requests]
    assert any(p.startswith("/api/hello") for p in paths), paths
    assert model_requests(upstream)

    # The second run asks nothing: the key's placeholder is the profile's own, the same as the
    # one Claude Code approved (it asked on every run while placeholders changed per run).
    report2 = tmp_path / "report-second.json"
    argv = veil_run_argv(veil_bin, CLAUDE_PROFILE, upstream.url, report2, tmp_path / "record-second.jsonl", ["claude"])
    s = tmux.start(argv, host_env, workdir)
    assert pass_claude_dialogs(s, timeout=90) == [], f"dialogs on the second run; screen:\n{s.last_screen}"
    say_hi_and_quit(s)
    assert s.wait_exit(30) == 0, s.last_screen


def test_claude_interactive_suspends_and_resumes(tmux, veil_bin, host_env, upstream, workdir, tmp_path):
    """Job control as outside (the agent has a process group of its own under veil): Claude
    Code's Ctrl-Z suspends the whole job to the shell's prompt, fg brings it back with the
    terminal, it answers, a resize reaches it, and it exits with its own status."""
    seeded_claude_home(host_env)
    report, record = tmp_path / "report-jc.json", tmp_path / "record-jc.jsonl"
    argv = veil_run_argv(veil_bin, CLAUDE_PROFILE, upstream.url, report, record, ["claude"])
    s = tmux.shell(host_env, workdir)
    time.sleep(0.5)
    s.send_text(shlex.join(argv))
    s.send_keys("Enter")
    pass_claude_dialogs(s)
    s.send_keys("C-z")
    s.wait_for("Stopped", timeout=20, what="the shell's job-stopped line")
    s.send_text("fg")
    s.send_keys("Enter")
    s.wait_for(claude_ready, timeout=20, what="Claude Code back after fg")
    s.tmux.cmd("resize-window", "-t", s.name, "-x", "160", "-y", "40")
    time.sleep(0.5)
    say_hi_and_quit(s)
    s.wait_for("--resume", timeout=30, what="Claude Code's exit")
    # The shell's prompt first: keys typed while the job still ends go to it, not the shell.
    s.wait_for(lambda scr: scr.rstrip().endswith(("$", "#")), timeout=30, what="the shell's prompt after the job")
    s.send_text("echo FG_STATUS=$?")
    s.send_keys("Enter")
    s.wait_for("FG_STATUS=0", timeout=10, what="the job's exit status through fg")
    assert model_requests(upstream)


# --------------------------------------------------------------------------------------------
# aider, headless and interactive
# --------------------------------------------------------------------------------------------

def test_aider_headless(veil_agent, upstream, aider_workdir):
    r = veil_agent(AIDER_PROFILE, upstream.url, aider_args("--yes-always", "--message", "say hi"),
                   cwd=aider_workdir)
    assert_clean_pass(r, upstream, OPENAI_TEST_KEY)
    assert str(aider_workdir) not in bodies_text(upstream)
    # Nothing but the chat completion: no update check, no analytics, no model-price fetch
    # (those go to other hosts, which the sandbox cannot reach anyway).
    assert {req["path"] for req in upstream.requests} <= {"/v1/chat/completions"}


def test_aider_headless_in_a_git_repository(veil_agent, upstream, aider_workdir):
    """aider in a repository: the repository's configuration is read-only inside, and aider,
    finding no git identity, would write one there and fail; the profile home's neutral
    ~/.gitconfig spares it. The user's configuration is left as it was."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(aider_workdir.parent), "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(aider_workdir)], env=env, check=True)
    subprocess.run(["git", "-C", str(aider_workdir), "add", "hello.py"], env=env, check=True)
    subprocess.run(["git", "-C", str(aider_workdir), "-c", "user.name=u", "-c", "user.email=u@example.com",
                    "commit", "-qm", "start"], env=env, check=True)
    config = (aider_workdir / ".git" / "config").read_bytes()
    argv = [a for a in aider_args("--yes-always", "--message", "say hi") if a != "--no-git"]
    r = veil_agent(AIDER_PROFILE, upstream.url, argv, cwd=aider_workdir)
    assert_clean_pass(r, upstream, OPENAI_TEST_KEY)
    assert "Git repo: .git" in r.stdout, r.describe()
    assert (aider_workdir / ".git" / "config").read_bytes() == config


@pytest.mark.parametrize("kind", ["workdir", "timezone"])
def test_aider_headless_canary_blocked(veil_agent, upstream, aider_workdir, kind):
    env, value = canary(aider_workdir, kind)
    r = veil_agent(AIDER_PROFILE, upstream.url,
                   aider_args("--yes-always", "--message", f"say hi; my setting is {value}"),
                   cwd=aider_workdir, env=env)
    assert_blocked(r, upstream, value)


def test_aider_interactive(tmux, veil_bin, host_env, upstream, aider_workdir, tmp_path):
    report, record = tmp_path / "report-aider-tui.json", tmp_path / "record-aider-tui.jsonl"
    argv = veil_run_argv(veil_bin, AIDER_PROFILE, upstream.url, report, record, aider_args())
    s = tmux.start(argv, host_env, aider_workdir)
    s.wait_for(lambda x: re.search(r"^>\s*$", x, re.M) is not None, timeout=90, what="aider's > prompt")
    s.send_text("say hi")
    s.send_keys("Enter")
    s.wait_for(REPLY, timeout=60, what="the upstream's reply on screen")
    s.send_text("/exit")
    s.send_keys("Enter")
    status = s.wait_exit(30)
    assert status == 0, f"exit {status}; screen:\n{s.last_screen}"
    rep = json.loads(report.read_text())
    assert report_findings(rep) == {} and int(rep.get("blocked", 0)) == 0, rep
    assert model_requests(upstream)
