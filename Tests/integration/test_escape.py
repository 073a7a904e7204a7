"""The escape suite: attempts a hostile agent makes from inside the sandbox (issue 19).

Each test attacks one protection. Where the attack can be shown to work without veil (a control
run in bare namespaces, as the same user), the test shows that too, so a passing test means the
protection held, not that the attack was misaimed. Runs as root and as an unprivileged user
(scripts/integration-tests); without VEIL_BIN it skips locally and fails in CI.
"""
import json
import re
import shutil
import signal
import socket
import os
import subprocess
from pathlib import Path

import pytest

from terminal import on_pty

VEIL = os.environ.get("VEIL_BIN")
if not VEIL:
    if os.environ.get("CI") == "true":
        raise RuntimeError("VEIL_BIN must be set in CI: the sandbox tests never skip there")
    pytest.skip("VEIL_BIN not set (build veil and point VEIL_BIN at it)", allow_module_level=True)

PY = "/usr/bin/python3"
WALKER = (Path(__file__).parent / "walk_writable.py").read_text()
IDENTITY_WALKER = (Path(__file__).parent / "walk_identity.py").read_text()
ROOT = os.getuid() == 0


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def workdir(tmp_path):
    w = tmp_path / "proj"
    w.mkdir()
    return w


def run_in_veil(args, home, workdir, timeout=120, env_extra=None, text=True, **kw):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "TERM": "xterm", **(env_extra or {})}
    return subprocess.run([VEIL, "run", *args], cwd=workdir, env=env, capture_output=True, text=text,
                          timeout=timeout, **kw)


def test_nothing_outside_its_own_trees_is_writable(home, workdir):
    """Walks /, /proc, /sys, /dev and every mount: only the workdir, home, tmp dirs, the world-
    writable devices and the sandbox's own /proc/PID entries may be opened for writing. As root
    this is the core_pattern escape: /proc/sys writable meant host root code execution."""
    r = run_in_veil(["--", PY, "-c", WALKER], home, workdir)
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["walked"] > 1000, found  # it really walked /usr, /proc/sys, ...
    assert found["writable"] == []


def host_identity(home, workdir):
    """Values only this host has: its machine-id and boot id, the host paths of the workdir and
    home, and its host name where it looks like one (a digit or a dash: `debian` or `ubuntu`
    alone is also a word of /etc/os-release)."""
    values = {"boot id": open("/proc/sys/kernel/random/boot_id").read().strip(),
              "workdir path": str(workdir), "home path": str(home)}
    if os.path.exists("/etc/machine-id"):
        values["machine-id"] = open("/etc/machine-id").read().strip()
    name = socket.gethostname()
    if len(name) >= 4 and name != "localhost" and any(c.isdigit() or c == "-" for c in name):
        values["host name"] = name
    values.update(host_hardware())
    return values


def host_hardware():
    """What names the machine's maker: PCI vendor and device ids (`1d0f` is Amazon's, `1ae0`
    Google's) and firmware devices by ACPI id (`AMZNC10C:00`)."""
    values = {}
    try:
        for line in open("/proc/bus/pci/devices"):
            ids = line.split("\t")[1]
            values["pci device " + ids] = ids
    except OSError:
        pass
    for table in ("/proc/iomem", "/proc/ioports"):
        try:
            text = open(table).read()
        except OSError:
            continue
        for acpi in re.findall(r": ([A-Z][A-Z0-9]{2,3}[0-9A-F]{4}):[0-9A-F]{2}$", text, re.M):
            values["firmware device " + acpi] = acpi
    return values


def test_no_host_identity_is_readable_inside(home, workdir):
    """Reads every file under /etc, /proc, /sys, /dev, /run, /tmp, /var and /home inside: no host
    value anywhere but the known limit, the mount tables naming the binds' host paths (README)."""
    r = run_in_veil(["--", PY, "-c", IDENTITY_WALKER], home, workdir, input=json.dumps(host_identity(home, workdir)))
    assert r.returncode == 0, r.stderr
    walk = json.loads(r.stdout)
    assert walk["read"] > 500, walk  # it really read /etc, /proc, /sys
    mount_tables = ("/mountinfo", "/mounts", "/mountstats")
    assert {p: v for p, v in walk["found"].items() if not p.endswith(mount_tables)} == {}
    # The walker reads /proc's files to the end (they come a page per read): the limit shows.
    assert "workdir path" in walk["found"].get("/proc/self/mountinfo", []), walk


def test_control_the_identity_walker_finds_the_host_outside(home, workdir):
    """The same walk on the host finds the values where they live."""
    r = subprocess.run([PY, "-c", IDENTITY_WALKER], input=json.dumps(host_identity(home, workdir)), cwd=workdir,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)["found"]
    assert "boot id" in found["/proc/sys/kernel/random/boot_id"]
    if os.path.exists("/etc/machine-id"):
        assert "machine-id" in found["/etc/machine-id"]
    # The machine has PCI devices, and each is listed where every process can read it.
    pci = [k for k in host_hardware() if k.startswith("pci device")]
    assert pci and set(pci) <= set(found["/proc/bus/pci/devices"]), found


CERTIFICATES = """
import json, os, re
stores = ["/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/etc/ca-certificates.conf",
          "/usr/share/ca-certificates", "/usr/local/share/ca-certificates"]
found = {}
for store in stores:
    paths = [store] if os.path.isfile(store) else [os.path.join(b, f) for b, _, fs in os.walk(store) for f in fs]
    for p in paths:
        try:
            text = open(p, "rb").read().decode("latin-1")
        except OSError:
            continue
        for block in re.findall(r"-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----", text):
            found.setdefault(block, []).append(p)
        if p.endswith(".crt") or p.endswith(".conf"):
            found.setdefault("file " + p, [])
print(json.dumps(found))
"""


@pytest.mark.parametrize("profile", ["default", "claude-code"])
def test_the_hosts_certificate_store_stays_out(home, workdir, profile):
    """The roots a host adds to its distribution's (a company's, a TLS-inspecting firewall's,
    this CI's egress CA) say whose machine it is. Inside, the only certificate under the stores
    is veil's bundle: the run CA of a profile that allows CONNECT, else a root whose key was
    thrown away (TrustBundle.noRoots)."""
    r = run_in_veil(["--profile", profile, "--", PY, "-c", CERTIFICATES], home, workdir)
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    certificates = {k: v for k, v in found.items() if not k.startswith("file ")}
    assert list(certificates.values()) == [[bundle]], found  # one root, in veil's bundle only
    if profile == "default":
        assert "MIIBxzCCAW2gAwIBAgIUe6X82q9MuyBL1zAc" in next(iter(certificates)), found
    # The control: the host's stores hold certificates (when it has any), all of which stay out.
    host = json.loads(subprocess.run([PY, "-c", CERTIFICATES], capture_output=True, text=True, check=True).stdout)
    if os.path.exists(bundle):
        assert sum(not k.startswith("file ") for k in host) > 0
    assert not set(found) & {k for k in host if not k.startswith("file ")}


# A host's package managers' system-wide settings, each naming a company's mirror with its
# token. The test lays them over the host's directories in a mount namespace of its own.
TOOL_CONFIGS = {"/etc/xdg/pip/pip.conf": "[global]\nindex-url = https://ci:s3cret@pypi.acme-corp.example/simple\n",
                "/etc/xdg/uv/uv.toml": "index-url = \"https://pypi.acme-corp.example/simple\"\n",
                "/usr/local/etc/npmrc": "registry=https://npm.acme-corp.example/\n//npm.acme-corp.example/:_authToken=npm_s3cret\n"}


