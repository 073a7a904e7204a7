"""`veil compare`'s host arm sees the host as it is: on a fabricated corporate host (Shanghai
time, zh_CN, a proxy, an https gateway, NO_PROXY for the corporate domain) the agent keeps every
variable, dials the gateway by name over TLS (or through the proxy with CONNECT), and the
recorder still captures what it sends. The fingerprinting agent's marks (the slash date, U+02BC,
the host's working directory and user name) show in the host arm and in no part of the veil arm.

Runs as root and as an ordinary user (a user namespace mapping the user's own ids).
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(os.environ.get("VEIL_EXAMPLES") or Path(__file__).resolve().parents[2] / "examples")
PYTHON = "/usr/bin/python3"
SLASH_DATE = re.compile(r"\d{4}/\d{2}/\d{2}")
CORPORATE = {
    "TZ": "Asia/Shanghai", "LANG": "zh_CN.UTF-8",
    "HTTPS_PROXY": "http://proxy.corp.example:3128", "https_proxy": "http://proxy.corp.example:3128",
    "NO_PROXY": ".corp.example,localhost", "no_proxy": ".corp.example,localhost",
    "ANTHROPIC_BASE_URL": "https://gateway.corp.example",
}
CA_VARIABLES = {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"}


@pytest.fixture(autouse=True)
def agent_in_workdir(workdir):
    shutil.copy(EXAMPLES / "fingerprint_agent.py", workdir / "fingerprint_agent.py")


def compare(run_veil, tmp_path, env, command=(PYTHON, "fingerprint_agent.py")):
    """Runs compare with --keep; returns the result, the JSON report and the kept directory
    (removed again by the caller's tmp_path lifetime: it is moved under tmp_path)."""
    out = tmp_path / "compare.json"
    r = run_veil(["compare", "--profile", "claude-code", "--keep", "--timeout", "120", "--json", str(out),
                  "--", *command], env=env, timeout=300)
    kept = re.search(r"veil: kept (\S+)", r.stderr)
    assert kept, r.describe()
    space = tmp_path / "kept"
    shutil.move(kept.group(1), space)
    return r, (json.loads(out.read_text()) if out.exists() else {}), space


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_corporate_host_markers_only_in_the_host_arm(run_veil, tmp_path, workdir):
    """The issue's done criterion: exit 4; the date separator, the apostrophe and the host's
    working directory (with the user's name in it) in the host arm, none of it in the veil arm;
    the gateway was dialed by its name, over TLS, as on the host (NO_PROXY covers it)."""
    r, rep, space = compare(run_veil, tmp_path, CORPORATE)
    assert r.returncode == 4, r.describe()
    diffs = rep["differences"]
    host_text = " ".join(d["host"] for d in diffs)
    veil_text = " ".join(d["veil"] for d in diffs)
    assert "U+02BC" in host_text and "U+02BC" not in veil_text, diffs
    assert SLASH_DATE.search(host_text) and not SLASH_DATE.search(veil_text), diffs
    canaries = [d for d in diffs if d["kind"] == "canary"]
    assert any("workdir path" in d["detail"] and "host side" in d["detail"] for d in canaries), diffs
    assert str(workdir) in rep_text(space / "host.jsonl")
    user = getpass.getuser()
    if user in str(workdir):
        assert user in host_text and user not in veil_text, diffs
    assert str(workdir) not in rep_text(space / "veil.jsonl")
    [host] = records(space / "host.jsonl")
    assert host["via"] == "TLS gateway.corp.example:443", host
    assert host["upstream"] == "stub"


def rep_text(path: Path) -> str:
    return "".join(json.loads(line)["requestBody"] for line in path.read_text().splitlines() if line.strip())


def test_base_url_marker_through_the_proxy(run_veil, tmp_path):
    """A fingerprint keyed on the base-URL host (a gateway whose name says `moonshot`): the
    host arm keeps the real base URL, so the agent marks its prompt; the veil arm's agent sees
    veil's loopback base URL and does not. The gateway is outside NO_PROXY here, so the agent
    reaches it through the host's proxy with CONNECT, which the recorder answers as the proxy."""
    env = {**CORPORATE, "TZ": "UTC", "LANG": "C.UTF-8", "NO_PROXY": "localhost", "no_proxy": "localhost",
           "ANTHROPIC_BASE_URL": "https://llm.moonshot.corp.example"}
    r, rep, space = compare(run_veil, tmp_path, env)
    assert r.returncode == 4, r.describe()
    diffs = rep["differences"]
    assert any("U+02BC" in d["host"] for d in diffs) and not any("U+02BC" in d["veil"] for d in diffs), diffs
    [host] = records(space / "host.jsonl")
    assert host["via"] == "CONNECT llm.moonshot.corp.example:443", host


def test_host_arm_environment_is_the_hosts(run_veil, host_env, tmp_path, workdir):
    """Every variable reaches the host arm's agent unchanged; the only additions are the CA
    variables the host does not set, pointing at the system bundle (which, in the arm only,
    holds the run's CA too). The hosts file leads the gateway and the proxy to the recorder."""
    (workdir / "dump.py").write_text(
        "import json, os, subprocess, sys\n"
        "json.dump(dict(os.environ), open('env.json', 'w'))\n"
        "open('hosts.txt', 'w').write(open('/etc/hosts').read())\n"
        "sys.exit(subprocess.call([sys.executable, 'fingerprint_agent.py']))\n")
    # Python would set LC_CTYPE itself when zh_CN is not installed (PEP 538): not veil's doing.
    env = {**CORPORATE, "PYTHONCOERCECLOCALE": "0"}
    r, rep, space = compare(run_veil, tmp_path, env, command=(PYTHON, "dump.py"))
    assert r.returncode == 4, r.describe()
    seen = json.loads((space / "host" / workdir.name / "env.json").read_text())
    given = {**host_env, **env}
    changed = {k: (v, seen.get(k)) for k, v in given.items() if seen.get(k) != v}
    assert not changed, changed
    added = set(seen) - set(given)
    assert added == CA_VARIABLES - set(given), added
    for k in added:
        assert seen[k] in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"), (k, seen[k])
    hosts = (space / "host" / workdir.name / "hosts.txt").read_text()
    assert "127.0.0.1\tgateway.corp.example" in hosts and "127.0.0.1\tproxy.corp.example" in hosts, hosts
    # The host's own hosts file is untouched.
    assert "gateway.corp.example" not in Path("/etc/hosts").read_text()
