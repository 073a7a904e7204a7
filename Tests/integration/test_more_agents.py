"""mistral-vibe, kimi-cli and the OpenHands CLI under `veil run`, each through its shipped
profile (chosen by the command's name), against the stub and against a recording upstream on
loopback. See AGENTS-NOTES.md for how each one is wired.

- mistral-vibe 3.0.2 (`vibe`) reads only MISTRAL_API_KEY and calls https://api.mistral.ai
  itself, through the proxy: the inspector answers that CONNECT with the run's CA.
- kimi-cli 1.51.0 (`kimi`) reads KIMI_BASE_URL, KIMI_API_KEY, KIMI_MODEL_NAME.
- OpenHands 1.2.1 (`openhands`) reads its model only from ~/.openhands/agent_settings.json,
  which veil writes on the profile's first run from LLM_MODEL, LLM_API_KEY and LLM_BASE_URL.
  This version has no headless mode (its CLI is the TUI and `serve`), so it is tested in tmux
  only.

Every run: the answer arrives, the upstream receives the real key (never the placeholder),
nothing is blocked on an innocent prompt, and nothing is found above the agent's own
typography (the profiles' own_typography: zero findings at the default gate; a curly
apostrophe in any other word is still a marker). A planted host value (the host's workdir
path) is blocked, and veil's own one-line notice reaches the terminal whatever the agent does
with the error.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from conftest import REPLY, load_report, model_requests, sent_key

VENV = Path(os.environ.get("VEIL_TEST_VENV", "/opt/veil-test-venv"))
MISTRAL_TEST_KEY = "veiltest-mistral-0123456789abcdefghijklm"
KIMI_TEST_KEY = "sk-veiltest-kimi-0123456789abcdefghijklmn"
LLM_TEST_KEY = "sk-veiltest-llm-0123456789abcdefghijklmno"
# Nothing a test sends may hold a host value: the unprivileged run's user is `veiltest`, a
# canary there (model names once held it and were blocked, rightly). The keys may: veil blanks
# its own keys before it scans.
# Findings an innocent run may raise: the agents' own typographic punctuation (the profiles'
# own_typography), severity `typography`, below the default gate.
TYPOGRAPHY = {"typography"}


@dataclass(frozen=True)
class Agent:
    name: str
    profile: str
    command: str
    key_var: str
    key: str
    env: dict[str, str] = field(default_factory=dict)
    headless: Callable[[str], list[str]] | None = None
    # The TUI: a predicate for "ready for a prompt", and how to quit.
    ready: Callable[[str], bool] = lambda s: True
    quit: Callable[["object"], None] = lambda s: None
    # The TUI ends on an API error (OpenHands: a traceback, exit 1) instead of staying.
    ends_on_error: bool = False
    # The TUI redraws rules across the whole width on a resize (prompt_toolkit's OpenHands
    # prompt leaves earlier output as it was).
    full_width_rules: bool = True
    interactive_args: tuple[str, ...] = ()
    # What veil still refuses for this agent: egress the agent has no setting for.
    refused: frozenset[str] = frozenset()

    @property
    def binary(self) -> str:
        return str(VENV / "bin" / self.command)


def quit_vibe(s) -> None:
    # Ctrl-C asks for a second one to confirm (ask_confirmation_on_exit).
    s.quit_with_ctrl_c_pairs()


def quit_kimi(s) -> None:
    s.send_text("/exit")
    time.sleep(0.3)
    s.send_keys("Enter")


def quit_openhands(s) -> None:
    # Typed while OpenHands still closes the turn, "/exit" can be dropped with the input it
    # discards when it draws the next prompt (seen once in CI: the prompt drawn twice, nothing
    # typed in it): then it is typed again.
    for attempt in range(3):
        s.send_text("/exit")
        time.sleep(0.3)
        s.send_keys("Enter")
        try:
            s.wait_for("Terminate session?", timeout=10 if attempt < 2 else 20, what="OpenHands' exit question")
            break
        except AssertionError:
            if attempt == 2:
                raise
    s.send_keys("Enter")  # the cursor is on "Yes, proceed"


AGENTS = {
    "vibe": Agent(
        "vibe", "mistral-vibe", "vibe", "MISTRAL_API_KEY", MISTRAL_TEST_KEY,
        headless=lambda p: ["vibe", "--trust", "-p", p],
        ready=lambda s: "Ask anything" in s or "❯" in s or "> " in s,
        quit=quit_vibe, interactive_args=("--trust",),
        # Its org-policy fetch (chat.mistral.ai/api/v1/code/managed-config) and, in the TUI, the
        # account's plan (console.mistral.ai/api/vibe/whoami), both with the key: no setting
        # but the URLs themselves. Refused at once, they cost nothing (vibe carries on).
        refused=frozenset({"CONNECT chat.mistral.ai:443", "CONNECT console.mistral.ai:443"})),
    "kimi": Agent(
        "kimi", "kimi-cli", "kimi", "KIMI_API_KEY", KIMI_TEST_KEY, env={"KIMI_MODEL_NAME": "kimi-k2-test-model"},
        headless=lambda p: ["kimi", "--quiet", "-p", p],
        # The input box and its footer: the welcome box comes first, before keys are read.
        ready=lambda s: "── input" in s and "context:" in s,
        quit=quit_kimi),
    "openhands": Agent(
        "openhands", "openhands", "openhands", "LLM_API_KEY", LLM_TEST_KEY, env={"LLM_MODEL": "openai/test-model"},
        ready=lambda s: "Type your message" in s,
        quit=quit_openhands, ends_on_error=True, full_width_rules=False),
}
HEADLESS = [a for a in AGENTS if AGENTS[a].headless]


@pytest.fixture
def veil_by_name(run_veil, tmp_path):
    """`veil run --upstream U --record R --report S -- COMMAND`, no --profile: the command's
    name chooses it."""
    def run(command: list[str], upstream: str = "stub", env=None, timeout: float = 120):
        report, record = tmp_path / "report-byname.json", tmp_path / "record-byname.jsonl"
        r = run_veil(["run", "--upstream", upstream, "--record", str(record), "--report", str(report), "--", *command],
                     env=env, timeout=timeout)
        r.report_path, r.record_path = report, record
        r.report = load_report(report)
        return r
    return run


@pytest.fixture(scope="module", autouse=True)
def agents_installed():
    missing = [a.binary for a in AGENTS.values() if not os.access(a.binary, os.X_OK)]
    if missing:
        pytest.fail(f"agents missing ({', '.join(missing)}): run `sudo scripts/setup-test-env`")


def agent_env(a: Agent, with_key: bool = True) -> dict[str, str | None]:
    env: dict[str, str | None] = dict(a.env)
    if with_key:
        env[a.key_var] = a.key
    return env


def typography_only(report: dict) -> bool:
    """Nothing above the agent's own typography: zero findings at the default gate."""
    return set(k for k, v in (report.get("findingsBySeverity") or {}).items() if v) <= TYPOGRAPHY