def test_the_hosts_package_manager_settings_stay_out(tmp_path, home, workdir):
    """npm's global npmrc under /usr (or /usr/local), pip's and uv's under /etc/xdg (on the
    /etc allowlist): bound in with their trees, a company's mirror and its token went with
    them. Inside they read empty; the control, in the same mount namespace outside veil,
    reads them."""
    script = ["set -e"]
    # A tmpfs over /etc/xdg with what it held, and one over /usr/local (the test runs nothing
    # from there), each then given a company's settings.
    shutil.copytree("/etc/xdg", tmp_path / "xdg", symlinks=True)
    script += [f"mount -t tmpfs tmpfs /etc/xdg && cp -a {tmp_path}/xdg/. /etc/xdg/", "mount -t tmpfs tmpfs /usr/local"]
    for path, text in TOOL_CONFIGS.items():
        staged = tmp_path / path.strip("/").replace("/", "_")
        staged.write_text(text)
        script.append(f"mkdir -p {os.path.dirname(path)} && cp {staged} {path}")
    show = tmp_path / "show.py"
    show.write_text("import json\nout = {}\nfor p in %r:\n    try: out[p] = open(p).read()\n"
                    "    except OSError as e: out[p] = e.strerror\nprint(json.dumps(out))" % list(TOOL_CONFIGS))
    os.chmod(tmp_path, 0o755)
    script += [f"{PY} {show}", f"cd {workdir} && HOME={home} {VEIL} run -- {PY} -c \"$(cat {show})\""]
    r = subprocess.run(["unshare", "--map-root-user", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    outside, inside = (json.loads(line) for line in r.stdout.splitlines()[-2:])
    assert outside == TOOL_CONFIGS  # the control: they are there, mirrors and tokens
    assert all("acme-corp" not in text for text in inside.values()), inside


# A filesystem's identity as statfs and the identity ioctls give it, and statfs's errors.
FILESYSTEM_IDENTITY = """
import errno, fcntl, json, os
out = {"fsid": {}, "ioctl": {}, "errors": {}}
for p in ["/usr", ".", os.environ["HOME"], "/tmp"]:
    out["fsid"][p] = os.statvfs(p).f_fsid
fd = os.open("/usr/bin", os.O_RDONLY)
out["fsid"]["fd"] = os.fstatvfs(fd).f_fsid
os.makedirs("sub", exist_ok=True)
os.chdir("sub")
out["fsid"]["../ from a subdirectory"] = os.statvfs("..").f_fsid
out["blocks"] = os.statvfs("..").f_blocks
# FS_IOC_GETFSUUID, EXT4_IOC_GETFSUUID, FS_IOC_GETFSLABEL, FS_IOC_GETFSSYSFSPATH
for name, req, size in [("uuid", 0x80111500, 17), ("ext4 uuid", 0x8008662C, 8), ("label", 0x81009431, 256),
                        ("sysfs", 0x80811501, 129)]:
    try:
        fcntl.ioctl(fd, req, bytearray(size) if name != "ext4 uuid" else bytearray(b"\x10" + bytes(27)))
        out["ioctl"][name] = "ok"
    except OSError as e:
        out["ioctl"][name] = errno.errorcode[e.errno]
for what, call in [("missing", lambda: os.statvfs("/nonexistent/x")), ("empty", lambda: os.statvfs("")),
                   ("bad fd", lambda: os.fstatvfs(999))]:
    try: call(); out["errors"][what] = "ok"
    except OSError as e: out["errors"][what] = errno.errorcode[e.errno]
print(json.dumps(out))
"""


def test_the_filesystem_identity_stays_out(home, workdir):
    """ext4, xfs and btrfs make statfs's f_fsid from the disk's UUID: one number, the same in
    every run, every profile and for every user, that names the machine (`stat -f`, Python's
    statvfs). The identity ioctls give the UUID itself, the label and the sysfs name
    (`ext4/vda`). Inside, f_fsid is 0 wherever it is asked (a path, a relative path, a
    descriptor) and the ioctls are ENOTTY, as on a filesystem without them; statfs's answers and
    errors are otherwise the kernel's. The control: outside, the same calls give the id."""
    r = run_in_veil(["--", PY, "-c", FILESYSTEM_IDENTITY], home, workdir)
    assert r.returncode == 0, r.stderr
    inside = json.loads(r.stdout)
    assert set(inside["fsid"].values()) == {0}, inside
    assert set(inside["ioctl"].values()) == {"ENOTTY"}, inside
    assert inside["errors"] == {"missing": "ENOENT", "empty": "ENOENT", "bad fd": "EBADF"}, inside
    outside = json.loads(subprocess.run([PY, "-c", FILESYSTEM_IDENTITY], cwd=workdir, env={**os.environ, "HOME": str(home)},
                                        capture_output=True, text=True, check=True).stdout)
    assert outside["fsid"]["/usr"] != 0 and outside["fsid"]["."] != 0, outside
    assert outside["ioctl"]["sysfs"] == "ok" and outside["ioctl"]["uuid"] == "ok", outside
    assert inside["blocks"] == outside["blocks"] and outside["errors"] == inside["errors"]


def test_control_bare_namespaces_leave_proc_sys_writable_for_root(tmp_path):
    """The walker finds the hole where it exists: in bare namespaces with a fresh /proc and the
    caller's uid mapped, as veil had them, core_pattern opens for writing when the caller is
    host root (who owns it), and not for an ordinary user. Nothing is written."""
    script = tmp_path / "walk.py"
    script.write_text(WALKER.replace('stack = ["/"]', 'stack = ["/proc/sys/kernel"]'))
    r = subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", "--pid", "--fork", "--mount",
                        "--mount-proc", PY, str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert ("/proc/sys/kernel/core_pattern" in json.loads(r.stdout)["writable"]) == ROOT


@pytest.mark.parametrize("path", ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/swappiness",
                                  "/proc/sys/kernel/panic", "/proc/sys/fs/suid_dumpable"])
def test_global_sysctls_refuse_writes(home, workdir, path):
    """The exact attack: writing the current value back (a no-op even if it got through)."""
    script = f"import sys\nv = open('{path}').read()\ntry:\n    open('{path}', 'w').write(v)\nexcept OSError as e:\n    sys.exit(e.strerror)\nprint('WROTE')"
    r = run_in_veil(["--", PY, "-c", script], home, workdir)
    assert "WROTE" not in r.stdout
    assert r.returncode == 1 and ("Read-only file system" in r.stderr or "Permission denied" in r.stderr), r.stderr


def test_kernel_internals_are_hidden(home, workdir):
    script = ("import os, json\nout = {}\n"
              "for p in ['/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/kcore', '/proc/acpi', '/proc/scsi',\n"
              "          '/proc/interrupts', '/proc/bus', '/proc/iomem', '/proc/ioports', '/proc/kallsyms',\n"
              "          '/proc/modules', '/proc/vmallocinfo', '/proc/slabinfo', '/proc/misc', '/proc/devices']:\n"
              "    if not os.path.exists(p): continue\n"
              "    try: out[p] = sorted(os.listdir(p)) if os.path.isdir(p) else open(p, 'rb').read(4096).decode('latin-1')\n"
              "    except PermissionError: pass  # root's alone (slabinfo, vmallocinfo): shows nothing\n"
              "print(json.dumps(out))")
    r = run_in_veil(["--", PY, "-c", script], home, workdir)
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    # This kernel has them: the hiding is really exercised.
    assert {"/proc/timer_list", "/proc/interrupts", "/proc/bus", "/proc/iomem", "/proc/kallsyms"} <= set(shown)
    assert all(v in ("", []) for v in shown.values()), shown


# Every procfs file under /proc this process can read (a mask veil binds is no procfs file).
PROC_READER = """
import json, os, stat
shown, procfs = [], set()
for line in open("/proc/self/mountinfo"):
    fields = line.split()
    if fields[fields.index("-") + 1] == "proc":
        major, minor = fields[2].split(":")
        procfs.add(os.makedev(int(major), int(minor)))
def walk(d):
    try: names = os.listdir(d)
    except OSError: return
    for n in names:
        p = os.path.join(d, n)
        if d == "/proc" and (n.isdigit() or n in ("self", "thread-self", "kmsg")): continue
        try: st = os.lstat(p)
        except OSError: continue
        if stat.S_ISDIR(st.st_mode): walk(p)
        elif stat.S_ISREG(st.st_mode) and st.st_dev in procfs:
            try:
                fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
                try:
                    os.read(fd, 64)
                    shown.append(p)
                finally: os.close(fd)
            except OSError: pass
walk("/proc")
print(json.dumps(shown))
"""
# What a root agent reads that an ordinary user cannot, and why that is no host's secret.
PROC_ROOT_ONLY_ALLOWED = {
    "/proc/sys/kernel/cad_pid": "the host's init as the sandbox's PID namespace sees it: 0",
    "/proc/sys/kernel/usermodehelper/bset": "the kernel's capability mask for helpers, all bits",
    "/proc/sys/kernel/usermodehelper/inheritable": "the same",
    "/proc/sys/vm/mmap_rnd_bits": "the architecture's address-space randomisation setting",
    "/proc/sys/vm/mmap_rnd_compat_bits": "the same for 32-bit processes",
    # This VM's kernel's own settings (not upstream Linux): a scheduler knob and pipe counters.
    "/proc/sys/kernel/sched_vcpu_pack": "", "/proc/sys/fs/pipe-keep": "",
}


def test_a_root_agent_reads_no_more_of_the_kernel_than_an_ordinary_user(home, workdir):
    """As root the agent's uid is the host's root, to whom the kernel shows root-only files
    under /proc: every physical page's flags, use count and memory cgroup, the allocator's free
    lists (read under the zone lock), the serial ports' character counts, a refresh of every
    CPU's counters. The control reads the same tree outside, as an ordinary user (uid 65534
    without capabilities when the test runs as root): what the agent reads beyond that must be
    its own namespaces' or the same on every host."""
    r = run_in_veil(["--", PY, "-c", PROC_READER], home, workdir)
    assert r.returncode == 0, r.stderr
    inside = set(json.loads(r.stdout))
    ordinary = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all"] if ROOT else []
    outside = subprocess.run(ordinary + [PY, "-c", PROC_READER], capture_output=True, text=True, cwd="/",
                             timeout=60)
    assert outside.returncode == 0, outside.stderr
    assert len(inside) > 300, inside  # the walk really read /proc and /proc/sys
    beyond = {p for p in inside - set(json.loads(outside.stdout))
              # The sandbox's own network namespace, which its root owns.
              if not p.startswith("/proc/sys/net/") and p not in PROC_ROOT_ONLY_ALLOWED}
    assert beyond == set(), sorted(beyond)
    if ROOT:
        # The attack is real on this host: root outside reads what the agent must not.
        root = subprocess.run([PY, "-c", PROC_READER], capture_output=True, text=True, timeout=60)
        assert {"/proc/kpageflags", "/proc/pagetypeinfo", "/proc/sys/vm/stat_refresh"} <= set(json.loads(root.stdout))


def test_no_core_dumps(home, workdir):
    """RLIMIT_CORE is 0 and cannot be raised: a crash inside hands the host's core handler nothing."""
    script = ("import resource, os, signal\n"
              "print(resource.getrlimit(resource.RLIMIT_CORE))\n"
              "try:\n    resource.setrlimit(resource.RLIMIT_CORE, (1 << 20, 1 << 20)); print('RAISED')\n"
              "except (ValueError, OSError): print('refused')\n"
              "if os.fork() == 0: os.kill(os.getpid(), signal.SIGSEGV)\n"
              "_, st = os.wait(); print('core' if os.WCOREDUMP(st) else 'nocore')")
    r = run_in_veil(["--", PY, "-c", script], home, workdir)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:3] == ["(0, 0)", "refused", "nocore"], r.stdout


