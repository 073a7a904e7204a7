"""The launcher, tested from inside real sandboxes (issue 2).

Runs `$VEIL_BIN run` as whoever runs pytest: .ci/run runs this file as root and again as an
unprivileged user. Without VEIL_BIN the tests skip locally and fail in CI.
"""
import json
from pathlib import Path
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import http.server

import pytest

from terminal import Tmux, on_pty

VEIL = os.environ.get("VEIL_BIN")
if not VEIL:
    if os.environ.get("CI") == "true":
        raise RuntimeError("VEIL_BIN must be set in CI: the sandbox tests never skip there")
    pytest.skip("VEIL_BIN not set (build veil and point VEIL_BIN at it)", allow_module_level=True)

PY = "/usr/bin/python3"

# Distinctive values planted in the host environment; none may be readable inside.
PLANTED = {
    "TZ": "Asia/Shanghai",
    "LANG": "zh_CN.UTF-8",
    "LC_ALL": "zh_CN.UTF-8",
    "LANGUAGE": "zh_CN:zh",
    "HTTPS_PROXY": "http://zqx-proxy.corp-canary.example:3128",
    "http_proxy": "http://zqx-proxy.corp-canary.example:3128",
    "NO_PROXY": "zqx-internal.corp-canary.example",
    "npm_config_registry": "https://zqx-npm-mirror.example/",
    "PIP_INDEX_URL": "https://zqx-pypi-mirror.example/simple",
    "GOPROXY": "https://zqx-goproxy.example",
    "XMODIFIERS": "@im=zqxfcitx",
    "GTK_IM_MODULE": "zqxfcitx",
    "DISPLAY": ":77",
    "SSH_AUTH_SOCK": "/tmp/zqx-ssh-agent.sock",
    "ZQX_SECRET": "zqx-planted-secret-4471",
}
MARKERS = ["zqx", "Shanghai", "zh_CN", "corp-canary"]


def host_env(home, **extra):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "TERM": "xterm"}
    env.update(PLANTED)
    env.update(extra)
    return env


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "zqx-home"
    h.mkdir()
    (h / ".npmrc").write_text("registry=https://zqx-npm-mirror.example/\n")
    (h / ".gitconfig").write_text("[user]\n\tname = zqx planted\n")
    return h


@pytest.fixture
def workdir(tmp_path):
    w = tmp_path / "zqx-parent" / "proj"
    w.mkdir(parents=True)
    return w


def veil(args, home, cwd, timeout=60, env=None, **kw):
    return subprocess.run([VEIL, "run", *args], cwd=cwd, env=env or host_env(home), capture_output=True,
                          text=True, timeout=timeout, **kw)


PROBE = r"""
import json, os, socket, subprocess, time
def read(p):
    try:
        with open(p, errors="replace") as f: return f.read()
    except Exception as e: return "ERR:" + type(e).__name__
out = {
  "env": dict(os.environ), "cwd": os.getcwd(), "uid": os.getuid(), "gid": os.getgid(),
  "hostname": socket.gethostname(), "uname": os.uname().nodename,
  "localtime": os.readlink("/etc/localtime"), "timezone": read("/etc/timezone"),
  "tzname": list(time.tzname), "date": subprocess.run(["date", "+%Z %z"], capture_output=True, text=True).stdout.strip(),
  "passwd": read("/etc/passwd"), "group": read("/etc/group"), "hosts": read("/etc/hosts"),
  "resolv": read("/etc/resolv.conf"), "machine_id": read("/etc/machine-id").strip(),
  "boot_id": read("/proc/sys/kernel/random/boot_id").strip(),
  "etc_hostname": read("/etc/hostname").strip(),
  "ifaces": sorted(os.listdir("/sys/class/net")) if os.path.exists("/sys/class/net") else [l.split(":")[0].strip() for l in read("/proc/net/dev").splitlines()[2:]],
  "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
  "status": read("/proc/self/status"),
  "pid1_cmdline": read("/proc/1/cmdline"), "pid1_environ": read("/proc/1/environ"),
  "ls_root": sorted(os.listdir("/")), "ls_home": sorted(os.listdir(os.environ["HOME"])),
  "self_environ": read("/proc/self/environ"),
}
print(json.dumps(out))
"""


def probe(home, workdir, *extra):
    r = veil([*extra, "--", PY, "-c", PROBE], home, workdir)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_time_zone_is_utc_everywhere(home, workdir):
    p = probe(home, workdir)
    assert p["env"]["TZ"] == "UTC"
    assert p["localtime"].endswith("/UTC") and "Etc/UTC" in p["localtime"]
    assert p["timezone"].strip() == "Etc/UTC"
    assert p["tzname"] == ["UTC", "UTC"]
    assert p["date"] == "UTC +0000"