def assert_answered_with_the_real_key(r, up, a: Agent) -> None:
    assert r.returncode == 0, r.describe()
    assert REPLY in r.stdout, r.describe()
    reqs = model_requests(up)
    assert reqs, f"the upstream saw no model request\n{r.describe()}"
    assert {sent_key(q["headers"]) for q in reqs} == {a.key}, [q["headers"] for q in reqs]
    assert r.blocked == 0, r.describe()
    assert typography_only(r.report), r.describe()
    assert a.key not in r.record_path.read_text(), "the real key is in --record"


def assert_refused_only_the_known(report: dict, a: Agent) -> None:
    refused = {x["request"] for x in report.get("refusals", [])}
    assert refused <= a.refused, report.get("refusals")


def blocked_notices(text: str) -> list[str]:
    """veil's one-line notices. In a TUI the line starts wherever the agent left the cursor
    (after a spinner's frame, say), so it is looked for within lines."""
    found = []
    for ln in text.splitlines():
        i = ln.find("veil: blocked ")
        if i >= 0 and ": canary" in ln[i:]:
            found.append(ln[i:])
    return found


# --------------------------------------------------------------------------------------------
# Headless
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("agent", HEADLESS)
def test_headless_stub(veil_by_name, agent):
    """Chosen by the command's name (no --profile), offline against the built-in stub."""
    a = AGENTS[agent]
    r = veil_by_name(a.headless("say hi"), env=agent_env(a, with_key=False))
    assert r.returncode == 0, r.describe()
    assert "Hello from the veil stub" in r.stdout or "veil stub" in r.stdout, r.describe()
    assert int(r.report.get("requests", 0)) >= 1 and r.blocked == 0, r.describe()
    assert typography_only(r.report), r.describe()


