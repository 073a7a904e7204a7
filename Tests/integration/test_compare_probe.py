"""`veil compare` and `veil probe` end to end, against the built-in stub (offline).

- probe on examples/fingerprint_agent.py finds exactly its dimensions (tz, base-host) and
  shows the changed characters (U+02BC, the `/` date); on examples/polite_agent.py it finds
  nothing (its fresh UUIDs and timestamps are volatile);
- compare shows the host arm leaking (TZ=Asia/Shanghai on the host) and the veil arm clean;
- the real Claude Code CLI and an anthropic-SDK script: both commands complete, the reports
  are well-formed, and two identical runs differ in nothing but normalised volatile values;
- every --json report validates against its JSON Schema (docs/schema, version 1), and its
  code points and body byte ranges point at the real characters of the recorded bodies;
- the host's user name, host name and home (root, /root and this machine's short host name
  included) are classed as canaries in compare;
- the HTML report renders in headless Chromium: the overview matrix above the highlighted
  differences, each changed glyph beside its U+XXXX name, no script in the page.

VEIL_BIN names the binary (skip without it, fail under CI=true); VEIL_EXAMPLES the examples
directory and VEIL_SCHEMAS the schema directory (default: the repository's). `pytest -s` prints
the probe's wall times.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from html.parser import HTMLParser

import jsonschema

from conftest import in_ci

EXAMPLES = Path(os.environ.get("VEIL_EXAMPLES") or Path(__file__).resolve().parents[2] / "examples")
SCHEMAS = Path(os.environ.get("VEIL_SCHEMAS") or Path(__file__).resolve().parents[2] / "docs" / "schema")
PYTHON = "/usr/bin/python3"  # Debian's, visible inside the sandbox
PROFILE = "claude-code"      # routes ANTHROPIC_BASE_URL through the inspector
KINDS = {"canary", "covert-char", "format", "unexplained"}
SLASH_DATE = re.compile(r"\d{4}/\d{2}/\d{2}")
DASH_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The HTML report's highlight colours (HTMLReport.css): removed / added text, and the overview
# matrix's cells for the two kinds the fingerprinting agent causes.
DEL_RGB, INS_RGB = (0xFF, 0x6B, 0x6B), (0x3E, 0xCF, 0x6E)
MATRIX_RGB = ((0xFF, 0xE8, 0xCC), (0xE5, 0xDB, 0xFF))
QUIET_CLAUDE = {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}


@pytest.fixture(autouse=True)
def examples_in_workdir(workdir):
    """The sandbox shows the agent its workdir only, so the example agents are copied there and
    run by relative name (compare and probe copy the workdir for every run)."""
    for name in ("fingerprint_agent.py", "polite_agent.py"):
        src = EXAMPLES / name
        assert src.is_file(), f"missing example {src}"
        shutil.copy(src, workdir / name)


def example(name: str) -> str:
    return name


def load_json(path: Path) -> dict:
    assert path.exists(), f"no report at {path}"
    return json.loads(path.read_text())


def check_difference(d: dict, sides: tuple[str, str] = ("host", "veil")) -> None:
    assert isinstance(d["request"], int) and d["request"] >= 0, d
    assert isinstance(d["path"], str) and d["path"], d
    for s in sides:
        assert isinstance(d[s], str), d
    assert d["kind"] in KINDS, d


def validate(report: dict, name: str) -> None:
    """The report against docs/schema/NAME-report.schema.json (JSON Schema 2020-12)."""
    schema = json.loads((SCHEMAS / f"{name}-report.schema.json").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert report["schemaVersion"] == 1


def check_sides(d: dict, names: tuple[str, str]) -> None:
    """Structured code points name the real characters of the side's `changed` text."""
    for n in names:
        side = d[n + "Side"]
        changed = side["changed"]
        for cp in side["codePoints"]:
            assert changed[cp["offset"]] == cp["char"], (cp, changed)
            assert cp["codePoint"] == f"U+{ord(cp['char']):04X}", cp