def test_node_and_intl_say_utc(home, workdir):
    if not os.path.exists("/usr/bin/node"):
        pytest.skip("node is not installed on this host")
    js = "console.log(JSON.stringify([Intl.DateTimeFormat().resolvedOptions().timeZone, new Date(0).toString(), require('os').hostname(), Object.keys(require('os').networkInterfaces())]))"
    r = veil(["--", "/usr/bin/node", "-e", js], home, workdir)
    assert r.returncode == 0, r.stderr
    tz, date, host, ifaces = json.loads(r.stdout)
    assert tz == "UTC" and "GMT+0000" in date and host == "localhost" and ifaces == ["lo"]


def test_locale_is_fixed(home, workdir):
    env = probe(home, workdir)["env"]
    assert env["LANG"] == env["LC_ALL"] == "C.UTF-8"
    assert "LANGUAGE" not in env and not any(k.startswith("LC_") and k != "LC_ALL" for k in env)


def test_identity_is_neutral(home, workdir):
    p = probe(home, workdir)
    assert p["uid"] == 1000 and p["gid"] == 1000
    assert p["env"]["USER"] == "user" and p["env"]["HOME"] == "/home/user"
    assert p["hostname"] == p["uname"] == p["etc_hostname"] == "localhost"
    assert "user:x:1000:1000::/home/user:" in p["passwd"]
    assert p["cwd"] == "/home/user/proj"
    assert "nameserver" in p["resolv"]
    for line in p["resolv"].splitlines():
        if line.startswith("nameserver"):
            assert line.split()[1].startswith("127."), line
    host_mid = open("/etc/machine-id").read().strip() if os.path.exists("/etc/machine-id") else ""
    assert len(p["machine_id"]) == 32 and p["machine_id"] != host_mid
    assert p["boot_id"] != open("/proc/sys/kernel/random/boot_id").read().strip()
    assert p["ifaces"] == ["lo"]
    assert socket.gethostname() not in (p["hosts"] if socket.gethostname() != "localhost" else "")


def test_nothing_planted_is_readable(home, workdir):
    """No planted host value in env, /etc, /proc of the agent and of PID 1, or the home."""
    p = probe(home, workdir)
    blob = json.dumps({k: v for k, v in p.items()})
    for marker in MARKERS:
        assert marker not in blob, f"{marker} visible inside: {blob[blob.find(marker) - 80: blob.find(marker) + 80]}"
    # The host home (and its .npmrc/.gitconfig) is not there; the neutral home is, with the
    # profile's neutral git identity (the grep below shows the host's name is not in it).
    assert ".npmrc" not in p["ls_home"]
    r = veil(["--", "/bin/cat", "/home/user/.gitconfig"], home, workdir)
    assert r.stdout == "[user]\n\tname = user\n\temail = user@localhost\n", r.stdout
    assert "root" not in p["ls_root"] and "mnt" not in p["ls_root"] and "boot" not in p["ls_root"]
    assert p["pid1_environ"].startswith("ERR:")  # PID 1 is not dumpable
    assert p["pid1_cmdline"].rstrip("\0") == "/sbin/init"
    r = veil(["--", "/bin/sh", "-c", "grep -rIl -e zqx -e corp-canary /etc /home/user 2>/dev/null; true"], home, workdir)
    assert r.stdout.strip() == "", r.stdout


def test_own_pid_namespace_and_no_privileges(home, workdir):
    p = probe(home, workdir)
    assert p["pids"][0] == 1 and len(p["pids"]) <= 4
    fields = dict(l.split(":", 1) for l in p["status"].splitlines() if ":" in l)
    for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]:
        assert int(fields[cap].strip(), 16) == 0, cap
    assert fields["NoNewPrivs"].strip() == "1"
    assert fields["Seccomp"].strip() == "2"