@pytest.mark.parametrize("agent", HEADLESS)
def test_headless_upstream_gets_the_real_key(veil_agent, upstream, agent):
    a = AGENTS[agent]
    t0 = time.monotonic()
    r = veil_agent(a.profile, upstream.url, a.headless("say hi"), env=agent_env(a), extra=["--fail-on-marker"])
    assert_answered_with_the_real_key(r, upstream, a)
    assert "say hi" in json.dumps([q["body"] for q in model_requests(upstream)])
    # Nothing but model traffic: no telemetry, update check or price list reached anything,
    # and veil refused nothing but what the agent has no setting for.
    assert_refused_only_the_known(r.report, a)
    assert time.monotonic() - t0 < 60


@pytest.mark.parametrize("agent", HEADLESS)
def test_headless_a_changed_apostrophe_is_still_a_marker(veil_agent, upstream, agent):
    """The agent's own words are below the gate; the same curly apostrophe in another word
    (the 2026 incident's marker) is not."""
    a = AGENTS[agent]
    r = veil_agent(a.profile, upstream.url, a.headless("say hi, it’s fine"), env=agent_env(a), extra=["--fail-on-marker"])
    assert r.returncode == 3, r.describe()
    markers = [f for f in r.report["findingList"] if f["severity"] == "marker"]
    assert markers and {f["word"] for f in markers} == {"it’s"}, markers


@pytest.mark.parametrize("agent", HEADLESS)
def test_headless_canary_is_blocked_and_veil_says_so(veil_agent, upstream, workdir, agent):
    a = AGENTS[agent]
    value = str(workdir)
    r = veil_agent(a.profile, upstream.url, a.headless(f"say hi; my project is in {value}"), env=agent_env(a),
                   timeout=120)
    assert value not in json.dumps([q["body"] for q in model_requests(upstream)]), "the canary reached the upstream"
    assert r.blocked >= 1 and r.findings.get("canary", 0) >= 1, r.describe()
    assert REPLY not in r.stdout, r.describe()
    notices = blocked_notices(r.stderr)
    assert notices, f"veil's notice is not on the terminal\n{r.describe()}"
    assert not any(value in n for n in notices), notices


# --------------------------------------------------------------------------------------------
# Interactive (tmux): start, prompt, answer, resize, exit
# --------------------------------------------------------------------------------------------

def start_tui(tmux, veil_bin, host_env, a: Agent, upstream_url: str, tmp_path: Path, workdir: Path, tag: str):
    report, record = tmp_path / f"report-{tag}.json", tmp_path / f"record-{tag}.jsonl"
    # No --profile: the command's name chooses it.
    argv = [veil_bin, "run", "--upstream", upstream_url, "--record", str(record), "--report", str(report),
            "--", a.command, *a.interactive_args]
    env = dict(host_env)
    env.update({k: v for k, v in agent_env(a).items() if v is not None})
    s = tmux.start(argv, env, workdir)
    # Everything written to the terminal, whatever the TUI later draws over it.
    log = tmp_path / f"pane-{tag}.log"
    tmux.cmd("pipe-pane", "-o", "-t", s.name, f"cat >> {shlex.quote(str(log))}")
    return s, report, record, log


