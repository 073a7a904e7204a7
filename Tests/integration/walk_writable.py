"""Lists every path this process can open for writing, or create files in, outside the trees it
should own. Run inside the sandbox by test_escape.py (and outside it, as the control).

It walks the whole tree from / without following symlinks, /proc, /sys and /dev included. On a
read-only mount the kernel refuses every write to a file or directory (EROFS), so there only
device nodes and FIFOs are tried (a device node stays writable on a read-only mount); on a
writable mount every entry is tried. Opening for writing never writes: O_WRONLY|O_NONBLOCK, then
close. Prints a JSON object: {"writable": [...], "walked": N}.
"""
import json
import os
import stat
import sys

HOME = os.environ.get("HOME", "/nonexistent")
# Trees the agent owns, and the world-writable device nodes any user has on any host.
OWNED = [os.getcwd(), HOME, "/tmp", "/var/tmp", "/dev/shm", "/run", "/dev/pts"]
DEVICES = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx"}
# The walk itself may be pointed elsewhere (the control run outside the sandbox).
SKIP = set(sys.argv[1:])


def owned(path):
    if path in DEVICES:
        return True
    if path.startswith("/proc/"):
        # The sandbox's own processes (its PID namespace shows no other).
        first = path.split("/")[2]
        return first.isdigit() or first in ("self", "thread-self")
    return any(path == o or path.startswith(o.rstrip("/") + "/") for o in OWNED)


def can_write_file(path):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def can_create_in(path):
    probe = os.path.join(path, ".veil-walk-%d" % os.getpid())
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        try:
            os.mkdir(probe, 0o700)
        except OSError:
            return False
        os.rmdir(probe)
        return True
    os.close(fd)
    os.unlink(probe)
    return True


def main():
    writable, walked = [], 0
    stack = ["/"]
    while stack:
        d = stack.pop()
        if d in SKIP:
            continue
        try:
            read_only = bool(os.statvfs(d).f_flag & os.ST_RDONLY)
        except OSError:
            continue
        if not read_only and not owned(d) and can_create_in(d):
            writable.append(d + "/")
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            walked += 1
            path = e.path if d != "/" else "/" + e.name
            if path.startswith("/proc/") and owned(path):
                continue
            try:
                mode = e.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode) or stat.S_ISSOCK(mode):
                continue
            if stat.S_ISDIR(mode):
                stack.append(path)
            elif (not read_only or stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)) \
                    and not owned(path) and can_write_file(path):
                writable.append(path)
    print(json.dumps({"writable": sorted(writable), "walked": walked}))


main()