def check_compare_report(r: dict) -> None:
    validate(r, "compare")
    for d in r["differences"] + r["output"]:
        check_sides(d, ("host", "veil"))
    assert isinstance(r["differences"], list) and isinstance(r["volatile"], list), r
    for d in r["differences"]:
        check_difference(d)
    assert r["exitStatus"] == (4 if r["differences"] else 0)


def check_probe_report(r: dict) -> None:
    validate(r, "probe")
    for d in (d for dim in r["dimensions"] for v in dim["variations"] for d in v["differences"]):
        check_sides(d, ("baseline", "variation"))
    assert isinstance(r["dimensions"], list) and r["dimensions"], r
    for dim in r["dimensions"]:
        assert isinstance(dim["name"], str) and isinstance(dim["changed"], bool)
        assert dim["variations"], dim
        for v in dim["variations"]:
            assert isinstance(v["value"], str) and isinstance(v["changed"], bool)
            for d in v["differences"]:
                check_difference(d, ("baseline", "variation"))
                check_difference(d)
        assert dim["changed"] == any(v["changed"] for v in dim["variations"])
    assert isinstance(r["volatile"], list)


def baseline_noise(r: dict) -> list[dict]:
    """Spots where the two identical baseline runs still differed after normalisation."""
    return [v for v in r["volatile"] if v["rule"] == "baseline"]


# --------------------------------------------------------------------------------------------
# probe
# --------------------------------------------------------------------------------------------

def test_probe_finds_exactly_the_fingerprinting_dimensions(run_veil, tmp_path):
    out = tmp_path / "probe.json"
    r = run_veil(["probe", "--profile", PROFILE, "--json", str(out), "--html", str(tmp_path / "probe.html"),
                  "--", PYTHON, example("fingerprint_agent.py")], timeout=900)
    assert r.returncode == 4, r.describe()
    rep = load_json(out)
    check_probe_report(rep)
    changed = {d["name"] for d in rep["dimensions"] if d["changed"]}
    assert changed == {"tz", "base-host"}, r.describe()
    tz = {v["value"]: v for d in rep["dimensions"] if d["name"] == "tz" for v in d["variations"]}
    assert tz["Asia/Shanghai"]["changed"] and tz["Asia/Urumqi"]["changed"]
    assert not tz["America/New_York"]["changed"] and not tz["Europe/Moscow"]["changed"]
    hosts = {v["value"]: v["changed"] for d in rep["dimensions"] if d["name"] == "base-host" for v in d["variations"]}
    assert hosts["api.deepseek.com"] and hosts["gateway.example.cn"] and not hosts["llm.corp.example.com"]
    diffs = tz["Asia/Shanghai"]["differences"]
    assert {d["kind"] for d in diffs} == {"format", "covert-char"}, diffs
    assert any("U+02BC" in d["variation"] and "'" in d["baseline"] for d in diffs), diffs
    assert any(SLASH_DATE.search(d["variation"]) and DASH_DATE.search(d["baseline"]) for d in diffs), diffs
    assert "[U+02BC]" in r.stdout and "tz" in r.stdout and "base-host" in r.stdout
    assert not baseline_noise(rep), rep["volatile"]


def test_probe_polite_agent_reports_nothing(run_veil, tmp_path):
    out = tmp_path / "probe.json"
    r = run_veil(["probe", "--profile", PROFILE, "--json", str(out), "--", PYTHON, example("polite_agent.py")], timeout=900)
    assert r.returncode == 0, r.describe()
    rep = load_json(out)
    check_probe_report(rep)
    assert not any(d["changed"] for d in rep["dimensions"]), json.dumps(rep, indent=1)[:4000]
    rules = {v["rule"] for v in rep["volatile"]}
    # Its fresh ids and clock values were seen and set aside, not missed.
    assert {"uuid", "timestamp", "epoch", "user-id", "id"} <= rules, rules
    assert not baseline_noise(rep), rep["volatile"]


