"""Reads every regular file it can under /etc, /proc, /sys, /dev, /run, /tmp, /var and /home
(without following symlinks), the working directory left out, and reports where any of the
given host values appears. The values
come on stdin as JSON ({"name": "value", ...}), so that this process's own argv does not hold
them. Run inside the sandbox by test_escape.py, and outside it as the control.
Prints a JSON object: {"found": {path: [names]}, "read": N}.
"""
import json
import os
import stat
import sys

values = {k: v.encode() for k, v in json.load(sys.stdin).items() if v}
TOPS = ["/etc", "/proc", "/sys", "/dev", "/run", "/tmp", "/var", "/home"]
# Files that block (kmsg), or map memory rather than hold text.
SKIP_NAMES = {"kmsg", "kcore", "pagemap", "mem", "clear_refs", "kpagecount", "kpageflags", "kpagecgroup"}


def read_some(fd, limit=1 << 18):
    """Up to `limit` bytes: /proc's files give a page or so per read."""
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def main():
    found, read = {}, 0
    me = str(os.getpid())
    # The workdir holds whatever the user put there.
    own = os.getcwd().rstrip("/") + "/"
    for top in TOPS:
        for base, dirs, files in os.walk(top, followlinks=False):
            if (base + "/").startswith(own):
                dirs[:] = []
                continue
            parts = base.split("/")
            # The other tasks of this process repeat its own entries.
            if len(parts) >= 4 and parts[1] == "proc" and parts[3] == "task":
                dirs[:] = []
                continue
            for name in files:
                if name in SKIP_NAMES:
                    continue
                path = os.path.join(base, name)
                try:
                    if not stat.S_ISREG(os.lstat(path).st_mode):
                        continue
                    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    data = read_some(fd)
                except OSError:
                    continue
                finally:
                    os.close(fd)
                read += 1
                hits = [k for k, v in values.items() if v in data]
                if hits:
                    found[path.replace("/proc/" + me + "/", "/proc/self/")] = hits
    print(json.dumps({"found": found, "read": read}))


main()