def refused(r, words):
    return r.returncode == 125 and words in r.stderr


@pytest.mark.parametrize("target,words", [("/", "system directory"), ("/etc", "system directory"),
                                          ("/usr/lib", "system directory")])
def test_workdir_is_never_a_system_directory(home, workdir, target, words):
    """--workdir naming a system directory, directly or through a symlink (as root the agent
    wrote the host's /etc through one), is refused before anything starts."""
    link = workdir / "innocent"
    link.symlink_to(target)
    for arg in (target, str(link), "innocent"):
        r = run_in_veil(["--workdir", arg, "--", "/bin/sh", "-c", "echo STARTED; pwd"], home, workdir)
        assert refused(r, words) and "STARTED" not in r.stdout, (arg, r.stderr)


def test_workdir_is_never_the_home_or_above_it_unless_asked(home, workdir, tmp_path):
    r = run_in_veil(["--workdir", str(tmp_path), "--", "/bin/true"], home, workdir)
    assert refused(r, "contains your home directory"), r.stderr
    r = run_in_veil(["--workdir", str(home), "--", "/bin/true"], home, workdir)
    assert refused(r, "--allow-home-workdir"), r.stderr
    state = home / ".local" / "state" / "veil"
    state.mkdir(parents=True)
    r = run_in_veil(["--workdir", str(state), "--", "/bin/true"], home, workdir)
    assert refused(r, "veil's own state"), r.stderr
    (home / "marker").write_text("x")
    r = run_in_veil(["--allow-home-workdir", "--workdir", str(home), "--", "/bin/sh", "-c", "cat marker"], home, workdir)
    assert r.returncode == 0 and r.stdout == "x", r.stderr


def test_workdir_swapped_for_a_symlink_during_launch_is_never_bound(home, workdir, tmp_path):
    """A race: while veil launches, the workdir is swapped back and forth with a symlink to
    /etc. veil resolves it once and the sandbox verifies that what it bound is what veil
    checked, so each run gets the project or is refused, never /etc."""
    import threading
    parent = tmp_path / "race"
    proj, aside, evil = parent / "proj", parent / "proj-aside", parent / "evil"
    parent.mkdir()
    proj.mkdir()
    (proj / "project-marker").write_text("x")
    evil.symlink_to("/etc")
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            try:
                os.rename(proj, aside)
                os.rename(evil, proj)
                os.rename(proj, evil)
                os.rename(aside, proj)
            except OSError:
                pass

    t = threading.Thread(target=flip)
    t.start()
    outcomes = set()
    try:
        for _ in range(150):
            r = run_in_veil(["--workdir", str(proj), "--", "/bin/sh", "-c", "ls"], home, workdir)
            outcomes.add("etc" if "passwd" in r.stdout else "project" if "project-marker" in r.stdout else "refused")
    finally:
        stop.set()
        t.join()
    assert "etc" not in outcomes, outcomes


def test_home_files_copy_follows_no_symlink_the_agent_planted(home, workdir, tmp_path):
    """Run 1: the agent plants symlinks in its persistent home where a home_files copy will
    land. Run 2: veil copies home_files in and must not create or write the targets."""
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir()
    profile = tmp_path / "p.toml"
    profile.write_text('extends = "default"\n[filesystem]\nhome_files = [".gitconfig", ".config/tool/settings.json"]\n')
    (home / ".gitconfig").write_text("[user]\n")
    (home / ".config" / "tool").mkdir(parents=True)
    (home / ".config" / "tool" / "settings.json").write_text("{}")
    plant = (f"ln -s {tmp_path}/victim-file ~/.gitconfig.new && mv -T ~/.gitconfig.new ~/.gitconfig; "
             f"rm -rf ~/.config; mkdir -p ~/.config && ln -s {victim_dir} ~/.config/tool")
    state = {"XDG_STATE_HOME": str(tmp_path / "state")}
    r = run_in_veil(["--profile", str(profile), "--", "/bin/sh", "-c", plant], home, workdir, env_extra=state)
    assert r.returncode == 0, r.stderr
    r = run_in_veil(["--profile", str(profile), "--", "/bin/true"], home, workdir, env_extra=state)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "victim-file").exists()
    assert list(victim_dir.iterdir()) == []


def test_record_and_report_are_never_written_through_planted_links(home, workdir, tmp_path):
    """The agent plants a symlink where the next run's --record goes, a hard link where its
    --report goes, a FIFO where another report goes, and during the run swaps the report for a
    symlink: veil refuses to write through any of them, at once, and the targets stay untouched."""
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (workdir / "keep").write_text("keep")
    r = run_in_veil(["--", "/bin/sh", "-c", f"ln -s {victim} rec.jsonl; ln keep report.json; mkfifo fifo.json"], home, workdir)
    assert r.returncode == 0, r.stderr
    # A FIFO where the report goes: refused at once, not waited on for a reader.
    r = run_in_veil(["--upstream", "stub", "--report", "fifo.json", "--", "/bin/true"], home, workdir, timeout=30)
    assert r.returncode == 125 and "FIFO" in r.stderr, r.stderr
    r = run_in_veil(["--upstream", "stub", "--record", "rec.jsonl", "--", "/bin/true"], home, workdir)
    assert r.returncode == 125 and "symbolic link" in r.stderr, r.stderr
    r = run_in_veil(["--upstream", "stub", "--report", "report.json", "--", "/bin/true"], home, workdir)
    assert r.returncode == 125 and "single link" in r.stderr, r.stderr
    r = run_in_veil(["--upstream", "stub", "--report", "out/report.json", "--", "/bin/sh", "-c",
                     f"mkdir -p out && touch out/report.json && rm -rf out && ln -s {tmp_path} out"], home, workdir)
    assert r.returncode == 125 and "not follow" in r.stderr, r.stderr
    assert victim.read_text() == "precious" and (workdir / "keep").read_text() == "keep"
    assert not (tmp_path / "report.json").exists()