def test_probe_decoys_file_extends_and_vary_selects(run_veil, tmp_path):
    decoys = tmp_path / "decoys.toml"
    decoys.write_text('base-host = ["api.kimi.example.com"]\n')
    out = tmp_path / "probe.json"
    r = run_veil(["probe", "--profile", PROFILE, "--vary", "base-host", "--decoys", str(decoys), "--json", str(out),
                  "--", PYTHON, example("fingerprint_agent.py")], timeout=600)
    assert r.returncode == 4, r.describe()
    rep = load_json(out)
    assert [d["name"] for d in rep["dimensions"]] == ["base-host"]
    values = {v["value"]: v["changed"] for v in rep["dimensions"][0]["variations"]}
    assert values.get("api.kimi.example.com") is True, values
    bad = run_veil(["probe", "--vary", "moon-phase", "--", PYTHON, example("polite_agent.py")])
    assert bad.returncode != 0 and "moon-phase" in bad.stderr


# --------------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------------

def run_compare(run_veil, tmp_path, command, env=None, timeout=600, extra=()):
    out, html = tmp_path / "compare.json", tmp_path / "compare.html"
    r = run_veil(["compare", "--profile", PROFILE, "--json", str(out), "--html", str(html), *extra, "--", *command],
                 env=env, timeout=timeout)
    return r, (load_json(out) if out.exists() else {}), html


def test_compare_shows_host_arm_leaking_and_veil_clean(run_veil, tmp_path, workdir):
    (workdir / "notes.txt").write_text("left alone\n")
    r, rep, html = run_compare(run_veil, tmp_path, [PYTHON, example("fingerprint_agent.py")], env={"TZ": "Asia/Shanghai"})
    assert r.returncode == 4, r.describe()
    check_compare_report(rep)
    diffs = rep["differences"]
    # The marks, and the working directory the prompt names (the host's real path).
    assert {d["kind"] for d in diffs} == {"format", "covert-char", "canary"}, diffs
    assert all(d["path"] == "$.system" for d in diffs), diffs
    # Host arm: the marks. Veil arm: plain ASCII apostrophes and an ISO date.
    assert any("U+02BC" in d["host"] for d in diffs) and not any("U+02BC" in d["veil"] for d in diffs)
    assert any(SLASH_DATE.search(d["host"]) and DASH_DATE.search(d["veil"]) for d in diffs), diffs
    # The marker as structure: the real U+02BC opposite an ASCII apostrophe, each with a byte
    # range in its body (the bodies are JSON strings: an exact range exists).
    marker = next(d for d in diffs if d["kind"] == "covert-char")
    assert [c["codePoint"] for c in marker["hostSide"]["codePoints"]] == ["U+02BC"], marker
    assert [c["codePoint"] for c in marker["veilSide"]["codePoints"]] == ["U+0027"], marker
    assert marker["hostSide"]["codePoints"][0]["name"] == "MODIFIER LETTER APOSTROPHE"
    for side in ("hostSide", "veilSide"):
        assert marker[side]["body"]["length"] >= 1 and marker[side]["bodyUnknown"] is None, marker
    assert html.exists() and "<del>" in html.read_text()
    # Each arm worked on its own copy: the user's workdir is untouched.
    assert sorted(p.name for p in workdir.iterdir()) == ["fingerprint_agent.py", "notes.txt", "polite_agent.py"]
    assert (workdir / "notes.txt").read_text() == "left alone\n"


