"""A minimal interactive program for the job-control test: reports whether it holds the
terminal's foreground, echoes lines, reports resizes and Ctrl-C."""
import fcntl
import os
import signal
import struct
import sys
import termios


def size():
    h, w = struct.unpack("hh", fcntl.ioctl(1, termios.TIOCGWINSZ, b"\0" * 4))
    return f"{h}x{w}"


def foreground():
    return os.tcgetpgrp(0) == os.getpgrp()


signal.signal(signal.SIGWINCH, lambda *a: print("RESIZED", size(), flush=True))
print(f"READY fg={foreground()} size={size()}", flush=True)
try:
    for line in sys.stdin:
        print("GOT", line.strip(), f"fg={foreground()}", flush=True)
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