def test_kill_of_its_process_group_reaches_nothing_outside(home, workdir, tmp_path):
    """kill(0, SIGTERM) and kill(-1, SIGKILL) inside: the script that started veil (same process
    group, no terminal) goes on, and veil reports the agent's death (kill(-1) finds nothing
    in reach: ESRCH, exit 1). The script runs in a session of its own so that a failure
    cannot kill the test runner."""
    for attack, status in (("os.kill(0, signal.SIGTERM)", 143), ("os.kill(-1, signal.SIGKILL)", 1)):
        agent = f"import os, signal; {attack}"
        script = f"'{VEIL}' run -- {PY} -c '{agent}'; echo veil=$?; echo SURVIVED"
        r = subprocess.run(["/bin/sh", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(home)}, start_new_session=True)
        assert "SURVIVED" in r.stdout and f"veil={status}" in r.stdout, (attack, r.stdout, r.stderr)


KERNEL_PROBE = r"""
import ctypes, json, os, platform, subprocess
out = {"python": list(os.uname()), "platform": [platform.release(), platform.version()],
       "uname_a": subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout,
       "node": subprocess.run(["node", "-e", "const o = require('os'); console.log(o.release() + ' ' + o.version())"],
                              capture_output=True, text=True).stdout}
for p in ["/proc/version", "/proc/sys/kernel/osrelease", "/proc/sys/kernel/version", "/proc/cmdline", "/proc/cpuinfo",
          "/proc/config.gz"]:
    try:
        out[p] = open(p, "rb").read().decode("latin-1")
    except OSError as e:
        out[p] = "ERR " + e.strerror
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: PID 1 can no longer write the answer
try:
    out["undumpable"] = os.uname().release
except OSError as e:
    out["undumpable"] = "ERR " + e.strerror
print(json.dumps(out))
"""


def test_kernel_identity_is_neutral_as_every_runtime_reads_it(home, workdir):
    """uname(2) (Python, coreutils, Node), /proc/version, osrelease, the build string, the boot
    command line and the CPU's model name show a neutral kernel of the host's major.minor; a
    process that makes itself non-dumpable gets an error from uname, never the host's answer."""
    host = os.uname()
    major_minor = ".".join(host.release.split(".")[:2])
    r = run_in_veil(["--", PY, "-c", KERNEL_PROBE], home, workdir)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    assert seen["python"][2] == f"{major_minor}.0" and seen["platform"][0] == f"{major_minor}.0", seen["python"]
    assert seen["python"][3] == "#1 SMP PREEMPT_DYNAMIC" and seen["python"][1] == "localhost"
    assert seen["node"].startswith(f"{major_minor}.0 #1 SMP PREEMPT_DYNAMIC"), seen["node"]
    assert seen["/proc/sys/kernel/osrelease"] == f"{major_minor}.0\n"
    assert seen["/proc/config.gz"] in ("", "ERR No such file or directory")
    assert seen["undumpable"].startswith("ERR"), seen["undumpable"]
    host_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
    text = json.dumps(seen)
    assert host.release not in text and host.version not in text
    assert open("/proc/cmdline").read().strip() not in text
    assert not host_model or host_model not in text
    assert "model name\t: Virtual CPU" in seen["/proc/cpuinfo"] and "flags" in seen["/proc/cpuinfo"]