IDENTITY_AGENT = r'''
import getpass, json, os, socket, urllib.request
system = f"You run as {getpass.getuser()} on {socket.gethostname()}, home {os.path.expanduser('~')}. Be brief."
body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 32, "system": system,
                   "messages": [{"role": "user", "content": "hi"}]}).encode()
base = os.environ.get("ANTHROPIC_BASE_URL", "https://api.anthropic.com").rstrip("/")
req = urllib.request.Request(base + "/v1/messages", data=body,
                             headers={"content-type": "application/json", "anthropic-version": "2023-06-01",
                                      "x-api-key": os.environ.get("ANTHROPIC_API_KEY", "")})
print(urllib.request.urlopen(req, timeout=60).read()[:80])
'''


def test_compare_classes_host_identity_as_canaries(run_veil, tmp_path, workdir):
    """Issue 15: run as root on a host with a two-letter name, the user name, home and host name
    in the prompt came out "unexplained" (the inspector's policy drops short and default values).
    In compare they are canaries at any length, matched as whole words and paths."""
    import getpass
    import socket
    (workdir / "identity.py").write_text(IDENTITY_AGENT)
    r, rep, _ = run_compare(run_veil, tmp_path, [PYTHON, "identity.py"])
    assert r.returncode == 4, r.describe()
    check_compare_report(rep)
    system = [d for d in rep["differences"] if d["path"] == "$.system"]
    assert system and all(d["kind"] == "canary" for d in system), system
    details = " ".join(d["detail"] for d in system)
    assert "user name" in details or getpass.getuser() == "user", details
    assert "home path" in details, details
    if socket.gethostname() != "localhost":
        assert f'host name "{socket.gethostname()}"' in details, details


def test_compare_polite_agent_no_difference(run_veil, tmp_path):
    r, rep, _ = run_compare(run_veil, tmp_path, [PYTHON, example("polite_agent.py")], env={"TZ": "Asia/Shanghai"})
    assert r.returncode == 0, r.describe()
    check_compare_report(rep)
    assert rep["differences"] == []
    assert {v["rule"] for v in rep["volatile"]} >= {"uuid", "timestamp", "user-id"}


def test_compare_reports_output_and_changed_files(run_veil, tmp_path, workdir):
    (workdir / "keep.txt").write_text("original\n")
    script = "date +%Z > zone.txt; echo changed > keep.txt; /usr/bin/python3 polite_agent.py"
    r, rep, _ = run_compare(run_veil, tmp_path, ["/bin/sh", "-c", script], env={"TZ": "Asia/Shanghai"})
    # The prompt is the same (exit 0); the files the agent wrote differ, and are shown.
    assert r.returncode == 0, r.describe()
    out = {d["path"]: d for d in rep["output"]}
    assert "file:zone.txt" in out and "CST" in out["file:zone.txt"]["host"] and "UTC" in out["file:zone.txt"]["veil"], rep["output"]
    assert "file:keep.txt" not in out  # changed the same way in both arms
    assert (workdir / "keep.txt").read_text() == "original\n" and not (workdir / "zone.txt").exists()


def test_compare_raw_shows_volatile_values(run_veil, tmp_path):
    r, rep, _ = run_compare(run_veil, tmp_path, [PYTHON, example("polite_agent.py")], extra=["--raw"])
    assert r.returncode == 4, r.describe()
    assert rep["raw"] is True and rep["volatile"] == []
    assert any(d["path"] == "$.client.request_id" for d in rep["differences"]), rep["differences"]


# --------------------------------------------------------------------------------------------
# The HTML report in a real browser
# --------------------------------------------------------------------------------------------

