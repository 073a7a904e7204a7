"""The vendors' own SDKs (anthropic, openai, google-genai from PyPI) as clients inside `veil run`.

A small client script runs inside the sandbox with the test venv's Python; its base URL and
key come only from what the profile sets inside (the inspector on the sandbox's loopback and a
per-run placeholder key). Normal and streaming requests must get the upstream's answer with
nothing flagged; a planted host canary must be blocked with an error the SDK raises and whose
message says what veil found; the upstream's real loopback port must be unreachable.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import socket
from pathlib import Path

import pytest

from conftest import ANTHROPIC_TEST_KEY, GEMINI_TEST_KEY, OPENAI_TEST_KEY, REPLY, model_requests, sent_key
from upstream import Upstream

# A throwaway CA and a certificate it signed for localhost (Tests/fixtures/tls; the staged
# copy for the unprivileged run sits beside the tests too).
TLS = Path(__file__).resolve().parent.parent / "fixtures" / "tls"

# Which profile maps which SDK's base-URL variable to the inspector.
PROFILES = {"anthropic": "claude-code", "openai": "generic-openai"}
KEYS = {"anthropic": ANTHROPIC_TEST_KEY, "openai": OPENAI_TEST_KEY}

CLIENT = r'''
import hashlib, json, os, sys
kind, mode, prompt = sys.argv[1], sys.argv[2], sys.argv[3]
real_key_sha = sys.argv[4] if len(sys.argv) > 4 else ""
out = {"kind": kind, "mode": mode,
       "base_url_env": os.environ.get("ANTHROPIC_BASE_URL" if kind == "anthropic" else "OPENAI_BASE_URL"),
       "trust_env": {k: os.environ[k] for k in ("SSL_CERT_FILE", "SSL_CERT_DIR") if k in os.environ}}
key = os.environ.get("ANTHROPIC_API_KEY" if kind == "anthropic" else "OPENAI_API_KEY") or ""
out["key_is_real"] = hashlib.sha256(key.encode()).hexdigest() == real_key_sha
try:
    if kind == "anthropic":
        import anthropic
        c = anthropic.Anthropic(max_retries=0, timeout=60)  # base URL and key from the env
        args = dict(model="claude-sonnet-4-5", max_tokens=64,
                    messages=[{"role": "user", "content": prompt}])
        if mode == "stream":
            with c.messages.stream(**args) as s:
                text = "".join(s.text_stream)
        else:
            m = c.messages.create(**args)
            text = "".join(b.text for b in m.content if b.type == "text")
    else:
        import openai
        c = openai.OpenAI(max_retries=0, timeout=60)
        args = dict(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        if mode == "stream":
            text = "".join((ch.choices[0].delta.content or "") for ch in
                           c.chat.completions.create(stream=True, **args) if ch.choices)
        else:
            text = c.chat.completions.create(**args).choices[0].message.content
    out.update(ok=True, text=text)
    print(json.dumps(out))
except Exception as e:
    out.update(ok=False, error=type(e).__name__, status=getattr(e, "status_code", None),
               message=str(e))
    print(json.dumps(out))
    sys.exit(2)
'''

PROBE = r'''
import json, socket, sys
port = int(sys.argv[1])
res = {}
for host in ("127.0.0.1", "localhost"):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, port))
        s.sendall(b"GET /v1/models HTTP/1.0\r\nHost: x\r\nanthropic-version: 2023-06-01\r\n\r\n")
        res[host] = "connected: " + s.recv(200).decode("latin1").split("\r\n")[0]
    except OSError as e:
        res[host] = f"refused: {type(e).__name__}: {e}"
    finally:
        s.close()
print(json.dumps(res))
'''


def sha(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


@pytest.fixture
def client(workdir: Path, venv) -> list[str]:
    (workdir / "client.py").write_text(CLIENT)
    (workdir / "probe.py").write_text(PROBE)
    return [venv.python, "client.py"]


def parse(stdout: str) -> dict:
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    assert lines, f"client printed no JSON:\n{stdout}"
    return json.loads(lines[-1])


@pytest.mark.parametrize("mode", ["normal", "stream"])
@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_sdk_answer(veil_agent, upstream, client, kind, mode):
    key = KEYS[kind]
    r = veil_agent(PROFILES[kind], upstream.url, [*client, kind, mode, "say hi", sha(key)])
    assert r.returncode == 0, r.describe()
    out = parse(r.stdout)
    assert out["ok"] and out["text"] == REPLY, out
    # Inside, the base URL is the inspector on the sandbox's loopback, never the upstream.
    assert out["base_url_env"] and out["base_url_env"].startswith("http://127.0.0.1:"), out
    assert f":{upstream.port}" not in out["base_url_env"], out
    reqs = model_requests(upstream)
    assert len(reqs) == 1, upstream.requests
    assert reqs[0]["body"]["stream"] is True if mode == "stream" else not reqs[0]["body"].get("stream")
    assert r.findings == {} and r.blocked == 0, r.describe()
    # Credential masking: a placeholder inside, the real key upstream, none in the record.
    assert not out["key_is_real"], "the real API key is visible inside the sandbox"
    assert sent_key(reqs[0]["headers"]) == key
    assert key not in r.record_path.read_text()


@pytest.mark.parametrize("mode", ["normal", "stream"])
@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_sdk_canary_blocked(veil_agent, upstream, client, workdir, kind, mode):
    value = str(workdir)  # the host path of the workdir: a canary (inside it is /home/user/...)
    r = veil_agent(PROFILES[kind], upstream.url, [*client, kind, mode, f"read {value}/notes.txt"])
    assert r.returncode == 2, r.describe()
    out = parse(r.stdout)
    assert not out["ok"] and out["status"] == 400, out
    assert out["error"] in ("BadRequestError",), out
    assert "veil blocked" in out["message"] and "canary" in out["message"], out
    assert value not in out["message"], "the block message echoes the canary back"
    assert model_requests(upstream) == [], "a blocked request reached the upstream"
    assert r.blocked == 1 and r.findings.get("canary", 0) >= 1, r.describe()
    # Whatever the agent does with the error, veil itself tells the terminal: one line, naming
    # the kind and where, never the value.
    path = "/v1/messages" if kind == "anthropic" else "/v1/chat/completions"
    notices = [ln for ln in r.stderr.splitlines() if ln.startswith("veil: blocked ")]
    assert notices == [f"veil: blocked POST {path}: canary (workdir path) at $.messages[0].content"
                       f" — see the record {r.record_path}"], r.describe()
    assert value not in r.stderr, r.describe()


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_sdk_fail_on_marker(veil_agent, upstream, client, workdir, kind):
    r = veil_agent(PROFILES[kind], upstream.url, [*client, kind, "normal", f"read {workdir}"],
                   extra=["--fail-on-marker"])
    assert r.returncode == 3, r.describe()


def test_direct_connection_to_upstream_fails(veil_agent, upstream, client, workdir):
    """The upstream listens on the host's 127.0.0.1:<port>; the sandbox's loopback is its own."""
    r = veil_agent(PROFILES["anthropic"], upstream.url, [client[0], "probe.py", str(upstream.port)])
    assert r.returncode == 0, r.describe()
    res = parse(r.stdout)
    for host, what in res.items():
        assert what.startswith("refused"), f"{host}:{upstream.port} reachable from the sandbox: {what}"
    assert upstream.requests == [], upstream.requests


def test_sdk_direct_base_url_inside(veil_agent, upstream, client, workdir):
    """A client that ignores the profile's variables and dials the upstream's port directly
    fails closed (connection error), and the upstream sees nothing."""
    script = workdir / "direct.py"
    script.write_text(
        "import anthropic, json, sys\n"
        f"c = anthropic.Anthropic(base_url='http://127.0.0.1:{upstream.port}', api_key='x', max_retries=0, timeout=10)\n"
        "try:\n"
        "    c.messages.create(model='m', max_tokens=8, messages=[{'role': 'user', 'content': 'hi'}])\n"
        "    print(json.dumps({'ok': True}))\n"
        "except Exception as e:\n"
        "    print(json.dumps({'ok': False, 'error': type(e).__name__}))\n")
    r = veil_agent(PROFILES["anthropic"], upstream.url, [client[0], "direct.py"])
    out = parse(r.stdout)
    assert out == {"ok": False, "error": "APIConnectionError"}, r.describe()
    assert upstream.requests == []


GZIP_CLIENT = r'''
import gzip, json, os, sys
try:
    import httpx2 as httpx  # what the SDKs themselves import now
except ImportError:
    import httpx
body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": sys.argv[1]}]}).encode()
r = httpx.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions", content=gzip.compress(body), timeout=60,
               headers={"content-type": "application/json", "content-encoding": "gzip",
                        "authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
print(json.dumps({"status": r.status_code, "body": r.text}))
'''


def test_compressed_request_body_is_inspected(veil_agent, upstream, client, workdir):
    """A gzip request body (httpx, the SDKs' HTTP stack; Codex CLI sends zstd): read decoded by
    the scanner, forwarded as sent; a canary inside it is blocked."""
    (workdir / "gzip_client.py").write_text(GZIP_CLIENT)
    r = veil_agent(PROFILES["openai"], upstream.url, [client[0], "gzip_client.py", "say hi"])
    assert r.returncode == 0, r.describe()
    out = parse(r.stdout)
    assert out["status"] == 200 and REPLY in out["body"], r.describe()
    reqs = model_requests(upstream)
    assert len(reqs) == 1 and reqs[0]["headers"].get("content-encoding") == "gzip", upstream.requests
    assert reqs[0]["body"]["messages"][0]["content"] == "say hi"
    assert r.findings == {}, r.describe()

    r = veil_agent(PROFILES["openai"], upstream.url, [client[0], "gzip_client.py", f"read {workdir}/notes.txt"])
    out = parse(r.stdout)
    assert out["status"] == 400 and "canary" in out["body"], r.describe()
    assert len(model_requests(upstream)) == 1, "the compressed canary reached the upstream"
    assert r.blocked == 1, r.describe()


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_sdk_upstream_down(veil_agent, client, kind):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    r = veil_agent(PROFILES[kind], dead, [*client, kind, "normal", "say hi"], timeout=120)
    out = parse(r.stdout)
    assert not out["ok"], out
    assert out["status"] in (502, 503, 504), out
    assert out["message"], out


@pytest.fixture
def tls_upstream(tmp_path: Path):
    """The same model API over https, as `https://localhost:<port>` (host side)."""
    up = Upstream("127.0.0.1", 0, record=str(tmp_path / "tls-upstream.jsonl"),
                  tls=(str(TLS / "localhost.pem"), str(TLS / "localhost.key"))).start()
    try:
        yield up
    finally:
        up.stop()


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_sdk_https_upstream_trusted_by_the_host(veil_agent, tls_upstream, client, kind):
    """The host trusts the upstream's CA through SSL_CERT_FILE (as a private or corporate CA
    is): veil's inspector verifies with it, the streamed answer arrives with the real key
    upstream, and the host's trust setting never reaches the sandbox."""
    key = KEYS[kind]
    r = veil_agent(PROFILES[kind], tls_upstream.url, [*client, kind, "stream", "say hi", sha(key)],
                   env={"SSL_CERT_FILE": str(TLS / "ca.pem"), "SSL_CERT_DIR": None})
    assert r.returncode == 0, r.describe()
    out = parse(r.stdout)
    assert out["ok"] and out["text"] == REPLY, out
    # Inside, the trust variables name the sandbox's own bundle (the run's CA), never the host's.
    assert out["trust_env"] == {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_DIR": "/etc/ssl/certs"}, out
    reqs = model_requests(tls_upstream)
    assert len(reqs) == 1 and sent_key(reqs[0]["headers"]) == key, tls_upstream.requests
    assert r.findings == {} and r.blocked == 0, r.describe()


def test_sdk_https_upstream_untrusted(veil_agent, tls_upstream, client):
    """Against the system store the test CA is unknown: the SDK raises the 502 veil sends,
    whose message says TLS failed and why; nothing reaches the upstream."""
    r = veil_agent(PROFILES["anthropic"], tls_upstream.url, [*client, "anthropic", "normal", "say hi"],
                   env={"SSL_CERT_FILE": None, "SSL_CERT_DIR": None}, timeout=120)
    assert r.returncode == 2, r.describe()
    out = parse(r.stdout)
    assert not out["ok"] and out["status"] == 502, out
    assert f"TLS with upstream localhost:{tls_upstream.port} failed: CERTIFICATE_VERIFY_FAILED" in out["message"], out
    assert model_requests(tls_upstream) == []


def test_sdk_https_upstream_trust_file_missing(veil_agent, tls_upstream, client, tmp_path):
    """A host SSL_CERT_FILE naming nothing: veil says so when its inspector starts, and the
    agent's request is refused with the reason instead of being verified against a store the
    host did not choose."""
    missing = tmp_path / "no-such-ca.pem"
    r = veil_agent(PROFILES["anthropic"], tls_upstream.url, [*client, "anthropic", "normal", "say hi"],
                   env={"SSL_CERT_FILE": str(missing), "SSL_CERT_DIR": None}, timeout=120)
    assert r.returncode == 2, r.describe()
    out = parse(r.stdout)
    assert not out["ok"] and out["status"] == 502, out
    assert "no https upstream can be verified" in out["message"], out
    assert f"SSL_CERT_FILE={missing} is not a readable file: https upstreams are refused" in r.stderr, r.stderr
    assert model_requests(tls_upstream) == []


def test_sdk_https_upstream_proxy_variable_unreadable(veil_agent, tls_upstream, client):
    """A host HTTPS_PROXY veil cannot read (a port out of range): veil names the variable when
    its inspector starts, never its value (it holds a password here), and the request is
    refused rather than sent around the proxy the host asked for."""
    r = veil_agent(PROFILES["anthropic"], tls_upstream.url, [*client, "anthropic", "normal", "say hi"],
                   env={"HTTPS_PROXY": "http://user:pr0xy-secret@proxy.corp.example:99999", "NO_PROXY": None,
                        "no_proxy": None, "https_proxy": None}, timeout=120)
    assert r.returncode == 2, r.describe()
    out = parse(r.stdout)
    assert not out["ok"] and out["status"] == 502, out
    assert "veil: the host's HTTPS_PROXY is not a proxy URL veil can read" in r.stderr, r.stderr
    assert "pr0xy-secret" not in r.stderr + r.stdout, r.stderr
    assert model_requests(tls_upstream) == []


# --------------------------------------------------------------------------------------------
# Your own agent under the default profile: `veil run -- python3 my_agent.py`, no --profile,
# the SDK constructed with no base URL and no key, as its documentation shows it.
# --------------------------------------------------------------------------------------------

OWN_AGENT = r"""
import hashlib, json, os, sys
kind = sys.argv[1]
out = {"kind": kind, "key_shas": [hashlib.sha256(os.environ[k].encode()).hexdigest() for k in
       ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY") if k in os.environ]}
try:
    if kind == "anthropic":
        import anthropic
        m = anthropic.Anthropic(max_retries=0, timeout=60).messages.create(
            model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "say hi"}])
        text = "".join(b.text for b in m.content if b.type == "text")
    elif kind == "openai":
        import openai
        text = openai.OpenAI(max_retries=0, timeout=60).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "say hi"}]).choices[0].message.content
    else:
        from google import genai
        client = genai.Client()  # held: a client dropped mid-expression closes its connection
        text = client.models.generate_content(model="gemini-2.5-flash", contents="say hi").text
    out.update(ok=True, text=text)
except Exception as e:
    out.update(ok=False, error=type(e).__name__, message=str(e)[:500])
print(json.dumps(out))
"""

SDK_KINDS = ["anthropic", "openai", "gemini"]
# Nothing of the SDKs' own on the host: the run must supply all of it.
NO_SDK_ENV = {k: None for k in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                                "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "GOOGLE_GEMINI_BASE_URL")}


@pytest.fixture
def own_agent(workdir: Path, venv) -> list[str]:
    (workdir / "my_agent.py").write_text(OWN_AGENT)
    return [venv.python, "my_agent.py"]


_own_runs = itertools.count(1)


def run_default(run_veil, tmp_path: Path, upstream_url: str, command: list[str], env: dict) -> tuple:
    """`veil run --upstream U --report R -- command`: the profile is veil's own choice."""
    report = tmp_path / f"own-report-{next(_own_runs)}.json"
    r = run_veil(["run", "--upstream", upstream_url, "--report", str(report), "--", *command], env=env)
    r.report = json.loads(report.read_text()) if report.exists() and report.read_text().strip() else {}
    return r, parse(r.stdout)


@pytest.mark.parametrize("kind", SDK_KINDS)
def test_own_agent_under_default_profile_reaches_the_stub(run_veil, own_agent, tmp_path, kind):
    """No key on the host and no flag but --upstream stub: the SDK finds a base URL (the
    inspector) and a key (the stub's stand-in) and gets the stub's answer."""
    r, out = run_default(run_veil, tmp_path, "stub", [*own_agent, kind], NO_SDK_ENV)
    assert r.returncode == 0 and out["ok"], r.describe()
    assert out["text"].startswith("Hello from the veil stub."), out
    assert r.findings == {} and r.blocked == 0, r.describe()


# (host variable, test key): google-genai reads GOOGLE_API_KEY, else GEMINI_API_KEY.
HOST_KEYS = {"anthropic": ("ANTHROPIC_API_KEY", ANTHROPIC_TEST_KEY), "openai": ("OPENAI_API_KEY", OPENAI_TEST_KEY),
             "gemini": ("GEMINI_API_KEY", GEMINI_TEST_KEY), "google": ("GOOGLE_API_KEY", GEMINI_TEST_KEY)}


@pytest.mark.parametrize("host_key", list(HOST_KEYS))
def test_own_agent_under_default_profile_sends_the_hosts_key_upstream(run_veil, own_agent, upstream, tmp_path,
                                                                      host_key):
    """Against a recording upstream on the host's loopback: the SDK's request arrives there with
    the key the host set (the agent held only a placeholder)."""
    variable, key = HOST_KEYS[host_key]
    kind = "gemini" if host_key == "google" else host_key
    r, out = run_default(run_veil, tmp_path, upstream.url, [*own_agent, kind], {**NO_SDK_ENV, variable: key})
    assert r.returncode == 0 and out["ok"] and out["text"] == REPLY, r.describe()
    reqs = model_requests(upstream)
    assert len(reqs) == 1, upstream.requests
    assert sent_key(reqs[0]["headers"]) == key, reqs[0]["headers"]
    assert out["key_shas"] and sha(key) not in out["key_shas"], "the real API key is visible inside the sandbox"
    assert r.findings == {} and r.blocked == 0, r.describe()