def test_the_host_kernel_release_is_a_canary(home, workdir):
    """Any other path that carries the host's release to the model is blocked."""
    release = os.uname().release
    body = json.dumps({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": f"kernel {release}"}]})
    script = ("import os, sys, urllib.request\n"
              f"req = urllib.request.Request(os.environ['ANTHROPIC_BASE_URL'] + '/v1/messages', data={body!r}.encode(),"
              " headers={'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01'})\n"
              "try:\n    urllib.request.urlopen(req); print('SENT')\n"
              "except Exception as e:\n    print(e.read().decode())")
    r = run_in_veil(["--profile", "claude-code", "--upstream", "stub", "--", PY, "-c", script], home, workdir)
    assert r.returncode == 0, r.stderr
    assert "SENT" not in r.stdout and "kernel release" in r.stdout, r.stdout


# The vDSO's notes as a process reads them from its own memory: the build salt and build id.
VDSO_NOTES = r"""
import ctypes, struct
libc = ctypes.CDLL(None)
libc.getauxval.restype = ctypes.c_ulong
base = libc.getauxval(33)  # AT_SYSINFO_EHDR
head = ctypes.string_at(base, 64)
phoff, phentsize, phnum = struct.unpack_from("<Q", head, 32)[0], *struct.unpack_from("<HH", head, 54)
salt, build_id = "", ""
for i in range(phnum):
    ph = ctypes.string_at(base + phoff + i * phentsize, phentsize)
    if struct.unpack_from("<I", ph, 0)[0] != 4:
        continue
    offset, size = struct.unpack_from("<Q", ph, 8)[0], struct.unpack_from("<Q", ph, 32)[0]
    notes, at = ctypes.string_at(base + offset, size), 0
    while at + 12 <= len(notes):
        namesz, descsz, kind = struct.unpack_from("<III", notes, at)
        name = notes[at + 12:at + 12 + namesz].rstrip(b"\0")
        desc_at = at + 12 + (namesz + 3) // 4 * 4
        desc = notes[desc_at:desc_at + descsz]
        if name == b"Linux" and kind == 0x100: salt = desc.rstrip(b"\0").decode()
        if name == b"GNU" and kind == 3: build_id = desc.hex()
        at = desc_at + (descsz + 3) // 4 * 4
"""


def test_the_kernel_build_in_the_vdso_is_a_canary(home, workdir):
    """The kernel maps its vDSO into every process, and its notes name the exact build (an id)
    and, on many distributions, the full release (`6.1.102-1.182.amzn2023.x86_64`): no namespace
    hides a process's own memory. The agent reads the same notes inside as the host outside,
    and a request carrying them is blocked."""
    outside = {}
    exec(VDSO_NOTES, outside)
    assert len(outside["build_id"]) == 40, outside["build_id"]
    script = VDSO_NOTES + (
        "import json, os, urllib.request\n"
        "print(json.dumps([salt, build_id]))\n"
        "for value in [salt, build_id]:\n"
        "    if len(value) < 6: continue\n"
        "    body = json.dumps({'model': 'm', 'max_tokens': 5, 'messages': [{'role': 'user', 'content': 'kernel ' + value}]})\n"
        "    req = urllib.request.Request(os.environ['ANTHROPIC_BASE_URL'] + '/v1/messages', data=body.encode(),"
        " headers={'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01'})\n"
        "    try:\n        urllib.request.urlopen(req); print('SENT')\n"
        "    except Exception as e:\n        print(e.read().decode())\n")
    r = run_in_veil(["--profile", "claude-code", "--upstream", "stub", "--", PY, "-c", script], home, workdir)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert json.loads(lines[0]) == [outside["salt"], outside["build_id"]]
    assert "SENT" not in r.stdout and r.stdout.count("kernel build") == 1 + (len(outside["salt"]) >= 6), r.stdout


BOMB = r"""
import os, sys, time
n = 0
while n < 700:  # the test's own cap: without a limit the loop ends here
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(5)
        os._exit(0)
    n += 1
print("forked", n, flush=True)
try:
    b = bytearray(512 << 20)
    b[::4096] = b"x" * len(range(0, len(b), 4096))  # touch every page
    print("allocated")
except MemoryError:
    print("MemoryError")
"""


def veil_cgroups():
    found = []
    for base, dirs, _ in os.walk("/sys/fs/cgroup"):
        found += [os.path.join(base, d) for d in dirs if d.startswith("veil-")]
        if base.count("/") > 6:
            dirs[:] = []
    return found


def test_fork_bomb_and_memory_hog_are_bounded(home, workdir, tmp_path):
    """[limits] pids and memory_mb: a fork bomb stops at the limit and an allocation of 512 MiB
    fails at 256; without limits (the control, same run) both go on. As root the kernel
    exempts the agent from RLIMIT_NPROC: there the PID namespace's pid_max bounds it (the
    host's own pid_max stays as it was). No cgroup of the run is left behind, and where veil
    made one it says which limit was hit."""
    before = set(veil_cgroups())
    host_pid_max = open("/proc/sys/kernel/pid_max").read()
    bounded, unbounded = tmp_path / "bounded.toml", tmp_path / "unbounded.toml"
    bounded.write_text("[limits]\npids = 350\nmemory_mb = 256\n")
    unbounded.write_text("[limits]\npids = 0\nmemory_mb = 0\n")
    r = run_in_veil(["--profile", str(unbounded), "--", PY, "-c", BOMB], home, workdir)
    assert r.returncode == 0 and r.stdout.split() == ["forked", "700", "allocated"], (r.stdout, r.stderr)
    report = tmp_path / "report.json"
    r = run_in_veil(["--profile", str(bounded), "--upstream", "stub", "--report", str(report), "--", PY, "-c", BOMB],
                    home, workdir)
    assert r.returncode == 0, r.stderr
    forked = int(r.stdout.split()[1])
    assert forked < 350 and r.stdout.split()[2] == "MemoryError", r.stdout
    assert open("/proc/sys/kernel/pid_max").read() == host_pid_max
    doctor = subprocess.run([VEIL, "doctor"], cwd=workdir, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(home)}).stdout
    if "per sandbox (cgroup" in doctor:
        assert "hit its process limit (limits.pids = 350)" in r.stderr, r.stderr
        assert json.loads(report.read_text())["limitsHit"]["pidsRefused"] > 0
    assert set(veil_cgroups()) <= before


MEMORY_FILES = r"""
import ctypes, os
def fill(d):
    mib = 0
    try:
        with open(d + "/fill", "wb", buffering=0) as f:
            while mib < 48:  # the test's own cap: without a bound each holds 48 MiB
                f.write(b"x" * (1 << 20))
                mib += 1
    except OSError:
        pass
    return mib
dirs = ("/tmp", "/var/tmp", "/dev/shm", "/run")
files = [fill(d) for d in dirs]
for d in dirs:
    os.unlink(d + "/fill")
made = 0
try:
    while made < 20000:
        open("/tmp/i%d" % made, "w").close()
        made += 1
except OSError:
    pass
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
# IPC_PRIVATE, IPC_CREAT | 0600: the second 48 MiB segment is past a 64 MiB total.
segments = [libc.shmget(0, 48 << 20, 0o1600) >= 0 for _ in range(2)]
print(sum(files), made, *segments)
"""


def test_memory_kept_as_files_is_bounded(home, workdir, tmp_path):
    """memory_mb bounds what the agent keeps in memory outside its processes, which no rlimit
    counts and, without a cgroup of the run (this host: cgroup v1), nothing else does: files on
    /tmp, /var/tmp, /dev/shm and /run together (each was a tmpfs of half the host's memory),
    their inodes, and, as root, SysV shared memory (the kernel lets only the owner of the IPC
    namespace's uid 0 set its bounds, which an ordinary user's sandbox does not map). Without a
    bound (the control, same run) all of it goes."""
    bounded, unbounded = tmp_path / "bounded.toml", tmp_path / "unbounded.toml"
    bounded.write_text("[limits]\nmemory_mb = 64\n")
    unbounded.write_text("[limits]\nmemory_mb = 0\n")
    r = run_in_veil(["--profile", str(unbounded), "--", PY, "-c", MEMORY_FILES], home, workdir)
    assert r.returncode == 0 and r.stdout.split() == ["192", "20000", "True", "True"], (r.stdout, r.stderr)
    r = run_in_veil(["--profile", str(bounded), "--", PY, "-c", MEMORY_FILES], home, workdir)
    assert r.returncode == 0, r.stderr
    written, made, first, second = r.stdout.split()
    # 64 MiB shared by the four, 64 inodes a MiB (4,096, a few taken).
    assert 60 <= int(written) <= 64 and 4000 < int(made) < 4096, r.stdout
    assert first == "True" and (second == "False" or not ROOT), r.stdout


def test_open_files_and_cpu_time_are_bounded(home, workdir, tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text("[limits]\nopen_files = 100\ncpu_seconds = 1\n")
    script = ("import os, resource\nprint(resource.getrlimit(resource.RLIMIT_NOFILE))\n"
              "fds = []\ntry:\n    while True: fds.append(os.open('/dev/null', os.O_RDONLY))\n"
              "except OSError: print('fds', len(fds), flush=True)\nwhile True: pass")
    report = tmp_path / "report.json"
    r = run_in_veil(["--profile", str(profile), "--upstream", "stub", "--report", str(report), "--", PY, "-c", script],
                    home, workdir, timeout=30)
    assert json.loads(report.read_text())["limitsHit"] == {"cpuTime": True, "pidsRefused": 0, "oomKills": 0}
    assert r.stdout.split("\n")[0] == "(100, 100)" and int(r.stdout.split("\n")[1].split()[1]) < 100, r.stdout
    assert r.returncode == 128 + 24 and "used up its CPU time (limits.cpu_seconds = 1)" in r.stderr, (r.returncode, r.stderr)


PROBES = r"""
import json, os, socket, stat, subprocess, sys
out = {}
def attempt(name, fn):
    try:
        r = fn()
        out[name] = "OK" if r is None else r
    except OSError as e:
        out[name] = e.__class__.__name__ + ":" + (e.strerror or "")
    except Exception as e:
        out[name] = e.__class__.__name__
for f in ("environ", "mem", "cwd", "root"):
    p = "/proc/1/" + f
    attempt("pid1_" + f, (lambda p=p: os.listdir(p) and None) if f in ("cwd", "root") else (lambda p=p: open(p, "rb").read(1) and None))
attempt("mknod_null", lambda: os.mknod("/tmp/n", stat.S_IFCHR | 0o666, os.makedev(1, 3)))
attempt("hardlink_out", lambda: os.link("/usr/bin/env", "env-link"))
os.symlink("/etc/shadow", "shadow-link")
attempt("symlink_out", lambda: open("shadow-link").read())
su = subprocess.run(["su", "root", "-c", "id -u"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
out["setuid_su"] = (su.returncode, su.stdout.strip())
out["setuid_bits"] = sorted(p for p in ("/usr/bin/su", "/usr/bin/passwd", "/usr/bin/mount") if os.path.exists(p) and os.stat(p).st_mode & 0o4000)
attempt("dns", lambda: socket.getaddrinfo("example.com", 443) and None)
port = int(sys.argv[1])
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"zqx-udp", ("127.0.0.1", port)); s.close()
attempt("udp_send", udp)
def tcp6():
    s = socket.create_connection(("::1", port), timeout=2); s.close()
attempt("tcp6", tcp6)
out["sys"] = sorted(os.listdir("/sys"))
out["dev"] = sorted(os.listdir("/dev"))
print(json.dumps(out))
"""


def test_proc1_devices_links_setuid_and_host_network(home, workdir):
    """/proc/1's environ, mem, cwd and root; a device node; a hard link to a system file and a
    symlink out of the workdir; a setuid binary; DNS; UDP to the host's loopback and TCP to its
    ::1: each fails inside (the servers listen on the host, as this test's own)."""
    import socket as so
    udp = so.socket(so.AF_INET, so.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.5)
    port = udp.getsockname()[1]
    tcp6 = so.socket(so.AF_INET6, so.SOCK_STREAM)
    tcp6.setsockopt(so.SOL_SOCKET, so.SO_REUSEADDR, 1)
    tcp6.bind(("::1", port))
    tcp6.listen(1)
    try:
        r = run_in_veil(["--", PY, "-c", PROBES, str(port)], home, workdir)
        assert r.returncode == 0, r.stderr
        got = json.loads(r.stdout)
        for key in ("pid1_environ", "pid1_mem", "pid1_cwd", "pid1_root", "mknod_null", "hardlink_out", "symlink_out", "dns",
                    "tcp6"):
            assert got[key] != "OK", (key, got[key])
        assert got["setuid_su"][1] != "0", got["setuid_su"]
        with pytest.raises(so.timeout):
            udp.recvfrom(100)  # udp_send "succeeds" into the sandbox's own loopback: nothing arrives here
        assert got["sys"] == ["devices"] and set(got["dev"]) <= {"null", "zero", "full", "random", "urandom", "tty", "pts",
                                                               "ptmx", "shm", "fd", "stdin", "stdout", "stderr"}
        # The control: the same UDP packet from outside arrives.
        so.socket(so.AF_INET, so.SOCK_DGRAM).sendto(b"ctl", ("127.0.0.1", port))
        assert udp.recvfrom(100)[0] == b"ctl"
    finally:
        udp.close()
        tcp6.close()


@pytest.mark.parametrize("bind", ["~/../../etc", "/proc/1/root/etc", "/proc/self/root", "~/..:/x", "/tmp:/proc/sys",
                                  "~", "/"])
def test_profile_paths_cannot_climb_out(home, workdir, tmp_path, bind):
    """A profile's bind that climbs out of the home with `..` or goes through /proc is refused
    when the profile is loaded, before anything starts."""
    p = tmp_path / "p.toml"
    p.write_text(f'[filesystem]\nro = ["{bind}"]\n')
    r = run_in_veil(["--profile", str(p), "--", "/bin/sh", "-c", "echo STARTED"], home, workdir)
    assert r.returncode != 0 and "STARTED" not in r.stdout and "filesystem.ro" in r.stderr, (r.returncode, r.stderr)


GIT_ATTACKS = r"""
import json, os, shutil, subprocess, sys
MONITOR = '[core]\n\tfsmonitor = "touch PWNED-%s; false"\n'
def config():  # `git status` runs the fsmonitor command
    open(".git/config", "a").write(MONITOR % "config")
def hook():  # `git commit` runs pre-commit
    open(".git/hooks/pre-commit", "w").write("#!/bin/sh\ntouch PWNED-hook\n")
    os.chmod(".git/hooks/pre-commit", 0o755)
def replace_config():
    shutil.copy(".git/config", ".git/c2")
    open(".git/c2", "a").write(MONITOR % "replace")
    os.rename(".git/c2", ".git/config")
def move_git():  # and back: a repository the agent swaps in for the user's
    os.rename(".git", ".git-old")
    os.rename(".git-old", ".git")
def move_hooks():
    os.rename(".git/hooks", ".git/hooks-old")
    os.rename(".git/hooks-old", ".git/hooks")
def move_repo():  # and back: a directory of the agent's, with a repository of its own, at its name
    here = os.getcwd()
    os.rename(here, here + "-old")
    os.rename(here + "-old", here)
def hide():  # a change `git status` no longer shows
    open("work.txt", "a").write("hidden\n")
    subprocess.run(["git", "update-index", "--assume-unchanged", "work.txt"], check=True)
def commondir():  # git takes the configuration of the directory it names
    for d in ["objects", "refs"]:
        shutil.copytree(".git/" + d, "evil/" + d)
    shutil.copy(".git/HEAD", "evil/HEAD")
    open("evil/config", "w").write(open(".git/config").read() + MONITOR % "commondir")
    open(".git/commondir", "w").write("../evil\n")
def exclude():  # a new file `git status` does not list
    open("planted.py", "w").write("import os\n")
    os.makedirs(".git/info", exist_ok=True)
    open(".git/info/exclude", "a").write("planted.py\n")
attacks = {f.__name__: f for f in [config, hook, replace_config, move_git, move_hooks, move_repo, hide, commondir,
                                   exclude]}
os.chdir(sys.argv[1])
# Committing works (first: git run after these attacks would run them inside).
ident = ["-c", "user.name=a", "-c", "user.email=a@example.com"]
open("work.txt", "w").write("work\n")
out = {"commit": subprocess.run(["git", "add", "work.txt"]).returncode
       or subprocess.run(["git", *ident, "commit", "-qm", "work"]).returncode}
for name in sys.argv[2:]:
    try:
        attacks[name]()
        out[name] = "done"
    except OSError as e:
        out[name] = e.strerror
print(json.dumps(out))
"""
GIT_ATTACK_NAMES = ["config", "hook", "replace_config", "move_git", "move_hooks", "move_repo", "hide", "commondir",
                    "exclude"]


def git_repo(path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(path.parent), "GIT_CONFIG_NOSYSTEM": "1"}
    path.mkdir(exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], env=env, check=True)
    subprocess.run(["git", "-C", str(path), "-c", "user.name=u", "-c", "user.email=u@example.com", "commit", "-q",
                    "--allow-empty", "-m", "start"], env=env, check=True)
    return env


def host_git_runs(path, env):
    """What the user does next on the host: status, then a commit. The markers say what ran."""
    subprocess.run(["git", "status"], cwd=path, env=env, capture_output=True)
    subprocess.run(["git", "-c", "user.name=u", "-c", "user.email=u@example.com", "commit", "-q", "--allow-empty",
                    "-m", "host"], cwd=path, env=env, capture_output=True)
    return sorted(p.name for p in path.iterdir() if p.name.startswith("PWNED-"))


def test_control_an_agent_outside_veil_makes_the_users_git_run_its_code(tmp_path):
    """Without veil, each attack on the repository gets its code run by the user's next git."""
    ran = {}
    for name in ["config", "hook", "replace_config", "commondir"]:
        repo = tmp_path / name
        env = git_repo(repo)
        r = subprocess.run([PY, "-c", GIT_ATTACKS, ".", name], cwd=repo, env=env, capture_output=True, text=True)
        assert json.loads(r.stdout)[name] == "done", r.stderr
        ran[name] = host_git_runs(repo, env)
    assert ran == {"config": ["PWNED-config"], "hook": ["PWNED-hook"], "replace_config": ["PWNED-replace"],
                   "commondir": ["PWNED-commondir"]}
    repo = tmp_path / "exclude"
    env = git_repo(repo)
    r = subprocess.run([PY, "-c", GIT_ATTACKS, ".", "exclude"], cwd=repo, env=env, capture_output=True, text=True)
    assert json.loads(r.stdout)["exclude"] == "done", r.stderr
    assert "planted.py" not in untracked(repo, env)


def untracked(path, env):
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=path, env=env,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("layout", ["workdir", "subdirectory"])
def test_the_workdir_repository_cannot_be_made_to_run_code_on_the_host(home, workdir, layout):
    """Inside, the repository's configuration and hooks are read-only and .git stays where it
    is (a mount point: not renamed, removed or replaced), while committing works; a
    `commondir` (nothing was there to make read-only) is moved aside when the run ends. The
    user's next git on the host runs nothing of the agent's. The same for a repository in a
    subdirectory of the workdir (a folder of projects), whose directory cannot be renamed
    either (it would leave a directory of the agent's at its name)."""
    repo = workdir if layout == "workdir" else workdir / "app"
    env = git_repo(repo)
    if layout == "subdirectory":
        shutil.rmtree(repo / ".git" / "info")  # nothing there to make read-only: looked for after the run
    r = run_in_veil(["--", PY, "-c", GIT_ATTACKS, "." if layout == "workdir" else "app", *GIT_ATTACK_NAMES],
                    home, workdir)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {"config": "Read-only file system", "hook": "Read-only file system",
                   "replace_config": "Device or resource busy", "move_git": "Device or resource busy",
                   "move_hooks": "Device or resource busy", "move_repo": "Device or resource busy", "hide": "done",
                   "commondir": "done", "commit": 0,
                   "exclude": "Read-only file system" if layout == "workdir" else "done"}, out
    at = ".git" if layout == "workdir" else "app/.git"
    assert f"moved to {at}/commondir.veil-blocked" in r.stderr, r.stderr
    assert (f"moved to {at}/info.veil-blocked" in r.stderr) == (layout == "subdirectory"), r.stderr
    assert "?? planted.py" in untracked(repo, env)
    where = "the workdir's repository" if layout == "workdir" else "app/"
    assert f"hid its changes to 1 file from `git status` in {where} (assume-unchanged or skip-worktree): work.txt" in r.stderr
    assert not (repo / ".git" / "commondir").exists() and (repo / ".git" / "commondir.veil-blocked").exists()
    assert host_git_runs(repo, env) == []
    log = subprocess.run(["git", "log", "--format=%s"], cwd=repo, env=env, capture_output=True, text=True).stdout
    assert log.split() == ["host", "work", "start"], log


HIDE_AN_ESCAPE = r"""
import subprocess, sys
name = "x\x1b]0;agent was here\x07\x1b]52;c;aGk=\x07\x1b[1A\x1b[2K\x9b2J\nveil: nothing was hidden"
open(name, "w").write("x\n")
ident = ["-c", "user.name=a", "-c", "user.email=a@example.com"]
for cmd in [["add", name], [*ident, "commit", "-qm", "x"], ["update-index", "--assume-unchanged", name]]:
    subprocess.run(["git", *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


def test_the_agents_file_names_cannot_write_to_the_users_terminal(home, workdir):
    """veil's own lines after the run name files the agent chose; as names they could carry a
    terminal's escape sequences (retitle the window, set the clipboard, erase and rewrite the
    lines above) to the user's terminal, outside the sandbox, even when the agent's output went
    to a file. They are shown as code points. Control: the name really reaches veil's line."""
    git_repo(workdir)
    r = run_in_veil(["--", PY, "-c", HIDE_AN_ESCAPE], home, workdir, text=False)
    assert r.returncode == 0, r.stderr
    assert b"hid its changes to 1 file" in r.stderr, r.stderr
    assert (b"x[U+001B]]0;agent was here[U+0007][U+001B]]52;c;aGk=[U+0007][U+001B][1A[U+001B][2K"
            b"[U+009B]2J[U+000A]veil: nothing was hidden") in r.stderr, r.stderr
    assert not any(b < 0x20 and b not in b"\n" for b in r.stderr), r.stderr
    assert b"\x1b" not in r.stderr and b"\xc2\x9b" not in r.stderr and b"\nveil: nothing was hidden" not in r.stderr


