"""OpenAI's Codex CLI through `--profile codex`, both versions the setup installs: 0.163.0
(openai-codex-cli-bin) and 0.147.0 (codex-bin).

Codex reads no base-URL variable: it dials wss://api.openai.com/v1/responses through the
proxy. veil answers that CONNECT with the run's CA (Codex trusts it through SSL_CERT_FILE) and
reads the WebSocket message by message; before, Codex got 403, retried for ~6 s and fell back
to HTTPS (0.163 then looped on "Reconnecting"). The host name never leaves loopback: under
`--upstream` tunnelled traffic goes to the test's own servers or the stub.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import OPENAI_TEST_KEY, REPLY, pass_dialogs, veil_run_argv
from ws_upstream import WSUpstream

VERSIONS = {"0.163.0": "codex", "0.147.0": "codex-0.147"}
CODEX_TEST_KEY = "sk-proj-codexveiltest0123456789abcdefghijklmnopqrstuvwx"
STUB_REPLY = "Hello from the veil stub."


def codex(venv, version: str, prompt: str) -> list[str]:
    return [str(venv.bin / VERSIONS[version]), "exec", "--skip-git-repo-check", prompt]


def record_lines(r) -> list[dict]:
    return [json.loads(ln) for ln in r.record_path.read_text().splitlines() if ln.strip()]


@pytest.fixture
def ws_upstream():
    up = WSUpstream().start()
    try:
        yield up
    finally:
        up.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_codex_headless_stub_over_websocket(veil_agent, venv, version):
    t0 = time.monotonic()
    r = veil_agent("codex", "stub", codex(venv, version, "say hi"))
    elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.describe()
    assert STUB_REPLY in r.stdout, r.describe()
    # The WebSocket worked: no fallback to HTTPS, and no seconds lost on retries.
    assert "Falling back" not in r.stdout + r.stderr, r.describe()
    assert elapsed < 20, elapsed
    methods = [e["method"] for e in record_lines(r)]
    assert "WS" in methods and "POST" not in methods, methods
    assert r.report["tunnels"] >= 1 and r.blocked == 0, r.describe()
    # Nothing else asked for (issue 18, item 9): the profile's config.toml switches off the
    # plugin marketplace (chatgpt.com, github.com, api.github.com) and the metrics export
    # (ab.chatgpt.com), which were refused CONNECTs before.
    assert int(r.report.get("rejected", 0)) == 0, r.report.get("refusals")


@pytest.mark.parametrize("version", VERSIONS)
def test_codex_own_typography_is_below_the_default_gate(veil_agent, venv, version):
    """Codex's own instructions carry curly apostrophes and em dashes (`Don’t`, `Codex—and`):
    listed in the profile's own_typography they are severity typography, so --fail-on-marker
    passes an innocent run; the same apostrophe in another word is a marker, and the strictest
    gate sees the agent's own words too."""
    r = veil_agent("codex", "stub", codex(venv, version, "say hi"), extra=["--fail-on-marker"])
    assert r.returncode == 0, r.describe()
    levels = r.report["findingsBySeverity"]
    assert levels.get("typography", 0) >= 1 and "marker" not in levels, levels
    r = veil_agent("codex", "stub", codex(venv, version, "say hi"), extra=["--fail-on", "typography"])
    assert r.returncode == 3, r.describe()
    r = veil_agent("codex", "stub", codex(venv, version, "say hi, it’s fine"), extra=["--fail-on-marker"])
    assert r.returncode == 3, r.describe()
    markers = [f for f in r.report["findingList"] if f["severity"] == "marker"]
    assert markers and {f["word"] for f in markers} == {"it’s"}, markers