def read_png(path: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """A minimal PNG decoder (8-bit RGB/RGBA, non-interlaced): width, height, RGB pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, prev, pixels = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return width, height, pixels


def near(p, rgb, tol=10) -> bool:
    return all(abs(p[i] - rgb[i]) <= tol for i in range(3))


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if in_ci():
        pytest.fail("chromium is not installed (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def chromium_args() -> list[str]:
    # --no-sandbox: CI runs the tests as root, and Chromium refuses to start as root with its
    # own sandbox on. What it opens is our report, a local file that runs no script (its
    # Content-Security-Policy forbids any), so nothing untrusted runs unsandboxed.
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,900"]


def screenshot(html: Path, png: Path) -> None:
    cmd = chromium_args() + [f"--screenshot={png}", html.resolve().as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert png.exists(), f"no screenshot: {p.returncode}\n{p.stderr[-2000:]}"


class PageOutline(HTMLParser):
    """What the rendered DOM holds: element order by id and class, script elements and event
    attributes, and the text of each code point item."""

    def __init__(self):
        super().__init__()
        self.order: list[str] = []
        self.scripts = 0
        self.handlers: list[str] = []
        self.code_points: list[str] = []
        self._li: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.scripts += tag == "script"
        self.handlers += [k for k in a if k.lower().startswith("on")]
        if a.get("id"):
            self.order.append("#" + a["id"])
        if a.get("class") in ("matrix", "diff", "cps"):
            self.order.append("." + a["class"])
        if tag == "li":
            self._li = []

    def handle_data(self, data):
        if self._li is not None:
            self._li.append(data)

    def handle_endtag(self, tag):
        if tag == "li" and self._li is not None:
            self.code_points.append(" ".join("".join(self._li).split()))
            self._li = None


def dump_dom(html: Path) -> PageOutline:
    p = subprocess.run(chromium_args() + ["--dump-dom", html.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "<body" in p.stdout, f"no DOM: {p.returncode}\n{p.stderr[-2000:]}"
    outline = PageOutline()
    outline.feed(p.stdout)
    return outline


def first_row(pixels, width: int, colours) -> int | None:
    for i, p in enumerate(pixels):
        if any(near(p, c, tol=4) for c in colours):
            return i // width
    return None


@pytest.mark.parametrize("report", ["compare", "probe"])
def test_html_report_renders_with_highlights(run_veil, tmp_path, report):
    html = tmp_path / f"{report}.html"
    if report == "compare":
        r = run_veil(["compare", "--profile", PROFILE, "--html", str(html), "--", PYTHON, example("fingerprint_agent.py")],
                     env={"TZ": "Asia/Shanghai"}, timeout=600)
    else:
        r = run_veil(["probe", "--profile", PROFILE, "--vary", "tz", "--html", str(html),
                      "--", PYTHON, example("fingerprint_agent.py")], timeout=600)
    assert r.returncode == 4, r.describe()
    text = html.read_text()
    assert "<script" not in text and "http://" not in text and "https://" not in text  # self-contained
    # The DOM Chromium built: no script, the overview matrix before the first difference, and
    # the marker's glyph beside its name on one side, the ASCII apostrophe on the other.
    dom = dump_dom(html)
    assert dom.scripts == 0 and not dom.handlers, (dom.scripts, dom.handlers)
    order = dom.order
    assert "#overview" in order and "#details" in order and ".diff" in order, order
    assert order.index("#overview") < order.index(".matrix") < order.index("#details") < order.index(".diff"), order
    assert "\u02bc U+02BC MODIFIER LETTER APOSTROPHE" in dom.code_points, dom.code_points
    assert "' U+0027 APOSTROPHE" in dom.code_points, dom.code_points
    assert any("U+002F SOLIDUS" in c for c in dom.code_points), dom.code_points
    png = tmp_path / f"{report}.png"
    screenshot(html, png)
    w, h, pixels = read_png(png)
    assert (w, h) == (1200, 900)
    assert len(set(pixels[::7])) > 20, "blank screenshot"
    dels = sum(1 for p in pixels if near(p, DEL_RGB))
    ins = sum(1 for p in pixels if near(p, INS_RGB))
    assert dels > 50 and ins > 50, f"highlights not visible: {dels} removed-colour and {ins} added-colour pixels"
    # The same order on screen: the matrix's coloured cells are above the first highlight.
    matrix_row, del_row = first_row(pixels, w, MATRIX_RGB), first_row(pixels, w, (DEL_RGB,))
    assert matrix_row is not None and del_row is not None and matrix_row < del_row, (matrix_row, del_row)


# --------------------------------------------------------------------------------------------
# Real clients: Claude Code CLI and the anthropic SDK
# --------------------------------------------------------------------------------------------

SDK_CLIENT = r'''
import anthropic
c = anthropic.Anthropic(max_retries=0, timeout=60)
m = c.messages.create(model="claude-sonnet-4-5", max_tokens=64,
                      messages=[{"role": "user", "content": "Don't panic: say hi."}])
print("".join(b.text for b in m.content if b.type == "text"))
'''


def test_claude_code_probe_default_dimensions(run_veil, venv, tmp_path):
    out = tmp_path / "probe.json"
    started = time.monotonic()
    r = run_veil(["probe", "--profile", PROFILE, "--json", str(out), "--html", str(tmp_path / "probe.html"),
                  "--", "claude", "-p", "say hi"], env=QUIET_CLAUDE, timeout=1800)
    wall = time.monotonic() - started
    assert r.returncode in (0, 4), r.describe()
    rep = load_json(out)
    check_probe_report(rep)
    assert rep["baselineRequests"] >= 1, r.describe()
    assert not any(v.get("error") for d in rep["dimensions"] for v in d["variations"]), r.describe()
    # Two identical runs: nothing left once volatile values are normalised.
    assert not baseline_noise(rep), rep["volatile"]
    changed = [d["name"] for d in rep["dimensions"] if d["changed"]]
    print(f"\nveil probe (default dimensions, {rep['runs']} runs, {rep['parallel']} at a time) on "
          f"`claude -p`: {wall:.1f} s wall; report says {rep['wallSeconds']} s; changed: {changed or 'none'}")


def test_claude_code_compare(run_veil, venv, tmp_path):
    home = tmp_path / "host-home"
    home.mkdir()
    r, rep, _ = run_compare(run_veil, tmp_path, ["claude", "-p", "say hi"], env={"HOME": str(home), **QUIET_CLAUDE},
                            timeout=900)
    assert r.returncode in (0, 4), r.describe()
    check_compare_report(rep)
    assert rep["requests"]["host"] >= 1 and rep["requests"]["veil"] >= 1, r.describe()
    # Claude Code writes its working directory into the prompt: outside veil that is the
    # host's real path, a canary.
    assert any(d["kind"] == "canary" for d in rep["differences"]), rep["differences"]


def test_anthropic_sdk_compare_and_probe(run_veil, venv, tmp_path, workdir):
    (workdir / "client.py").write_text(SDK_CLIENT)
    r, rep, _ = run_compare(run_veil, tmp_path, [venv.python, "client.py"])
    assert r.returncode == 0, r.describe()
    check_compare_report(rep)
    assert rep["requests"] == {"host": 1, "veil": 1, "pairs": 1}
    out = tmp_path / "probe.json"
    p = run_veil(["probe", "--profile", PROFILE, "--vary", "user,hostname", "--json", str(out), "--", venv.python, "client.py"],
                 timeout=600)
    assert p.returncode == 0, p.describe()
    prep = load_json(out)
    check_probe_report(prep)
    assert not baseline_noise(prep), prep["volatile"]


@pytest.mark.parametrize("command", ["compare", "probe"])
def test_nothing_to_compare_is_never_green(run_veil, command):
    """An agent that sends no request (here /bin/true): compare said "no difference
    (0 request(s) compared)" and exited 0, so a CI gate passed on nothing. Now the arm (or
    probe's baseline) that sent nothing is an error of its own status, 5, with a hint."""
    args = [command] + (["--vary", "tz"] if command == "probe" else []) + ["--timeout", "60", "--", "/bin/true"]
    r = run_veil(args)
    assert r.returncode == 5, r.describe()
    assert "sent no request to the inspector" in r.stderr and "--profile" in r.stderr, r.describe()