DENIED = r"""
import ctypes, errno, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno())) if r == -1 else "OK"
# x86_64 numbers
calls = {
  "mount": (165, 0, 0, 0, 0, 0), "umount2": (166, 0, 0), "pivot_root": (155, 0, 0), "ptrace": (101, 16, 1, 0, 0),
  "process_vm_readv": (310, 1, 0, 0, 0, 0, 0), "process_vm_writev": (311, 1, 0, 0, 0, 0, 0), "bpf": (321, 0, 0, 0),
  "perf_event_open": (298, 0, 0, -1, -1, 0), "keyctl": (250, 0, 0), "add_key": (248, 0, 0, 0, 0, 0),
  "request_key": (249, 0, 0, 0, 0), "kexec_load": (246, 0, 0, 0, 0), "kexec_file_load": (320, 0, 0, 0, 0, 0),
  "init_module": (175, 0, 0, 0), "finit_module": (313, -1, 0, 0), "delete_module": (176, 0, 0),
  "userfaultfd": (323, 0), "setns": (308, -1, 0), "io_uring_setup": (425, 1, 0), "io_uring_enter": (426, -1, 0, 0, 0, 0, 0),
  "io_uring_register": (427, -1, 0, 0, 0), "open_by_handle_at": (304, -1, 0, 0), "name_to_handle_at": (303, -1, 0, 0, 0, 0),
  "acct": (163, 0), "swapon": (167, 0, 0), "swapoff": (168, 0), "reboot": (169, 0, 0, 0, 0),
  "settimeofday": (164, 0, 0), "clock_settime": (227, 0, 0), "clock_adjtime": (305, 0, 0), "adjtimex": (159, 0),
  "syslog": (103, 3, 0, 0), "unshare_newuser": (272, 0x10000000), "clone_newuser": (56, 0x10000000 | 17, 0, 0, 0, 0),
  "personality_addr_no_randomize": (135, 0x0040000), "sethostname": (170, 0, 0),
  "socket_packet": (41, 17, 3, 0), "socket_raw_inet": (41, 2, 3, 1), "socket_vsock": (41, 40, 1, 0),
}
out = {k: sc(*v) for k, v in calls.items()}
fd = os.open("/dev/tty", os.O_RDWR) if os.path.exists("/dev/tty") and os.isatty(0) else -1
out["ioctl_tiocsti"] = sc(16, 0, 0x5412, ctypes.addressof(ctypes.c_char(b"x")))
out["ioctl_tioclinux"] = sc(16, 0, 0x541C, 0)
out["ioctl_tiocsetd"] = sc(16, 0, 0x5423, ctypes.addressof(ctypes.c_int(0)))
out["ioctl_tiocexcl"] = sc(16, 0, 0x540C)
out["ioctl_kdsetled"] = sc(16, 0, 0x4B32, 0xFF)  # the Linux console's KD and VT blocks
out["ioctl_kdfontop"] = sc(16, 0, 0x4B72, 0)
out["ioctl_vt_activate"] = sc(16, 0, 0x5606, 1)
out["ioctl_vt_disallocate_high_bits"] = sc(16, 0, 0x5608 - (1 << 32), 0)
out["clone3"] = sc(435, 0, 0)
out["personality_query"] = "OK" if libc.personality(0xffffffff) != -1 else "denied"
out["getppid"] = sc(110)
out["socket_netlink_ok"] = sc(41, 16, 3, 0)
out["socket_inet_ok"] = sc(41, 2, 1, 0)
print(json.dumps(out))
"""


def test_denied_syscalls_return_eperm(home, workdir):
    r = veil(["--", PY, "-c", DENIED], home, workdir)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    allowed = {"getppid", "socket_netlink_ok", "socket_inet_ok", "personality_query"}
    for name, result in res.items():
        if name in allowed:
            assert result == "OK", (name, result)
        elif name == "clone3":
            assert result == "ENOSYS", (name, result)  # so libc falls back to clone, which is checked
        else:
            assert result == "EPERM", (name, result)


def test_foreign_abi_is_refused(home, workdir, tmp_path):
    """An i386 syscall (int 0x80) from a 64-bit process is refused."""
    src = tmp_path / "int80.c"
    src.write_text('#include <stdio.h>\nint main(void){long r; __asm__ volatile("int $0x80":"=a"(r):"a"(20)); printf("%ld\\n", r); return 0;}\n')
    exe = workdir / "int80"
    cc = subprocess.run(["cc", "-O0", "-o", str(exe), str(src)], capture_output=True, text=True)
    if cc.returncode != 0:
        pytest.skip("no C compiler: " + cc.stderr)
    outside = subprocess.run([str(exe)], capture_output=True, text=True)
    r = veil(["--", "./int80"], home, workdir)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == -1 and int(outside.stdout) > 0  # -EPERM inside; getpid outside


def test_system_paths_are_read_only_and_workdir_is_writable(home, workdir):
    token = f"zqx-write-{os.getpid()}-{time.time_ns()}"
    paths = [f"/usr/{token}", f"/etc/{token}", f"/{token}", f"/opt/{token}"]
    script = f"for p in {' '.join(paths)}; do (echo x > $p) 2>/dev/null && echo WROTE $p; done; echo hi > /home/user/proj/out.txt; echo tmp > /tmp/t && cat /tmp/t"
    r = veil(["--", "/bin/sh", "-c", script], home, workdir)
    assert r.returncode == 0, r.stderr
    assert "WROTE" not in r.stdout and r.stdout.strip() == "tmp"
    assert (workdir / "out.txt").read_text() == "hi\n"
    assert not any(os.path.exists(p) for p in paths)


def test_host_private_keys_stay_out(home, workdir):
    r = veil(["--", "/bin/sh", "-c", "ls /etc/ssl; ls /etc/shadow /etc/ssl/private 2>&1"], home, workdir)
    assert "certs" in r.stdout and "private" not in r.stdout.split("No such")[0].split("\n")[0]
    assert "/etc/shadow" in r.stdout and "No such file" in r.stdout


def test_home_persists_per_profile(home, workdir):
    assert veil(["--", "/bin/sh", "-c", "echo kept > ~/.state-file"], home, workdir).returncode == 0
    r = veil(["--", "/bin/cat", "/home/user/.state-file"], home, workdir)
    assert r.stdout == "kept\n"


class Upstream(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        Upstream.hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"host loopback")

    def log_message(self, *a):
        pass


def test_host_loopback_server_is_unreachable(home, workdir):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        code = f"import socket\ntry:\n  socket.create_connection(('127.0.0.1', {port}), timeout=3); print('CONNECTED')\nexcept OSError as e: print('refused', e.errno)"
        r = veil(["--", PY, "-c", code], home, workdir)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("refused") and Upstream.hits == 0
    finally:
        srv.shutdown()