@pytest.mark.parametrize("version", VERSIONS)
def test_codex_websocket_reaches_the_upstream_with_the_real_key(veil_agent, venv, ws_upstream, version):
    # `codex exec` authenticates with CODEX_API_KEY alone (OPENAI_API_KEY is for the interactive
    # login); the profile masks both.
    for env, key in (({"CODEX_API_KEY": CODEX_TEST_KEY}, CODEX_TEST_KEY),):
        before = len(ws_upstream.upgrades)
        r = veil_agent("codex", ws_upstream.url, codex(venv, version, "say hi"), env=env)
        assert r.returncode == 0, r.describe()
        assert REPLY in r.stdout, r.describe()
        assert "Falling back" not in r.stdout + r.stderr, r.describe()
        upgrades = ws_upstream.upgrades[before:]
        assert upgrades and upgrades[0][":path"] == "/v1/responses", upgrades
        # The placeholder the agent held became the real key on the way out, never inside.
        assert upgrades[0].get("authorization") == f"Bearer {key}", upgrades[0]
        assert key not in r.record_path.read_text()
    prompts = json.dumps(ws_upstream.messages)
    assert "say hi" in prompts


@pytest.mark.parametrize("version", VERSIONS)
def test_codex_canary_in_a_websocket_message_is_blocked(veil_agent, venv, ws_upstream, workdir, version):
    value = str(workdir)
    r = veil_agent("codex", ws_upstream.url, codex(venv, version, f"read {value}/notes.txt"), timeout=120)
    assert value not in json.dumps(ws_upstream.messages), "the canary reached the upstream"
    assert r.blocked >= 1, r.describe()
    notices = [ln for ln in r.stderr.splitlines() if ln.startswith("veil: blocked WS /v1/responses: canary")]
    assert notices, r.describe()
    # Codex echoes its own prompt to stderr; veil's lines never carry the value.
    assert not any(value in ln for ln in notices), notices


def test_placeholders_are_stable_and_earlier_ones_still_restore(run_veil, upstream, workdir, tmp_path):
    """A profile's placeholder is the same every run (Codex keeps the key it was given in the
    profile home); when the host's key changes shape, the new run gets a new placeholder, and
    the old one, still held by the agent, is restored to the host's current key."""
    show = ["run", "--profile", "codex", "--upstream", "stub", "--", "/bin/sh", "-c", "echo $OPENAI_API_KEY"]
    first = run_veil(show).stdout.strip()
    assert first and first != OPENAI_TEST_KEY and first == run_veil(show).stdout.strip()
    other = run_veil(["run", "--profile", "claude-code", "--upstream", "stub", "--", "/bin/sh", "-c",
                      "echo $OPENAI_API_KEY"]).stdout.strip()
    assert other != first, "two profiles share a placeholder"

    new_key = "sk-svcacct-" + "Z9" * 30
    send = ("import json, os, sys, urllib.request\n"
            "req = urllib.request.Request(os.environ['OPENAI_BASE_URL'] + '/chat/completions', method='POST',\n"
            "    data=json.dumps({'model': 'gpt-4o', 'messages': [{'role': 'user', 'content': 'hi'}]}).encode(),\n"
            "    headers={'content-type': 'application/json', 'authorization': 'Bearer ' + sys.argv[1]})\n"
            "print(urllib.request.urlopen(req, timeout=30).status)\n")
    (workdir / "send.py").write_text(send)
    r = run_veil(["run", "--profile", "codex", "--upstream", upstream.url, "--", "python3", "send.py", first],
                 env={"OPENAI_API_KEY": new_key})
    assert r.stdout.strip() == "200", r.describe()
    auth = [q["headers"].get("authorization") for q in upstream.requests if q["path"].endswith("/chat/completions")]
    assert auth == [f"Bearer {new_key}"], auth


WS_CLIENT = r'''
import json, sys
from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosed
out = {}
with connect("ws://127.0.0.1:8080/v1/responses", compression="deflate",
             additional_headers={"authorization": "Bearer " + __import__("os").environ["OPENAI_API_KEY"]}) as ws:
    out["extensions"] = ws.response.headers.get("Sec-WebSocket-Extensions", "")
    ws.send(json.dumps({"type": "response.create", "model": "m", "input": "say hi " * 40}))
    while True:
        e = json.loads(ws.recv())
        if e["type"] == "response.completed":
            out["first"] = e["response"]["output"][0]["content"][0]["text"]
            break
    ws.send(json.dumps({"type": "response.create", "model": "m", "input": "say hi " * 40 + sys.argv[1]}))
    try:
        while True:
            ws.recv()
    except ConnectionClosed as e:
        out["close"] = [e.rcvd.code, e.rcvd.reason] if e.rcvd else None
print(json.dumps(out))
'''


