"""The CI recipes in examples/ci and `veil report`, end to end.

- every GitHub workflow passes actionlint (with shellcheck on its `run:` scripts), and a
  broken copy does not (the linter is not a no-op);
- the workflows do what the README says: the sysctl before the run, the gate, the record and
  report as artifacts, the annotations even when the run failed; the matrix's summary merges
  every run's report;
- the Kubernetes Job matches the API's schemas (kubernetes-validate --strict, Kubernetes 1.33)
  and names the image, `hostUsers: false`, the seccomp and AppArmor settings and veil's flags;
- every `veil SUB --flag` in the examples is a flag `veil SUB --help` lists;
- `veil report` on real reports of `veil run --upstream stub` (examples/hello_agent.py, told
  the host's workdir path): an `::error` annotation that does not carry the path, JUnit that
  parses with one failure per finding at or above the gate, merging, the gate, bad input;
- examples/ci/any-ci.sh as written: exit 3 and a JUnit file for a planted value, 0 without.

VEIL_BIN names the binary (veil-core beside it); VEIL_EXAMPLES the examples directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import VENV

EXAMPLES = Path(os.environ.get("VEIL_EXAMPLES") or Path(__file__).resolve().parents[2] / "examples")
CI = EXAMPLES / "ci"
WORKFLOWS = sorted(CI.glob("*.yml"))
PYTHON = "/usr/bin/python3"  # Debian's, visible inside the sandbox
ACTIONLINT = VENV / "bin" / "actionlint"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict) -> Any:
    # YAML 1.1 reads the key `on` as true.
    return workflow.get("on", workflow.get(True))


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step_running(steps_: list[dict], text: str) -> tuple[int, dict]:
    found = [(i, s) for i, s in enumerate(steps_) if text in s.get("run", "")]
    assert found, f"no step runs {text!r}"
    return found[0]


def uses(steps_: list[dict], action: str) -> list[dict]:
    return [s for s in steps_ if s.get("uses", "").startswith(action + "@")]


# --------------------------------------------------------------------------------------------
# The recipes, statically
# --------------------------------------------------------------------------------------------

def test_examples_exist():
    names = {p.name for p in CI.iterdir()}
    assert {"github-actions.yml", "github-matrix.yml", "any-ci.sh", "kubernetes-job.yaml"} <= names, names
    assert len(WORKFLOWS) >= 2


@pytest.fixture(scope="module")
def actionlint() -> str:
    if not os.access(ACTIONLINT, os.X_OK):
        pytest.fail(f"{ACTIONLINT} is missing: run `sudo scripts/setup-test-env`")
    if not shutil.which("shellcheck"):
        pytest.fail("shellcheck is missing (actionlint checks run: scripts with it): run `sudo scripts/setup-test-env`")
    return str(ACTIONLINT)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(actionlint, workflow):
    r = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"actionlint {workflow.name}:\n{r.stdout}{r.stderr}"


def test_actionlint_finds_a_broken_workflow(actionlint, tmp_path):
    """The control: the same linter on a copy with a job lacking runs-on, and a run script
    with an unquoted variable (shellcheck), fails and names both."""
    text = (CI / "github-actions.yml").read_text()
    broken = text.replace("    runs-on: ubuntu-24.04\n", "", 1).replace('mkdir -p "$VEIL_OUT"', "mkdir -p $VEIL_OUT", 1)
    assert broken != text
    (tmp_path / "broken.yml").write_text(broken)
    r = subprocess.run([actionlint, "-no-color", str(tmp_path / "broken.yml")], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0, r.stdout
    assert "runs-on" in r.stdout and "SC2086" in r.stdout, r.stdout


def test_github_workflow_runs_the_gate_and_keeps_the_evidence():
    wf = load_yaml(CI / "github-actions.yml")
    assert triggers(wf)
    s = steps(wf, "agent")
    sysctl_at, _ = step_running(s, "kernel.apparmor_restrict_unprivileged_userns=0")
    run_at, run = step_running(s, "veil run")
    assert sysctl_at < run_at, "the user-namespace restriction must be lifted before veil runs"
    for flag in ("--record", "--report", "--fail-on marker"):
        assert flag in run["run"], flag
    upload = uses(s, "actions/upload-artifact")
    assert upload and upload[0].get("if") == "always()", upload
    assert s.index(upload[0]) > run_at
    report_at, report = step_running(s, "veil report --format github")
    assert report.get("if") == "always()" and report_at > run_at, report
    install_at, _ = step_running(s, "make install")
    assert install_at < run_at


def test_matrix_merges_every_run():
    wf = load_yaml(CI / "github-matrix.yml")
    run_job, summary = wf["jobs"]["run"], wf["jobs"]["summary"]
    matrix = run_job["strategy"]["matrix"]
    assert len(matrix["agent"]) >= 2 and len(matrix["task"]) >= 2, matrix
    assert run_job["strategy"]["fail-fast"] is False
    _, run = step_running(run_job["steps"], "veil run")
    assert "--fail-on marker" in run["run"] and "--report" in run["run"] and "--record" in run["run"]
    upload = uses(run_job["steps"], "actions/upload-artifact")[0]
    assert upload["if"] == "always()"
    assert upload["with"]["name"].startswith("veil-run-") and "matrix.agent" in upload["with"]["name"] \
        and "matrix.task.name" in upload["with"]["name"]
    assert "run" in summary["needs"] and "always()" in summary["if"]
    downloads = [d["with"] for d in uses(summary["steps"], "actions/download-artifact")]
    assert any(d.get("pattern") == "veil-run-*" for d in downloads), downloads
    _, merge = step_running(summary["steps"], "veil report --format json")
    assert "veil report --format github --fail-on marker" in merge["run"]


# The oldest Kubernetes the Job is written for: user namespaces and procMount on by default.
KUBERNETES = "1.33.0"


def test_kubernetes_job_matches_the_api_schemas(tmp_path):
    """Every field of every resource is one the API knows (--strict: no unknown property), and
    the control: one misspelt field fails."""
    validate = VENV / "bin" / "kubernetes-validate"
    if not os.access(validate, os.X_OK):
        pytest.fail(f"{validate} is missing: run `sudo scripts/setup-test-env`")
    manifest = CI / "kubernetes-job.yaml"
    r = subprocess.run([str(validate), "--strict", "-k", KUBERNETES, str(manifest)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (r.stdout + r.stderr).count("passed for resource") == 3, r.stdout + r.stderr
    broken = tmp_path / "broken.yaml"
    text = manifest.read_text()
    field = "\n            procMount: Unmasked\n"
    assert field in text
    broken.write_text(text.replace(field, field.replace("procMount", "procMounts")))
    r = subprocess.run([str(validate), "--strict", "-k", KUBERNETES, str(broken)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "procMounts" in r.stdout + r.stderr, r.stdout + r.stderr


def test_kubernetes_job(veil_bin):
    docs = [d for d in yaml.safe_load_all((CI / "kubernetes-job.yaml").read_text()) if d]
    job = next(d for d in docs if d["kind"] == "Job")
    assert job["apiVersion"] == "batch/v1"
    pod = job["spec"]["template"]["spec"]
    assert pod["hostUsers"] is False
    assert pod["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert pod["securityContext"]["appArmorProfile"] == {"type": "Unconfined"}
    (container,) = pod["containers"]
    assert container["securityContext"]["procMount"] == "Unmasked"
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    version = subprocess.run([veil_bin, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert re.fullmatch(rf"[a-z0-9.\-/]+/veil-agent:{re.escape(version)}", container["image"]), container["image"]
    script = "\n".join(container["command"] + container["args"])
    assert "veil run" in script and "--fail-on marker" in script
    # The record and the report land on the claimed volume.
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    claimed = [n for n, v in volumes.items() if "persistentVolumeClaim" in v]
    assert claimed, volumes
    records = mounts[claimed[0]]
    assert re.search(rf'--record "?{re.escape(records)}/|out={re.escape(records)}/', script), script
    assert re.search(r'--record "\$out/record\.jsonl" --report "\$out/report\.json"', script), script
    claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    assert volumes[claimed[0]]["persistentVolumeClaim"]["claimName"] in claims
    config_maps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    assert all(v["configMap"]["name"] in config_maps for v in volumes.values() if "configMap" in v)


VEIL_LINE = re.compile(r"\bveil (run|report|doctor|inspect|probe|compare)\b((?:\\\n|[^\n])*)")


@pytest.mark.parametrize("example", sorted(CI.iterdir()), ids=lambda p: p.name)
def test_veil_flags_in_examples_exist(veil_bin, example):
    """Each `veil SUB --flag` written in an example is one `veil SUB --help` lists (up to the
    `--` that starts the agent's own command)."""
    text = example.read_text()
    checked = 0
    for m in VEIL_LINE.finditer(text):
        sub, rest = m.group(1), m.group(2).split(" -- ")[0]
        flags = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest)
        if not flags:
            continue
        help_text = subprocess.run([veil_bin, sub, "--help"], capture_output=True, text=True, timeout=30).stdout
        for flag in flags:
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text), f"{example.name}: veil {sub} has no {flag}"
            checked += 1
    if example.suffix in (".yml", ".yaml", ".sh"):
        assert checked, f"{example.name} runs no veil command with flags"