def test_a_linked_worktree_keeps_its_git_file(home, tmp_path):
    """A linked worktree's `.git` is a file naming the repository's directory: the agent cannot
    point it at a repository of its own (read-only, and not replaceable by a rename)."""
    env = git_repo(tmp_path / "main")
    subprocess.run(["git", "-C", str(tmp_path / "main"), "worktree", "add", "-q", str(tmp_path / "linked")],
                   env=env, check=True)
    gitfile = (tmp_path / "linked" / ".git").read_text()
    script = ("import json, os\nout = {}\n"
              "for name, f in [('write', lambda: open('.git', 'w').write('gitdir: evil\\n')),\n"
              "                ('rename', lambda: (open('g2', 'w').write('gitdir: evil\\n'), os.rename('g2', '.git')))]:\n"
              "    try: f(); out[name] = 'done'\n"
              "    except OSError as e: out[name] = e.strerror\n"
              "print(json.dumps(out))\n")
    r = run_in_veil(["--", PY, "-c", script], home, tmp_path / "linked")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"write": "Read-only file system", "rename": "Device or resource busy"}
    assert (tmp_path / "linked" / ".git").read_text() == gitfile


def test_planted_repositories_cannot_stop_later_launches(home, tmp_path):
    """Each repository in the workdir's subdirectories is guarded by mounts of its own, and a
    mount namespace holds 100,000: an agent that made 11,000 of them made every later launch in
    that workdir fail deep in its setup (ENOSPC), after seconds of mounting. Past 1,000 veil
    stops before mounting any, and says why; at 1,000 it runs."""
    workdir = tmp_path / "projects"
    for k in range(1000):
        (workdir / f"p{k}" / ".git").mkdir(parents=True)
    r = run_in_veil(["--", "/bin/true"], home, workdir)
    assert r.returncode == 0, r.stderr
    (workdir / "p1000" / ".git").mkdir(parents=True)
    r = run_in_veil(["--", "/bin/true"], home, workdir)
    assert r.returncode == 125, r.stderr
    assert "hold 1001 git repositories, more than the 1000 veil guards" in r.stderr, r.stderr


