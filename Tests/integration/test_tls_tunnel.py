"""CONNECT through the inspector, TLS terminated with the run's CA (issue 14, item 1).

A profile that allows CONNECT (claude-code: api.anthropic.com) gets a CA made for the run: the
sandbox trusts it alone (/etc/ssl/certs holds its certificate and nothing else; the CA variables
agents read point there), the inspector answers each allowed CONNECT with a certificate for the
host, and what flows inside is inspected like a plain request. Before, the tunnel was blind: a
canary sent through it reached the vendor.

The vendors' host names never leave loopback here: under `--upstream` tunnelled requests go to
the test's own upstream, and the direct-forwarding test tunnels to `localhost`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, REPLY, model_requests, sent_key
from test_sdk_clients import TLS, parse, tls_upstream  # noqa: F401  (the fixture)

# Inside the sandbox, with the system Python: what an attacker would write, and what an SDK
# that ignores the base-URL variables (but honours HTTPS_PROXY) does.
RAW = r'''
import json, os, socket, ssl, sys
host, how, text = sys.argv[1], sys.argv[2], sys.argv[3]
port = sys.argv[4] if len(sys.argv) > 4 else "443"
body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 8,
                   "messages": [{"role": "user", "content": text}]}).encode()
request = (f"POST /v1/messages HTTP/1.1\r\nHost: {host}\r\ncontent-type: application/json\r\n"
           f"anthropic-version: 2023-06-01\r\nx-api-key: {os.environ.get('ANTHROPIC_API_KEY', '')}\r\n"
           f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body
s = socket.create_connection(("127.0.0.1", 8080), timeout=20)
s.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(4096)
    if not chunk:
        break
    head += chunk
out = {"connect": head.split(b"\r\n")[0].decode()}
if out["connect"].startswith("HTTP/1.1 200"):
    if how == "tls":
        # Python 3.13's default, on this Python too: a CA that strict checks refuse fails here.
        ctx = ssl.create_default_context()
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        s = ctx.wrap_socket(s, server_hostname=host)
        cert = s.getpeercert()
        out["issuer"] = dict(x[0] for x in cert["issuer"])
        out["san"] = [v for _, v in cert["subjectAltName"]]
    s.sendall(request)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    out["status"] = reply.split(b"\r\n")[0].decode()
    out["body"] = reply.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")
print(json.dumps(out))
'''

TRUST = r'''
import json, os, ssl
d = "/etc/ssl/certs"
pem = open(d + "/ca-certificates.crt").read()
print(json.dumps({"files": sorted(os.listdir(d)), "certs": pem.count("BEGIN CERTIFICATE"),
                  "env": {k: os.environ.get(k) for k in ("SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS",
                                                         "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO")},
                  "default_roots": len(ssl.create_default_context().get_ca_certs())}))
'''


@pytest.fixture
def scripts(workdir: Path) -> Path:
    (workdir / "raw.py").write_text(RAW)
    (workdir / "trust.py").write_text(TRUST)
    return workdir


def test_the_sandbox_trusts_the_run_ca_alone(run_veil, scripts):
    r = run_veil(["run", "--profile", "claude-code", "--upstream", "stub", "--", "python3", "trust.py"])
    assert r.returncode == 0, r.describe()
    out = parse(r.stdout)
    # The host's roots (a company CA among them would name the company) are not inside.
    assert out["files"] == ["ca-certificates.crt"] and out["certs"] == 1, out
    assert out["default_roots"] == 1, out
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    assert out["env"] == {"SSL_CERT_FILE": bundle, "SSL_CERT_DIR": "/etc/ssl/certs", "NODE_EXTRA_CA_CERTS": bundle,
                          "REQUESTS_CA_BUNDLE": bundle, "CURL_CA_BUNDLE": bundle, "GIT_SSL_CAINFO": bundle}, out
    # A profile with no CONNECT host makes no CA: its bundle holds one root nobody can sign
    # with (clients that load the bundle at start need one), and no variable points at it.
    r = run_veil(["run", "--profile", "default", "--upstream", "stub", "--", "python3", "trust.py"])
    out = parse(r.stdout)
    assert out["env"]["SSL_CERT_FILE"] is None and out["files"] == ["ca-certificates.crt"], out
    assert out["certs"] == 1 and out["default_roots"] == 1, out


def test_a_canary_through_the_tunnel_is_blocked(veil_agent, upstream, scripts, workdir):
    """The attack that used to pass: CONNECT to the allowed model host, then the canary."""
    for how in ("tls", "plain"):
        r = veil_agent("claude-code", upstream.url, ["python3", "raw.py", "api.anthropic.com", how, f"read {workdir}"])
        assert r.returncode == 0, r.describe()
        out = parse(r.stdout)
        assert out["connect"].startswith("HTTP/1.1 200"), out
        assert out["status"].startswith("HTTP/1.1 400") and "canary" in out["body"], out
        assert str(workdir) not in out["body"], out
        assert r.blocked == 1, r.describe()
        if how == "tls":
            assert out["issuer"] == {"organizationName": "veil", "commonName": "veil sandbox CA"}, out
            assert out["san"] == ["api.anthropic.com"], out
    assert model_requests(upstream) == [], "a canary in a tunnel reached the upstream"


def test_a_clean_request_through_the_tunnel_is_forwarded(veil_agent, upstream, scripts):
    r = veil_agent("claude-code", upstream.url, ["python3", "raw.py", "api.anthropic.com", "tls", "say hi"])
    assert r.returncode == 0, r.describe()
    out = parse(r.stdout)
    assert out["status"].startswith("HTTP/1.1 200") and REPLY in out["body"], out
    reqs = model_requests(upstream)
    assert len(reqs) == 1 and reqs[0]["path"] == "/v1/messages", upstream.requests
    # The placeholder the agent sent became the real key upstream; the record has the exchange.
    assert sent_key(reqs[0]["headers"]) == ANTHROPIC_TEST_KEY
    assert r.report["tunnels"] == 1 and r.report["forwarded"] == 1, r.describe()
    assert "/v1/messages" in r.record_path.read_text()


def test_connect_to_a_host_the_profile_does_not_allow_is_refused(veil_agent, upstream, scripts):
    r = veil_agent("claude-code", upstream.url, ["python3", "raw.py", "example.com", "tls", "say hi"])
    out = parse(r.stdout)
    assert out["connect"].startswith("HTTP/1.1 403"), out
    assert upstream.requests == []


SDK = r'''
import json, sys
kind = sys.argv[1]
try:
    if kind == "anthropic":
        import anthropic
        # The vendor's own host, as an agent that ignores ANTHROPIC_BASE_URL would use it:
        # the SDK's HTTP stack goes through HTTPS_PROXY and trusts SSL_CERT_FILE.
        c = anthropic.Anthropic(base_url="https://api.anthropic.com", max_retries=0, timeout=60)
        m = c.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": sys.argv[2]}])
        text = "".join(b.text for b in m.content if b.type == "text")
    else:
        import openai
        c = openai.OpenAI(base_url="https://api.openai.com/v1", max_retries=0, timeout=60)
        text = c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": sys.argv[2]}]).choices[0].message.content
    print(json.dumps({"ok": True, "text": text}))
except Exception as e:
    print(json.dumps({"ok": False, "error": type(e).__name__, "status": getattr(e, "status_code", None), "message": str(e)}))
'''


@pytest.mark.parametrize("kind,profile,key", [("anthropic", "claude-code", ANTHROPIC_TEST_KEY),
                                              ("openai", "codex", OPENAI_TEST_KEY)])
def test_an_sdk_through_https_proxy_is_inspected(veil_agent, upstream, venv, workdir, kind, profile, key):
    (workdir / "sdk.py").write_text(SDK)
    r = veil_agent(profile, upstream.url, [venv.python, "sdk.py", kind, "say hi"])
    out = parse(r.stdout)
    assert out["ok"] and out["text"] == REPLY, r.describe()
    reqs = model_requests(upstream)
    assert len(reqs) == 1 and sent_key(reqs[0]["headers"]) == key, upstream.requests
    assert r.report["tunnels"] >= 1, r.describe()

    r = veil_agent(profile, upstream.url, [venv.python, "sdk.py", kind, f"read {workdir}"])
    out = parse(r.stdout)
    assert not out["ok"] and out["status"] == 400 and "canary" in out["message"], r.describe()
    assert len(model_requests(upstream)) == 1, "the canary reached the upstream"


def test_without_upstream_the_tunnel_goes_to_its_host_over_tls(run_veil, tls_upstream, scripts, tmp_path, workdir):  # noqa: F811
    """The path of a real run: the request inside the tunnel goes to the CONNECT host itself,
    over TLS verified with the host's trust settings (here the test CA, via the host's
    SSL_CERT_FILE). The tunnel's host is `localhost`, the TLS upstream on the host's loopback."""
    profile = tmp_path / "tunnel.toml"
    profile.write_text(f'extends = "claude-code"\n[inspector]\nconnect_allow = ["localhost:{tls_upstream.port}"]\n')
    r = run_veil(["run", "--profile", str(profile), "--report", str(tmp_path / "rep.json"), "--",
                  "python3", "raw.py", "localhost", "tls", "say hi", str(tls_upstream.port)],
                 env={"SSL_CERT_FILE": str(TLS / "ca.pem"), "SSL_CERT_DIR": None})
    assert r.returncode == 0, r.describe()
    out = parse(r.stdout)
    assert out["status"].startswith("HTTP/1.1 200") and REPLY in out["body"], out
    assert out["san"] == ["localhost"], out
    reqs = model_requests(tls_upstream)
    assert len(reqs) == 1 and reqs[0]["path"] == "/v1/messages", tls_upstream.requests
    report = json.loads((tmp_path / "rep.json").read_text())
    assert report["tunnels"] == 1 and report["forwarded"] == 1, report