@pytest.mark.parametrize("cmd,status", [
    (["/bin/sh", "-c", "exit 7"], 7),
    (["/bin/sh", "-c", "kill -KILL $$"], 137),
    (["/bin/true"], 0),
    (["zqx-no-such-command"], 127),
    (["/etc/passwd"], 126),
])
def test_exit_status(home, workdir, cmd, status):
    assert veil(["--", *cmd], home, workdir).returncode == status


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signals_are_forwarded(home, workdir, sig):
    script = f"trap 'echo got > /home/user/proj/sig; exit 0' {sig.name[3:]}; echo ready; while :; do sleep 0.05; done"
    p = subprocess.Popen([VEIL, "run", "--", "/bin/sh", "-c", script], cwd=workdir, env=host_env(home),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(sig)
    assert p.wait(timeout=15) == 0
    assert (workdir / "sig").read_text() == "got\n"


def test_killed_by_forwarded_signal_reports_128_plus_n(home, workdir):
    p = subprocess.Popen([VEIL, "run", "--", "/bin/sh", "-c", "echo ready; exec sleep 30"], cwd=workdir,
                         env=host_env(home), stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=15) == 128 + signal.SIGTERM


def test_zombies_are_reaped(home, workdir):
    # Orphans re-parent to PID 1, which must reap them while the agent keeps running.
    script = "for i in 1 2 3 4 5; do (sleep 0.1 &) ; done; sleep 0.6; ps -e -o stat= | grep -c Z || true"
    r = veil(["--", "/bin/sh", "-c", script], home, workdir)
    assert r.stdout.strip() == "0", r.stdout


def test_nothing_outlives_the_agent(home, workdir):
    # veil returns on PID 1's report, before the kernel tears the namespaces down; by then
    # whatever the agent left running must be gone, or it could still write to the workdir.
    script = "(sleep 0.4; echo late > /home/user/proj/late) & (trap '' HUP TERM; sleep 0.4; echo late > /home/user/proj/late2) & exit 5"
    r = veil(["--", "/bin/sh", "-c", script], home, workdir)
    assert r.returncode == 5
    time.sleep(1.0)
    assert not (workdir / "late").exists() and not (workdir / "late2").exists()


def test_verbose_lists_dropped_and_rewritten(home, workdir):
    """-v: what the run decided; -vv also how the sandbox is built; none: nothing."""
    r = veil(["-v", "--", "/bin/true"], home, workdir)
    assert r.returncode == 0
    assert "dropped from the environment" in r.stderr and "HTTPS_PROXY" in r.stderr and "ZQX_SECRET" in r.stderr
    assert "rewritten:" in r.stderr and "TZ" in r.stderr and "veil: inspector:" in r.stderr
    assert "veil: mount" not in r.stderr
    r = veil(["-vv", "--", "/bin/true"], home, workdir)
    assert "veil: mount" in r.stderr and "veil: limits: pids" in r.stderr, r.stderr
    assert veil(["--", "/bin/true"], home, workdir).stderr == ""


def test_stdin_pipe_and_tty_work(home, workdir):
    r = subprocess.run([VEIL, "run", "--", "/bin/cat"], cwd=workdir, env=host_env(home), input="piped\n",
                       capture_output=True, text=True, timeout=30)
    assert r.stdout == "piped\n"


def test_interactive_terminal(home, workdir, tmp_path):
    """Under a real terminal (tmux): the size is seen, colours and Ctrl-C work."""
    import shutil
    if not shutil.which("tmux"):
        pytest.skip("tmux missing")
    sock = f"veil-sb-{os.getpid()}"
    env = host_env(home)
    script = "stty size; tput colors; trap 'echo INTERRUPTED; exit 0' INT; echo waiting; while :; do sleep 0.1; done"
    # The outer shell traps INT so that Ctrl-C does not end the tmux pane (a trap, unlike an
    # ignored signal, is not inherited by veil).
    cmd = f"trap true INT; cd {workdir} && {VEIL} run -- /bin/bash -c \"{script}\"; echo EXIT=$?; sleep 30"
    subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-x", "120", "-y", "40", "env", "-i",
                    *[f"{k}={v}" for k, v in env.items()], "TERM=xterm-256color", "/bin/sh", "-c", cmd], check=True)
    try:
        screen = ""
        for _ in range(100):
            screen = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"], capture_output=True, text=True).stdout
            if "waiting" in screen:
                break
            time.sleep(0.1)
        assert "40 120" in screen and "256" in screen, screen
        subprocess.run(["tmux", "-L", sock, "send-keys", "C-c"], check=True)
        for _ in range(100):
            screen = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"], capture_output=True, text=True).stdout
            if "EXIT=" in screen:
                break
            time.sleep(0.1)
        assert "INTERRUPTED" in screen and "EXIT=0" in screen, screen
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)