def test_a_compressed_websocket_message_is_read_and_blocked(veil_agent, venv, ws_upstream, workdir):
    """permessage-deflate agreed end to end (the upstream's websockets server offers it): the
    frames cross as they are, veil inflates a copy for the scan, with the window carried from
    message to message; the second message's canary closes the socket with 1008."""
    (workdir / "ws_client.py").write_text(WS_CLIENT)
    r = veil_agent("codex", ws_upstream.url, [venv.python, "ws_client.py", str(workdir)])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert "permessage-deflate" in out["extensions"], out
    assert out["first"] == REPLY, out
    assert out["close"][0] == 1008 and "canary" in out["close"][1], out
    assert str(workdir) not in json.dumps(ws_upstream.messages)
    assert len(ws_upstream.messages) == 1 and ws_upstream.messages[0]["input"].startswith("say hi")
    assert ws_upstream.upgrades[0]["authorization"] == f"Bearer {OPENAI_TEST_KEY}"
    assert r.blocked == 1, r.describe()


def codex_prompt(screen: str) -> bool:
    # The composer's footer: "<model> default · ~/<dir>" (its placeholder text varies).
    return " default · ~/" in screen and not any(cue in screen for _, cue, _ in CODEX_DIALOGS)


# Codex's first-run dialogs (0.147 and 0.163) and the keys that pass them.
CODEX_DIALOGS = [("login", "Provide your own API key", "option"),
                 ("save-key", "Press enter to save", ["Enter"]),
                 ("trust", "Do you trust the contents of this directory", ["Enter"])]


def pass_codex_dialogs(s, timeout: float = 90) -> list[str]:
    return pass_dialogs(s, codex_prompt, CODEX_DIALOGS, answer_codex, "Codex", timeout)


def answer_codex(s, how) -> None:
    """The login menu: the cursor (`>` or `›`) moved onto "Provide your own API key", then
    Enter; other dialogs: their keys."""
    if how != "option":
        s.send_keys(*how)
        return
    for _ in range(10):
        cursor = next((ln for ln in s.screen().splitlines() if ln.strip().startswith((">", "›"))), "")
        if "Provide your own API key" in cursor:
            break
        s.send_keys("Down")
        time.sleep(0.3)
    s.send_keys("Enter")


@pytest.mark.parametrize("version", VERSIONS)
def test_codex_interactive_keeps_its_key_across_runs(tmux, veil_bin, host_env, venv, ws_upstream, workdir, tmp_path,
                                                      version):
    """The TUI's first run: "Provide your own API key" stores the key it was given (the
    profile's placeholder) in ~/.codex/auth.json inside the profile home. The second run asks
    nothing and sends that stored placeholder, which veil swaps for the real key: before, the
    placeholder changed every run and the stored one went upstream stale."""
    binary = str(venv.bin / VERSIONS[version])
    for run in (1, 2):
        argv = veil_run_argv(veil_bin, "codex", ws_upstream.url, tmp_path / f"report-{run}.json",
                             tmp_path / f"record-{run}.jsonl", [binary])
        before = len(ws_upstream.upgrades)
        s = tmux.start(argv, host_env, workdir)
        seen = pass_codex_dialogs(s)
        # The first run logs in with the placeholder it is given; the second finds it stored.
        assert ("login" in seen) == (run == 1), seen
        s.wait_for(codex_prompt, timeout=60, what="Codex's prompt")
        s.send_text("say hi")
        time.sleep(0.5)
        s.send_keys("Enter")
        s.wait_for(REPLY, timeout=60, what="the upstream's reply on screen")
        s.quit_with_ctrl_c_pairs()
        assert s.wait_exit(30) == 0, s.last_screen
        upgrades = ws_upstream.upgrades[before:]
        assert upgrades, "no WebSocket reached the upstream"
        assert all(u.get("authorization") == f"Bearer {OPENAI_TEST_KEY}" for u in upgrades), upgrades
        report = json.loads((tmp_path / f"report-{run}.json").read_text())
        assert report["blocked"] == 0, report