# --------------------------------------------------------------------------------------------
# veil report on real runs
# --------------------------------------------------------------------------------------------

@pytest.fixture
def hello(workdir: Path) -> list[str]:
    """examples/hello_agent.py in the workdir (the sandbox shows the agent that only)."""
    shutil.copy(EXAMPLES / "hello_agent.py", workdir / "hello_agent.py")
    return [PYTHON, "hello_agent.py"]


def stub_run(veil_agent, hello, tell: str | None = None, extra: tuple[str, ...] = ()):
    return veil_agent("claude-code", "stub", hello + (["--tell", tell] if tell else []), extra=extra)


def at_least(report: dict, level: str) -> int:
    levels = ["typography", "marker", "block"]
    by = report["findingsBySeverity"]
    return sum(by.get(l, 0) for l in levels[levels.index(level):])


def veil_report(run_veil, *args: str):
    return run_veil(["report", *args], timeout=60)


def test_report_github_annotates_a_planted_value(veil_agent, run_veil, hello, workdir):
    r = stub_run(veil_agent, hello, tell=str(workdir))
    assert r.report_path.exists(), r.describe()
    assert r.report["findingsBySeverity"].get("block", 0) >= 1, r.describe()
    out = veil_report(run_veil, "--format", "github", str(r.report_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    errors = [l for l in lines if l.startswith("::error ")]
    assert errors, out.stdout
    assert re.fullmatch(r"::error title=veil block%3A canary \([^)]+\)::POST /v1/messages \S+ offset \d+ \(report .+\)", errors[0]), errors[0]
    # One command a finding, a summary line; the host's path is in none of them.
    assert len([l for l in lines if l.startswith("::")]) == len(r.report["findingList"])
    assert str(workdir) not in out.stdout
    gated = veil_report(run_veil, "--format", "github", "--fail-on", "marker", str(r.report_path))
    assert gated.returncode == 3, gated.stdout + gated.stderr
    assert gated.stdout.startswith("::error title=veil gate (--fail-on marker)::failed: ")


def test_report_junit_counts_failures(veil_agent, run_veil, hello, workdir):
    planted = stub_run(veil_agent, hello, tell=str(workdir))
    clean = stub_run(veil_agent, hello)
    assert clean.returncode == 0 and clean.report["findings"] == 0, clean.describe()
    assert at_least(planted.report, "marker") >= 1, planted.describe()
    for gate in ("marker", "block", "typography"):
        out = veil_report(run_veil, "--format", "junit", "--fail-on", gate, str(planted.report_path), str(clean.report_path))
        assert out.returncode == (3 if at_least(planted.report, gate) else 0), out.stderr
        root = ET.fromstring(out.stdout)
        suites = root.findall("testsuite")
        assert [s.get("name") for s in suites] == [str(planted.report_path), str(clean.report_path)]
        failures = [len(s.findall("testcase/failure")) for s in suites]
        assert failures == [at_least(planted.report, gate), 0], (gate, out.stdout)
        assert [int(s.get("failures")) for s in suites] == failures
        assert int(root.get("failures")) == sum(failures)
        assert str(workdir) not in out.stdout


def test_report_merges_a_fleet(veil_agent, run_veil, hello, workdir):
    planted = stub_run(veil_agent, hello, tell=str(workdir))
    clean = stub_run(veil_agent, hello)
    paths = [str(planted.report_path), str(clean.report_path)]
    merged = veil_report(run_veil, "--format", "json", *paths)
    assert merged.returncode == 0, merged.stderr
    m = json.loads(merged.stdout)
    for key in ("requests", "forwarded", "blocked", "findings"):
        assert m[key] == planted.report[key] + clean.report[key], key
    assert m["findingList"] == planted.report["findingList"] + clean.report["findingList"]
    assert m["findingsBySeverity"] == planted.report["findingsBySeverity"]
    # The merged summary is a report like any run's.
    merged_path = workdir.parent / "merged.json"
    merged_path.write_text(merged.stdout)
    again = veil_report(run_veil, "--format", "json", str(merged_path))
    assert json.loads(again.stdout) == m
    assert veil_report(run_veil, "--fail-on", "marker", str(clean.report_path)).returncode == 0
    text = veil_report(run_veil, "--fail-on", "marker", *paths)
    assert text.returncode == 3, text.stdout + text.stderr
    assert "total (2 reports)" in text.stdout and "gate --fail-on marker: FAILED" in text.stdout


def test_report_bad_input(run_veil, tmp_path):
    missing = veil_report(run_veil, str(tmp_path / "missing.json"))
    assert missing.returncode == 2 and "No such file or directory" in missing.stderr, missing.stderr
    (tmp_path / "notes.json").write_text("veil: blocked POST /v1/messages")
    bad = veil_report(run_veil, "--fail-on", "marker", str(tmp_path / "notes.json"))
    assert bad.returncode == 2 and "not JSON" in bad.stderr and bad.stdout == "", bad.stderr
    assert veil_report(run_veil).returncode == 64
    usage = veil_report(run_veil, "--format", "yaml", str(tmp_path / "notes.json"))
    assert usage.returncode == 64, usage.stderr
    assert veil_report(run_veil, "--fail-on", "severe", str(tmp_path / "notes.json")).returncode == 64


# --------------------------------------------------------------------------------------------
# examples/ci/any-ci.sh as written
# --------------------------------------------------------------------------------------------

def any_ci(veil_bin, host_env, workdir, out: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = dict(host_env, VEIL_OUT=str(out), VEIL_UPSTREAM="stub",
               PATH=f"{os.path.dirname(veil_bin)}:{host_env['PATH']}")
    return subprocess.run(["bash", str(CI / "any-ci.sh"), *command], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=180)


def test_any_ci_script(veil_bin, host_env, workdir, hello, tmp_path):
    planted = any_ci(veil_bin, host_env, workdir, tmp_path / "planted", *hello, "--tell", str(workdir))
    assert planted.returncode == 3, planted.stdout + planted.stderr
    report = json.loads((tmp_path / "planted" / "report.json").read_text())
    root = ET.parse(tmp_path / "planted" / "junit.xml").getroot()
    assert len(root.findall("testsuite/testcase/failure")) == at_least(report, "marker") >= 1
    assert (tmp_path / "planted" / "record.jsonl").stat().st_size > 0

    clean = any_ci(veil_bin, host_env, workdir, tmp_path / "clean", *hello)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    root = ET.parse(tmp_path / "clean" / "junit.xml").getroot()
    assert root.findall("testsuite/testcase/failure") == [] and root.findall("testsuite/testcase")


def test_container_recipe_installs_the_package_and_names_what_docker_must_allow():
    """examples/container/Dockerfile: the .deb `make test` installs, an ordinary user, and the
    three settings a sandbox in a Docker container needs, in the run line it documents."""
    text = (EXAMPLES / "container" / "Dockerfile").read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert lines[0].startswith("FROM debian:12"), lines[0]
    assert any("apt-get install" in ln and "/tmp/veil_*.deb" in ln for ln in lines), lines
    assert any(ln.startswith("USER ") and "root" not in ln for ln in lines), lines
    run = " ".join(ln.lstrip("# ").rstrip("\\ ") for ln in text.splitlines() if "docker run" in ln or ln.startswith("#     "))
    for opt in ("seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"):
        assert f"--security-opt {opt}" in run, opt
    assert "veil run" in run and "--fail-on marker" in run
