"""Terminals for the tests: a new pty as a command's controlling terminal (as in a terminal
window), and a tmux of the test's own."""
import os
import pty


def on_pty(argv, env, cwd, typed=b""):
    """argv's output; `typed` waits in the terminal's input until someone reads it."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    if typed:
        os.write(fd, typed)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the last holder of the terminal's other end is gone
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode(errors="replace")


class Tmux:
    """A tmux server of the test's own (its socket name), one window running `command`."""

    def __init__(self, name, command, cwd, width=100, height=30):
        import subprocess
        self.run = subprocess.run
        self.sock = f"{name}-{os.getpid()}"
        self.run(["tmux", "-L", self.sock, "new-session", "-d", "-x", str(width), "-y", str(height), "-c", str(cwd),
                  command], check=True)

    def screen(self):
        return self.run(["tmux", "-L", self.sock, "capture-pane", "-p", "-J"], capture_output=True, text=True).stdout

    def keys(self, *k):
        self.run(["tmux", "-L", self.sock, "send-keys", *k], check=True)

    def resize(self, width, height):
        self.run(["tmux", "-L", self.sock, "resize-window", "-x", str(width), "-y", str(height)], check=True)

    def wait(self, text, after=0):
        """The screen once `text` is on it more than `after` times (15 s at most)."""
        import time
        for _ in range(150):
            s = self.screen()
            if s.count(text) > after:
                return s
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not on screen:\n{s}")

    def close(self):
        self.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)