def test_a_locked_project_directory_is_guarded_too(home, tmp_path):
    """A project directory its owner made unsearchable (mode 000) may hold a repository: the
    agent, the same user, can chmod it back and write its hooks. veil guards it as any other
    (the sandbox's setup reads it regardless), so the agent's write is refused."""
    workdir = tmp_path / "projects"
    (workdir / "locked" / ".git" / "hooks").mkdir(parents=True)
    os.chmod(workdir / "locked", 0)
    try:
        r = run_in_veil(["--", "/bin/sh", "-c", "chmod 755 locked && echo x > locked/.git/hooks/pre-commit"], home, workdir)
    finally:
        os.chmod(workdir / "locked", 0o755)
    assert r.returncode != 0 and "Read-only file system" in r.stderr, (r.returncode, r.stderr)
    assert not (workdir / "locked" / ".git" / "hooks" / "pre-commit").exists()


def sandbox_leftovers(own_ns):
    """Processes of ours in a PID namespace other than the test's (a sandbox's)."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == os.getuid() and os.readlink(f"/proc/{pid}/ns/pid") != own_ns:
                left.append(pid)
        except OSError:
            pass
    return left


def test_nothing_is_left_when_veil_or_the_agent_is_killed_during_setup(home, workdir):
    """SIGKILL and SIGTERM to veil at random points of its setup and run: no process of the
    sandbox survives. A cgroup of a run whose veil was SIGKILLed has no one left to remove it:
    the next run removes it (empty, a second old)."""
    import random
    import time as t
    own_ns = os.readlink("/proc/self/ns/pid")
    before, earlier = set(veil_cgroups()), set(sandbox_leftovers(own_ns))
    rnd = random.Random(19)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "TERM": "xterm"}
    for i in range(40):
        p = subprocess.Popen([VEIL, "run", "--", "/bin/sh", "-c", "sleep 30 & sleep 30"], cwd=workdir, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t.sleep(rnd.uniform(0, 0.03))
        p.send_signal(signal.SIGKILL if i % 2 == 0 else signal.SIGTERM)
        p.wait(timeout=30)
    deadline = t.monotonic() + 60  # dozens of namespaces torn down at once take a while on a busy VM
    while set(sandbox_leftovers(own_ns)) - earlier and t.monotonic() < deadline:
        t.sleep(0.05)
    left = set(sandbox_leftovers(own_ns)) - earlier
    assert left == set(), {p: open(f"/proc/{p}/status").read()[:400] for p in left if os.path.exists(f"/proc/{p}")}
    t.sleep(1.1)
    r = subprocess.run([VEIL, "run", "--", "/bin/true"], cwd=workdir, env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert set(veil_cgroups()) <= before


STI = r"""
import fcntl, termios
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"#")
    print("INJECTED")
except OSError as e:
    print("refused", e.strerror)
"""


PTYS = r"""
import os
held = []
try:
    while len(held) < 400:  # the test's own cap
        held.append(os.openpty())
except OSError as e:
    print(len(held), e.errno)
else:
    print(len(held), 0)