def longest_rule(screen: str) -> int:
    """The longest run of box-drawing rule characters on any line."""
    import re
    return max((len(m) for m in re.findall("─+", screen)), default=0)


def prompt(s, text: str) -> None:
    time.sleep(1)  # a TUI may draw its prompt a moment before it reads keys
    s.send_text(text)
    time.sleep(0.5)
    s.send_keys("Enter")


@pytest.mark.parametrize("agent", list(AGENTS))
def test_interactive(tmux, veil_bin, host_env, upstream, workdir, tmp_path, agent):
    a = AGENTS[agent]
    s, report, record, _ = start_tui(tmux, veil_bin, host_env, a, upstream.url, tmp_path, workdir, "tui")
    s.wait_for(a.ready, timeout=60, what=f"{a.name}'s prompt")
    prompt(s, "say hi")
    s.wait_for(REPLY, timeout=60, what="the upstream's reply on screen")
    # The resize reaches the agent: a TUI that draws full-width rules redraws them wider than
    # the 200 columns it started with (tmux itself only cuts or rewraps lines), and the agent
    # still answers.
    before = len(model_requests(upstream))
    assert longest_rule(s.screen()) <= 200
    s.tmux.cmd("resize-window", "-t", s.name, "-x", "240", "-y", "50")
    if a.full_width_rules:
        s.wait_for(lambda x: longest_rule(x) > 200, timeout=10, what="the TUI redrawn at 240 columns")
    prompt(s, "say hi again")
    deadline = time.monotonic() + 60
    while len(model_requests(upstream)) == before and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(model_requests(upstream)) > before, f"no answer after the resize:\n{s.screen()}"
    time.sleep(1)
    a.quit(s)
    status = s.wait_exit(30)
    assert status == 0, f"exit {status}; screen:\n{s.last_screen}"
    rep = json.loads(report.read_text())
    reqs = model_requests(upstream)
    assert reqs and {sent_key(q["headers"]) for q in reqs} == {a.key}, [q["headers"] for q in reqs]
    assert int(rep.get("blocked", 0)) == 0 and typography_only(rep), rep
    assert_refused_only_the_known(rep, a)
    assert a.key not in record.read_text()


@pytest.mark.parametrize("agent", list(AGENTS))
def test_interactive_stub(tmux, veil_bin, host_env, workdir, tmp_path, agent):
    a = AGENTS[agent]
    s, report, _, _ = start_tui(tmux, veil_bin, host_env, a, "stub", tmp_path, workdir, "stub")
    s.wait_for(a.ready, timeout=60, what=f"{a.name}'s prompt")
    prompt(s, "say hi")
    s.wait_for("veil stub", timeout=60, what="the stub's reply on screen")
    a.quit(s)
    assert s.wait_exit(30) == 0, s.last_screen
    rep = json.loads(report.read_text())
    assert int(rep.get("blocked", 0)) == 0 and typography_only(rep), rep


