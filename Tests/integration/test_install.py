"""What `make install` and the .deb put on a machine (issue 16): stripped binaries, shell
completions that complete profile names and probe's dimensions, and a man page made from the
command definitions. Run from the binaries under test, as root and as an ordinary user."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VEIL = os.environ.get("VEIL_BIN", "")
SCRIPTS = Path(os.environ.get("VEIL_SCRIPTS", Path(__file__).resolve().parents[2] / "scripts"))


def bash_complete(line: str) -> list[str]:
    """The words bash offers for `line` (its last word being completed), with veil's script."""
    script = subprocess.run([VEIL, "--generate-completion-script", "bash"], capture_output=True, text=True,
                            check=True).stdout
    words = line.split(" ")
    probe = (script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + f")\nCOMP_CWORD={len(words) - 1}\n"
             + f"COMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n_veil veil '{words[-1]}' '{words[-2]}'\n"
             + 'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{Path(VEIL).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    return [w for w in out.stdout.splitlines() if w]


def test_completion_offers_profile_names_and_dimensions():
    assert {"claude-code", "codex"} <= set(bash_complete("veil run --profile c")), bash_complete("veil run --profile c")
    assert "default" not in bash_complete("veil run --profile c")
    assert {"tz", "locale", "hostname"} <= set(bash_complete("veil probe --vary "))
    assert {"--profile", "--upstream", "--fail-on"} <= set(bash_complete("veil run --"))


def test_install_files_lays_out_a_prefix(tmp_path):
    dest = tmp_path / "dest"
    r = subprocess.run([str(SCRIPTS / "install-files"), str(Path(VEIL).parent), str(dest), "/opt/veil"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    root = dest / "opt/veil"
    for f in ("bin/veil", "bin/veil-core", "share/bash-completion/completions/veil", "share/zsh/site-functions/_veil",
              "share/fish/vendor_completions.d/veil.fish", "share/man/man1/veil.1.gz", "share/veil/apparmor/veil"):
        assert (root / f).stat().st_size > 0, f
    assert os.access(root / "bin/veil", os.X_OK)
    # Stripped: no debug sections left.
    sections = subprocess.run(["readelf", "-S", str(root / "bin/veil-core")], capture_output=True, text=True).stdout
    assert ".debug_info" not in sections
    # The AppArmor profile names the installed paths, not the build's.
    profile = (root / "share/veil/apparmor/veil").read_text()
    assert "profile veil /opt/veil/bin/veil flags=(unconfined)" in profile and "userns," in profile
    # The man page covers every visible command, with its options, and renders cleanly.
    page = gzip.decompress((root / "share/man/man1/veil.1.gz").read_bytes()).decode()
    for cmd in ("run", "doctor", "profile", "inspect", "compare", "probe", "shim", "stub"):
        assert f".SS veil {cmd}\n" in page, cmd
    assert "--fail-on" in page and "--apparmor-profile" in page
    assert ".SS veil __facts" not in page
    if shutil.which("groff"):
        rendered = subprocess.run(["groff", "-man", "-Tutf8", "-ww"], input=page, capture_output=True, text=True)
        assert rendered.returncode == 0 and not rendered.stderr, rendered.stderr