"""


def test_ptys_are_bounded(home, workdir):
    """The sandbox's ptys come from the host's pool (kernel.pty.max, less the host's reserve):
    an agent holding them all would leave none to other sandboxes and containers. It gets 256
    (ENOSPC after); the host's own instance gives the same program all 400."""
    r = run_in_veil(["--", PY, "-c", PTYS], home, workdir)
    assert r.returncode == 0 and r.stdout.split() == ["256", "28"], (r.stdout, r.stderr)
    outside = subprocess.run([PY, "-c", PTYS], capture_output=True, text=True, timeout=60)
    assert outside.stdout.split() == ["400", "0"], outside.stdout


LDISC = r"""
import fcntl, os, struct, termios
master, slave = os.openpty()
try:
    fcntl.ioctl(slave, termios.TIOCSETD, struct.pack("i", 0))  # N_TTY, the one it has
    print("OK")
except OSError as e:
    print(e.errno)
"""


def test_line_discipline_cannot_be_set(home, workdir):
    """TIOCSETD attaches a line discipline (n_hdlc, n_gsm, ...) to a tty: kernel code no agent
    needs, with a history of local privilege escalations. Refused even for N_TTY on a pty of
    the agent's own (control: outside, the same program sets it)."""
    r = run_in_veil(["--", PY, "-c", LDISC], home, workdir)
    assert r.returncode == 0 and r.stdout.strip() == "1", (r.stdout, r.stderr)  # EPERM
    outside = subprocess.run([PY, "-c", LDISC], capture_output=True, text=True, timeout=60)
    assert outside.stdout.strip() == "OK", outside.stdout


# KDSETLED 0xFF hands the keyboard's LEDs back to the keyboard (the console's default: no
# change on a console nobody set); VT_ACTIVATE 12 shows console 12, the one the test uses; the
# same KDSETLED with bits above the 32 the kernel reads, which a filter comparing all 64 misses.
CONSOLE = r"""
import ctypes, errno, json
libc = ctypes.CDLL(None, use_errno=True)
def ioctl(request, arg):
    ctypes.set_errno(0)
    r = libc.syscall(16, 0, ctypes.c_long(request), ctypes.c_long(arg))
    return "OK" if r == 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
print(json.dumps({"leds": ioctl(0x4B32, 0xFF), "activate": ioctl(0x5606, 12),
                  "leds_high_bits": ioctl(0x4B32 - (1 << 32), 0xFF)}))
"""
# As root: a session whose controlling terminal is virtual console 12, as a user logged in on
# the Linux console has; the control runs as an ordinary uid with no capabilities, then veil.
ON_A_CONSOLE = r"""
import json, os, subprocess, sys
fd = os.open("/dev/tty12", os.O_RDWR)  # a session leader without one: it becomes our terminal
assert os.tcgetpgrp(fd) == os.getpgrp(), "console 12 is another session's terminal"
os.dup2(fd, 0)
# The console shown now (VT_GETSTATE), shown again at the end: the host is left as it was.
import fcntl, struct
shown = struct.unpack("HHH", fcntl.ioctl(fd, 0x5603, b"\0" * 6))[0]
nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
outside = subprocess.run(nobody + [sys.executable, "-c", sys.argv[1]], capture_output=True, text=True)
inside = subprocess.run([sys.argv[2], "run", "--", sys.executable, "-c", sys.argv[1]], capture_output=True, text=True)
fcntl.ioctl(fd, 0x5606, shown)
print(json.dumps({"outside": outside.stdout + outside.stderr, "inside": inside.stdout, "veil": inside.stderr}))
"""


def test_the_linux_console_cannot_be_driven(home, workdir):
    """On the Linux console (a virtual terminal), whoever has it as controlling terminal may
    drive it with the KD and VT ioctls: switch consoles, set its mode, fonts, LEDs, keyboard
    mode — host state outside the sandbox, and kernel code with a history of privilege
    escalations (VT_DISALLOCATE, VT_RESIZEX, KDFONTOP, KDGKBSENT CVEs). veil hands the agent
    its own terminal, so the agent would have that right. Refused by the filter, whatever the
    upper 32 bits. As root on a real console (control: an ordinary uid without capabilities on
    the same console does it); as an ordinary user, who has no console here, on a pipe, where
    the kernel says ENOTTY and the filter EPERM first."""
    if ROOT:
        r = subprocess.run([PY, "-c", ON_A_CONSOLE, CONSOLE, VEIL], cwd=workdir, capture_output=True, text=True,
                           timeout=120, start_new_session=True, env={"PATH": "/usr/bin:/bin", "HOME": str(home)})
        assert r.returncode == 0, r.stderr
        res = json.loads(r.stdout)
        assert json.loads(res["outside"]) == {"leds": "OK", "activate": "OK", "leds_high_bits": "OK"}, res
        assert json.loads(res["inside"]) == {"leds": "EPERM", "activate": "EPERM", "leds_high_bits": "EPERM"}, res
    else:
        r = run_in_veil(["--", PY, "-c", CONSOLE], home, workdir, stdin=subprocess.DEVNULL)
        assert json.loads(r.stdout) == {"leds": "EPERM", "activate": "EPERM", "leds_high_bits": "EPERM"}, (r.stdout, r.stderr)
        outside = subprocess.run([PY, "-c", CONSOLE], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert json.loads(outside.stdout) == {"leds": "ENOTTY", "activate": "ENOTTY", "leds_high_bits": "ENOTTY"}, outside.stdout


def on_terminal(argv, home, workdir):
    return on_pty(argv, {"PATH": "/usr/bin:/bin", "HOME": str(home), "TERM": "xterm"}, workdir)


def test_tiocsti_under_a_real_pty(home, workdir):
    """Typing into the terminal veil runs on (TIOCSTI) from inside, on a real pty. The control
    runs the same program on a pty outside veil: where this kernel allows TIOCSTI there
    (dev.tty.legacy_tiocsti=1, or root), it injects."""
    inside = on_terminal([VEIL, "run", "--", PY, "-c", STI], home, workdir)
    assert "refused" in inside and "INJECTED" not in inside, inside
    legacy = open("/proc/sys/dev/tty/legacy_tiocsti").read().strip() if os.path.exists("/proc/sys/dev/tty/legacy_tiocsti") else "1"
    outside = on_terminal([PY, "-c", STI], home, workdir)
    assert ("INJECTED" in outside) == (legacy == "1" or ROOT), outside


# TIOCEXCL on the terminal, then TIOCGEXCL to read the mode back, then TIOCNXCL.
EXCL = r"""
import fcntl, struct, termios
try:
    fcntl.ioctl(0, termios.TIOCEXCL)
except OSError as e:
    print("refused", e.errno)
else:
    print("exclusive", struct.unpack("i", fcntl.ioctl(0, 0x80045440, b"\0" * 4))[0])
    fcntl.ioctl(0, termios.TIOCNXCL)
"""


def test_the_terminal_cannot_be_made_exclusive(home, workdir):
    """TIOCEXCL on the user's terminal outlives the agent: every later open of it (sudo's and
    ssh's password prompts, git's credential prompt read /dev/tty) fails with EBUSY for whoever
    lacks CAP_SYS_ADMIN, until someone clears it. Refused inside (control: outside, the same
    program sets it, reads it back, and clears it)."""
    inside = on_terminal([VEIL, "run", "--", PY, "-c", EXCL], home, workdir)
    assert "refused 1" in inside and "exclusive" not in inside, inside
    outside = on_terminal([PY, "-c", EXCL], home, workdir)
    assert "exclusive 1" in outside, outside


NEW_MOUNT_API = r"""
import ctypes, errno, json
libc = ctypes.CDLL(None, use_errno=True)
def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno())) if r == -1 else "OK"
path = ctypes.c_char_p(b"/tmp")
# Flags no kernel takes: without the filter, EINVAL (not a missing capability's EPERM).
calls = {"open_tree": (428, -100, ctypes.cast(path, ctypes.c_void_p).value, 1 << 30), "move_mount": (429, -1, 0, -1, 0, 0),
         "open_tree_attr": (467, -100, ctypes.cast(path, ctypes.c_void_p).value, 1 << 30, 0, 0),
         "fsopen": (430, ctypes.cast(ctypes.c_char_p(b"tmpfs"), ctypes.c_void_p).value, 0), "fsconfig": (431, -1, 0, 0, 0, 0),
         "fsmount": (432, -1, 0, 0), "fspick": (433, -100, ctypes.cast(path, ctypes.c_void_p).value, 0),
         "mount_setattr": (442, -100, ctypes.cast(path, ctypes.c_void_p).value, 0, 0, 0),
         "chroot": (161, ctypes.cast(path, ctypes.c_void_p).value), "x32_getpid": (0x40000000 | 39,)}
print(json.dumps({k: sc(*v) for k, v in calls.items()}))
"""


def test_new_mount_api_chroot_and_x32_are_refused(home, workdir):
    """open_tree/open_tree_attr/move_mount/fsopen/fsconfig/fsmount/fspick/mount_setattr and
    chroot: EPERM before the kernel looks at their arguments; an x32 call does not run.
    open_tree_attr (Linux 6.15) is newer than libseccomp 2.5 knows by name: denied by number."""
    r = run_in_veil(["--", PY, "-c", NEW_MOUNT_API], home, workdir)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert all(v == "EPERM" for k, v in got.items() if k != "x32_getpid"), got
    assert got["x32_getpid"] != "OK", got