@pytest.mark.parametrize("agent", list(AGENTS))
def test_interactive_canary_is_blocked_and_veil_says_so(tmux, veil_bin, host_env, upstream, workdir, tmp_path, agent):
    """Issue 18, item 7: whatever the TUI does with veil's error (OpenHands once showed its
    own prompt and exited 0), veil's own line reaches the terminal."""
    a = AGENTS[agent]
    value = str(workdir)
    s, report, _, log = start_tui(tmux, veil_bin, host_env, a, upstream.url, tmp_path, workdir, "canary")
    s.wait_for(a.ready, timeout=60, what=f"{a.name}'s prompt")
    prompt(s, f"say hi; my project is in {value}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.exists() and blocked_notices(strip_ansi(log.read_text(errors="replace")))):
        time.sleep(0.3)
    written = strip_ansi(log.read_text(errors="replace")) if log.exists() else ""
    notices = blocked_notices(written)
    assert notices, f"veil's notice never reached the terminal; screen:\n{s.screen()}"
    assert not any(value in n for n in notices), notices
    assert REPLY not in s.screen()
    if a.ends_on_error:
        # OpenHands ends on the error, with a traceback naming veil's message, and says so in
        # its exit status (it once printed its own prompt and exited 0).
        assert s.wait_exit(60) != 0, s.screen()
    else:
        a.quit(s)
        assert s.wait_exit(30) == 0, s.screen()
    rep = json.loads(report.read_text())
    assert int(rep.get("blocked", 0)) >= 1, rep
    assert value not in json.dumps([q["body"] for q in model_requests(upstream)]), "the canary reached the upstream"


def strip_ansi(text: str) -> str:
    """The pane's bytes as lines: escape sequences dropped, carriage returns as line ends."""
    import re
    text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]", "", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------------------------
# What the profiles write and switch off
# --------------------------------------------------------------------------------------------

def test_openhands_settings_are_written_once_from_its_variables(run_veil, host_env, tmp_path):
    """veil writes ~/.openhands/agent_settings.json in the profile home from LLM_MODEL and what
    the agent sees of LLM_API_KEY (the placeholder) and LLM_BASE_URL (the inspector)."""
    a = AGENTS["openhands"]
    show = ["run", "--upstream", "stub", "--", "openhands", "--help"]
    r = run_veil(show, env={**agent_env(a), "LLM_BASE_URL": None})
    assert r.returncode == 0, r.stderr
    home = Path(host_env["XDG_STATE_HOME"]) / "veil" / "profiles" / "openhands" / "home"
    settings = json.loads((home / ".openhands" / "agent_settings.json").read_text())
    llm = settings["llm"]
    assert llm["model"] == "openai/test-model"
    assert llm["base_url"] == "http://127.0.0.1:8080"
    assert llm["api_key"] and llm["api_key"] != LLM_TEST_KEY
    # Written once: what the agent (or the user, through /settings) changes there stays.
    (home / ".openhands" / "agent_settings.json").write_text(json.dumps({"llm": {**llm, "model": "openai/other"}}))
    run_veil(show, env=agent_env(a))
    assert json.loads((home / ".openhands" / "agent_settings.json").read_text())["llm"]["model"] == "openai/other"


@pytest.mark.parametrize("agent,expected", [
    ("vibe", {"VIBE_ENABLE_TELEMETRY": "false", "VIBE_ENABLE_UPDATE_CHECKS": "false", "VIBE_SHOW_GREETING": "false"}),
    ("kimi", {"KIMI_DISABLE_TELEMETRY": "1", "KIMI_CLI_NO_AUTO_UPDATE": "1"}),
    ("openhands", {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}),
])
def test_the_command_name_picks_the_profile_and_its_switches(run_veil, tmp_path, agent, expected):
    """`veil run -- NAME` picks the agent's profile by the command's name (here `env` under the
    agent's name), which sets the agent's own switches and masks its key."""
    a = AGENTS[agent]
    named = tmp_path / "bin" / a.command
    named.parent.mkdir()
    named.symlink_to("/usr/bin/env")
    r = run_veil(["run", "--upstream", "stub", "--", str(named)], env=agent_env(a))
    assert r.returncode == 0, r.stderr
    seen = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    for k, v in expected.items():
        assert seen.get(k) == v, (k, seen.get(k))
    assert seen.get(a.key_var) and seen[a.key_var] != a.key, "the key is not masked"
    # Without the profile (another name), none of it.
    other = tmp_path / "bin" / "not-an-agent"
    other.symlink_to("/usr/bin/env")
    plain = run_veil(["run", "--upstream", "stub", "--", str(other)], env=agent_env(a)).stdout
    assert not any(f"{k}=" in plain for k in expected), plain