def test_job_control_at_a_terminal(home, workdir):
    """In an interactive shell (tmux): the agent holds the terminal's foreground in a process
    group of its own; Ctrl-Z stops the whole job and gives the shell its prompt, fg resumes the
    agent with the terminal, a resize reaches it, Ctrl-C interrupts it."""
    import shutil
    shutil.copy(os.path.join(os.path.dirname(__file__), "agent_tty.py"), workdir / "agent_tty.py")
    env = " ".join(f"{k}='{v}'" for k, v in host_env(home).items())
    t = Tmux("veil-jc", f"env -i {env} TERM=xterm bash --norc --noprofile -i", workdir)
    try:
        time.sleep(0.3)
        t.keys(f"{VEIL} run -- {PY} agent_tty.py; echo EXIT=$?", "Enter")
        assert "READY fg=True size=30x100" in t.wait("READY")
        t.keys("one", "Enter")
        t.wait("GOT one fg=True")
        t.keys("C-z")
        s = t.wait("Stopped")
        t.keys("fg", "Enter")
        time.sleep(0.5)
        t.keys("two", "Enter")
        t.wait("GOT two fg=True")
        t.resize(90, 25)
        t.wait("RESIZED 25x90")
        t.keys("C-c")
        t.wait("INTERRUPTED")
        assert "GOT two" not in s
    finally:
        t.close()


RAW_THEN = r"""
import os, signal, sys, tty
tty.setraw(0)  # as a full-screen agent does
if sys.argv[1] == "killed":
    os.kill(os.getpid(), signal.SIGKILL)  # it never puts the modes back
"""


@pytest.mark.parametrize("end", ["exits", "killed"])
def test_the_terminal_is_left_as_it_was(home, workdir, end):
    """An agent that leaves the terminal raw (killed, crashed, careless) does not leave the
    user's shell without echo: veil puts back the modes it found. Control: the same program
    outside veil leaves them changed, and the shell does not repair them."""
    def around(cmd):
        script = f"stty -g; {cmd} {PY} -c '{RAW_THEN}' {end}; echo; stty -g"
        out = on_pty(["/bin/sh", "-c", script], {**host_env(home), "TERM": "xterm"}, workdir)
        return [l for l in out.replace("\r", "").split("\n") if l.count(":") > 10]

    before, after = around(f"{VEIL} run --")
    assert before == after
    before, after = around("")
    assert before != after


def test_a_script_reads_the_terminal_after_veil(home, workdir):
    """A script that runs veil and then reads the terminal (`read answer`): the terminal's
    foreground was left to the agent's group, gone with the sandbox, and the read failed at
    once (EIO for a read from a background group nobody can continue). veil takes the
    foreground back."""
    out = on_pty(["/bin/sh", "-c", f"{VEIL} run -- /bin/true; read x; echo READ=$x"], {**host_env(home), "TERM": "xterm"},
                 workdir, typed=b"typed\n")
    assert "READ=typed" in out, out


GRAB = r"""
import errno, json, os, select, signal, sys, time
# Ignored, the kernel lets a background tcsetpgrp through; a read that would stop it fails instead.
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
signal.signal(signal.SIGTTIN, signal.SIG_IGN)
time.sleep(0.5)  # the shell has started the foreground job
try:
    os.tcsetpgrp(0, os.getpgrp())
    took = "OK"
except OSError as e:
    took = errno.errorcode[e.errno]
open(sys.argv[1] + ".took", "w").write(took)
got = ""
if took == "OK" and select.select([0], [], [], 10)[0]:
    got = os.read(0, 100).decode()
open(sys.argv[1], "w").write(json.dumps({"took": took, "read": got}))
"""


def test_an_agent_in_the_background_cannot_take_the_terminal(home, workdir):
    """`veil run -- agent &` (or Ctrl-Z, bg): the agent shares the shell's terminal and
    session, and any process there may make its own group the terminal's foreground, then read
    what the user types to the foreground program (a sudo password prompt; here a `sleep`
    stands in for it, so nothing else reads). Inside veil, PID 1 refuses that while the
    foreground is outside the sandbox. Control: the same program started the same way outside
    veil takes the terminal and reads the typed line."""
    (workdir / "grab.py").write_text(GRAB)
    env = " ".join(f"{k}='{v}'" for k, v in host_env(home).items())
    t = Tmux("veil-grab", f"env -i {env} TERM=xterm bash --norc --noprofile -i", workdir)

    def file(name, seconds=20):
        for _ in range(seconds * 10):
            if (workdir / name).exists() and (workdir / name).read_text():
                return (workdir / name).read_text()
            time.sleep(0.1)
        raise AssertionError(f"no {name}:\n{t.screen()}")

    def attempt(command, out):
        t.keys(f"{command} {PY} grab.py {out} & sleep 8; echo back > {out}.shell", "Enter")
        file(out + ".took")  # typed only once the attempt is over
        t.keys("typed-to-the-foreground", "Enter")
        result = json.loads(file(out))
        file(out + ".shell")  # the shell is back at its prompt
        return result

    try:
        time.sleep(0.3)
        assert attempt(f"{VEIL} run --", "inside.json") == {"took": "EPERM", "read": ""}
        outside = attempt("", "outside.json")
        assert outside["took"] == "OK" and "typed-to-the-foreground" in outside["read"], outside
    finally:
        t.close()


def test_a_shell_inside_keeps_its_job_control(home, workdir):
    """An interactive shell as the agent moves the terminal's foreground among its own jobs
    (TIOCSPGRP, which PID 1 decides): in the foreground it may, so Ctrl-Z stops its job and
    `fg` resumes it, as outside."""
    env = " ".join(f"{k}='{v}'" for k, v in host_env(home).items())
    t = Tmux("veil-shell", f"env -i {env} TERM=xterm {VEIL} run -- bash --norc --noprofile -i", workdir)
    try:
        t.wait("$")
        t.keys("sleep 100", "Enter")
        time.sleep(0.5)
        t.keys("C-z")
        t.wait("Stopped")
        t.keys("fg", "Enter")
        time.sleep(0.5)
        t.keys("C-c")
        t.keys("echo DONE-$((6*7))", "Enter")
        s = t.wait("DONE-42")
        assert "no job control" not in s and "cannot set terminal process group" not in s, s
    finally:
        t.close()


def test_doctor(home, workdir):
    r = subprocess.run([VEIL, "doctor"], cwd=workdir, env=host_env(home), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok   user namespaces" in r.stdout and "ok   sandbox starts" in r.stdout
    assert "ok   upstream TLS trust" in r.stdout
    assert "time zone" in r.stdout and "Asia/Shanghai" in r.stdout and "UTC" in r.stdout
    assert "same as host" not in r.stdout


def test_fails_closed_without_user_namespaces(home, workdir):
    """Where the runner forbids user namespaces, the agent does not start and veil says why."""
    import shutil
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap missing")
    marker = workdir / "ran"
    r = subprocess.run(["bwrap", "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--dev", "/dev",
                        "--proc", "/proc", "--bind", str(workdir), str(workdir), "--bind", str(home), str(home),
                        VEIL, "run", "--", "/bin/sh", "-c", f"touch {marker}"],
                       cwd=workdir, env=host_env(home), capture_output=True, text=True, timeout=30)
    if "disable-userns" in r.stderr and "Unknown option" in r.stderr:
        pytest.skip("this bubblewrap has no --disable-userns")
    assert r.returncode == 125, r.stderr
    assert "create namespaces" in r.stderr and "veil doctor" in r.stderr
    assert not marker.exists()


def test_shim_makes_the_plain_command_run_inside(home, workdir, tmp_path):
    bindir = tmp_path / "bin"
    real = tmp_path / "tools" / "whereami"
    real.parent.mkdir()
    real.write_text("#!/bin/sh\nhostname; id -un\n")
    real.chmod(0o755)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    env = host_env(home, PATH=f"{bindir}:{real.parent}:{moved}:/usr/bin:/bin")
    r = subprocess.run([VEIL, "shim", "install", "--dir", str(bindir), "whereami"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "hash -r" in r.stderr, r.stderr
    out = subprocess.run(["whereami"], cwd=workdir, env=env, capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == ["localhost", "user"], out.stdout + out.stderr
    # The real command is found at each start: moved (an update, a reinstall), it still runs inside.
    real.rename(moved / "whereami")
    out = subprocess.run(["whereami"], cwd=workdir, env=env, capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == ["localhost", "user"], out.stdout + out.stderr
    for _ in range(2):  # idempotent
        r = subprocess.run([VEIL, "shim", "remove", "--dir", str(bindir), "whereami"], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert not (bindir / "whereami").exists()


@pytest.mark.parametrize("order", ["after", "absent"])
def test_a_shim_that_is_not_in_effect_says_so(home, tmp_path, order):
    """Behind the real command on PATH (or off PATH), the shim changes nothing: install says
    so and fails, instead of succeeding while plain `whereami` still runs outside veil."""
    bindir, tools = tmp_path / "bin", tmp_path / "tools"
    tools.mkdir()
    (tools / "whereami").write_text("#!/bin/sh\nhostname\n")
    (tools / "whereami").chmod(0o755)
    path = f"{tools}:{bindir}:/usr/bin:/bin" if order == "after" else f"{tools}:/usr/bin:/bin"
    r = subprocess.run([VEIL, "shim", "install", "--dir", str(bindir), "whereami"], env=host_env(home, PATH=path),
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert ("comes first on PATH" if order == "after" else "is not on PATH") in r.stderr, r.stderr
    assert "outside veil" in r.stderr


def test_project_profiles_need_trust(home, workdir):
    prof = workdir / ".veil" / "profiles"
    prof.mkdir(parents=True)
    (prof / "default.toml").write_text('extends = "default"\n[identity]\nhostname = "from-the-repo"\n')
    r = veil(["--", "/bin/hostname"], home, workdir)
    assert r.returncode == 125 and "--trust-project" in r.stderr, r.stderr
    r = veil(["--trust-project", "--", "/bin/hostname"], home, workdir)
    assert r.returncode == 0 and r.stdout.strip() == "from-the-repo", r.stderr


def test_profile_errors_are_positioned(tmp_path, home, workdir):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "default"\n[identity]\nhostnam = "x"\n')
    r = subprocess.run([VEIL, "profile", "check", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and "bad.toml:3:1" in r.stderr and "identity.hostnam" in r.stderr, r.stderr
    r = veil(["--profile", str(bad), "--", "/bin/true"], home, workdir)
    assert r.returncode == 125 and "bad.toml:3:1" in r.stderr, r.stderr


def test_fast_and_full_parsers_agree_on_run_options(home, workdir):
    """`veil run`'s options are one table (`RunOption.all`), which the fast parser reads; the full
    parser must declare exactly its options, with its help texts."""
    help_text = subprocess.run([VEIL, "run", "--help"], capture_output=True, text=True).stdout
    import re
    declared = set(re.findall(r"(--[a-z-]+)", help_text)) - {"--help", "--version"}
    declared |= set(re.findall(r"(?m)^\s+(-[a-z]),", help_text)) - {"-h"}
    rows = subprocess.run([VEIL, "__run-options"], capture_output=True, text=True, check=True).stdout.splitlines()
    table = [row.split("\t") for row in rows]
    names = {t[0] for t in table} | {t[1] for t in table if t[1]}
    assert declared == names, declared ^ names
    flat = " ".join(help_text.split())
    for name, _, _, text in table:
        assert " ".join(text.split()) in flat, (name, text)
    # And the fast parser takes each of them: -vv, a value option, a flag.
    r = veil(["-vv", "--upstream", "stub", "--trust-project", "--", "/bin/true"], home, workdir)
    assert r.returncode == 0 and "veil: mount" in r.stderr, r.stderr[-2000:]


def test_a_uid_without_passwd_entry_never_goes_through_nss(home, workdir):
    """veil reads /etc/passwd itself: NSS modules (libnss_systemd here) loaded into veil crashed
    the static build for a uid with no entry. The uid is one no passwd file names (a user
    namespace of the test's own maps it); glibc's loader log shows what veil loads."""
    env = dict(host_env(home), LD_DEBUG="files")
    r = subprocess.run(["unshare", "--user", "--map-user=4242", "--map-group=4242", VEIL, "run", "--", "/bin/sh", "-c",
                        "id -u"], cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "1000"
    after_exec = r.stderr.split(f"initialize program: {VEIL}", 1)
    assert len(after_exec) == 2, r.stderr[-2000:]
    assert "libnss" not in after_exec[1]


@pytest.mark.parametrize("argv,meant", [(["run", "--profle", "aider", "--", "true"], "--profile"),
                                        (["run", "--workdri", ".", "--", "true"], "--workdir"),
                                        (["compare", "--timeot", "5", "--", "true"], "--timeout"),
                                        (["probe", "-q", "--", "true"], None)])
def test_a_mistyped_option_is_a_usage_error(home, workdir, argv, meant):
    """Before `--` an option veil does not know is a usage error (64) naming the closest one;
    it never becomes the agent's command (which gave 'command not found', 127)."""
    r = subprocess.run([VEIL, *argv], cwd=workdir, env=host_env(home), capture_output=True, text=True, timeout=30)
    assert r.returncode == 64, (r.returncode, r.stderr)
    assert "unknown option" in r.stderr and "command not found" not in r.stderr
    assert (f"did you mean '{meant}'" in r.stderr) if meant else ("did you mean" not in r.stderr)


@pytest.mark.parametrize("argv,word,meant", [(["runn", "--", "true"], "runn", "run"),
                                             (["profile", "shwo", "x"], "shwo", "show"), (["zzzz"], "zzzz", None)])
def test_an_unknown_command_is_a_usage_error(home, workdir, argv, word, meant):
    r = subprocess.run([VEIL, *argv], cwd=workdir, env=host_env(home), capture_output=True, text=True, timeout=30)
    assert r.returncode == 64, (r.returncode, r.stderr)
    assert f"unknown command '{word}'" in r.stderr, r.stderr
    assert (f"did you mean '{meant}'" in r.stderr) if meant else ("did you mean" not in r.stderr)


def test_a_version_manager_shim_runs_what_it_stands_for(home, workdir, tmp_path):
    """`python3` found through a pyenv-style shim: the shim runs the manager, which lives
    outside the sandbox (it failed with 127). veil asks the manager on the host which program
    the shim stands for and runs that. A manager of the test's own answers /usr/bin/python3;
    where this machine has a real pyenv (root's, in CI), its interpreter runs too."""
    root = tmp_path / "fakeenv"
    (root / "libexec").mkdir(parents=True)
    (root / "shims").mkdir()
    manager = root / "libexec" / "pyenv"
    manager.write_text('#!/bin/sh\n[ "$1" = which ] && [ "$2" = python3 ] && echo /usr/bin/python3 && exit 0\nexit 1\n')
    shim = root / "shims" / "python3"
    shim.write_text(f'#!/usr/bin/env bash\nset -e\nprogram="${{0##*/}}"\nexec "{manager}" exec "$program" "$@"\n')
    os.chmod(manager, 0o755)
    os.chmod(shim, 0o755)
    env = dict(host_env(home), PATH=f"{root}/shims:/usr/bin:/bin")
    r = subprocess.run([VEIL, "run", "--", "python3", "-c", "import sys; print(sys.executable)"], cwd=workdir, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "/usr/bin/python3", (r.returncode, r.stderr)
    real = os.path.expanduser("~/.pyenv/shims/python3")
    if os.access(real, os.X_OK):
        env = dict(os.environ, PATH=f"{os.path.dirname(real)}:/usr/bin:/bin")
        r = subprocess.run([VEIL, "run", "--", "python3", "-c", "import sys; print(sys.executable)"], cwd=workdir,
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "/.pyenv/versions/" in r.stdout, (r.returncode, r.stderr)


@pytest.mark.parametrize("value", ["bogus", "http://", "api.anthropic.com"])
def test_a_bad_upstream_is_a_usage_error_before_anything_starts(home, workdir, value):
    """It started, and the agent got the inspector's HTTPClientError.emptyScheme."""
    r = subprocess.run([VEIL, "run", "--upstream", value, "--", "/bin/sh", "-c", "echo STARTED"], cwd=workdir,
                       env=host_env(home), capture_output=True, text=True, timeout=30)
    assert r.returncode == 64 and "STARTED" not in r.stdout and f"--upstream {value}" in r.stderr, (r.returncode, r.stderr)


@pytest.mark.parametrize("argv,says", [
    (["profile", "list", "-v"], "veil: profiles: "),
    (["doctor", "-v"], "veil: doctor: the sandbox's side from "),
    (["compare", "-v", "--timeout", "30", "--", "/bin/true"], "veil: compare: host arm listens on port(s) "),
    (["compare", "-vv", "--timeout", "30", "--", "/bin/true"], "veil: compare: workspace "),
    (["probe", "-v", "--vary", "tz", "--timeout", "30", "--", "/bin/true"], "veil: probe: run 1 "),
])
def test_every_command_takes_v(home, workdir, argv, says):
    """`-v` (repeatable) on every command, saying what veil decides; without it, none of that."""
    env = host_env(home)
    r = subprocess.run([VEIL, *argv], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 64 and says in r.stderr, (r.returncode, r.stderr[-2000:])
    quiet = [a for a in argv if a not in ("-v", "-vv")]
    r = subprocess.run([VEIL, *quiet], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert says not in r.stderr, r.stderr[-2000:]


def test_report_and_stub_take_v(home, workdir, tmp_path):
    report = tmp_path / "r.json"
    r = veil(["--report", str(report), "--upstream", "stub", "--", "/bin/true"], home, workdir)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([VEIL, "report", "-v", str(report)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and f"veil: report: {report}: 0 request(s)" in r.stderr, r.stderr
    for args in (["stub", "-v", "--help"], ["inspect", "-v", "--help"], ["shim", "install", "-v", "--help"],
                 ["profile", "show", "-v", "--help"], ["report", "-v", "--help"]):
        r = subprocess.run([VEIL, *args], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "--verbose" in r.stdout, (args, r.stdout[-500:], r.stderr[-500:])


def test_the_readmes_worked_profile(home, workdir, tmp_path):
    """examples/profiles/team-claude.toml, as the README shows it: it checks, its identity and
    variables reach the agent, and its `forbid` rule blocks the codename (control: the same
    request without it goes through)."""
    examples = Path(os.environ.get("VEIL_EXAMPLES") or Path(__file__).resolve().parents[2] / "examples")
    profile = str(examples / "profiles" / "team-claude.toml")
    r = subprocess.run([VEIL, "profile", "check", profile], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = veil(["--profile", profile, "--", "/bin/sh", "-c", "hostname; echo $CI"], home, workdir)
    assert r.returncode == 0 and r.stdout.split() == ["devbox", "true"], (r.stdout, r.stderr)
    send = workdir / "send.py"
    send.write_text(
        "import json, os, sys, urllib.request, urllib.error\n"
        "body = json.dumps({'model': 'm', 'max_tokens': 5, 'messages': [{'role': 'user', 'content': sys.argv[1]}]}).encode()\n"
        "req = urllib.request.Request(os.environ['ANTHROPIC_BASE_URL'].rstrip('/') + '/v1/messages', data=body,\n"
        "    headers={'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'x'})\n"
        "try:\n    urllib.request.urlopen(req, timeout=30); print('sent')\n"
        "except urllib.error.HTTPError as e:\n    print('refused', e.code)\n")
    r = veil(["--profile", profile, "--upstream", "stub", "--", "/usr/bin/python3", "send.py", "status of project falcon?"], home, workdir)
    assert r.stdout.strip() == "refused 400" and 'rule "codename"' in r.stderr, (r.stdout, r.stderr)
    r = veil(["--profile", profile, "--upstream", "stub", "--", "/usr/bin/python3", "send.py", "status of the release?"], home, workdir)
    assert r.stdout.strip() == "sent", (r.stdout, r.stderr)
