#!/usr/bin/env python3
"""A tiny stand-in for a coding agent, using only the standard library.

Like real agents it reads its environment, writes what it learned into the system prompt
(working directory, date, platform, time zone, user, host), and sends one Anthropic Messages
request to $ANTHROPIC_BASE_URL. Run it under `veil run` to see what an agent sees there:

    veil run --profile claude-code --upstream stub -- python3 examples/hello_agent.py

`--tell TEXT` puts TEXT into the prompt as if a tool had returned it (e.g. the host's name,
which the sandbox hides but a user might paste): the inspector then blocks the request.
"""
import getpass
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def environment_summary():
    return {
        "cwd": os.getcwd(),
        "date": time.strftime("%Y-%m-%d"),
        "time zone": time.tzname[0],
        "TZ": os.environ.get("TZ", ""),
        "locale": os.environ.get("LANG", ""),
        "user": getpass.getuser(),
        "home": os.path.expanduser("~"),
        "host": socket.gethostname(),
        "platform": sys.platform,
        "base URL": os.environ.get("ANTHROPIC_BASE_URL", "(unset)"),
        "HTTPS_PROXY": os.environ.get("HTTPS_PROXY", "(unset)"),
    }


def main(argv):
    told = argv[argv.index("--tell") + 1] if "--tell" in argv else ""
    seen = environment_summary()
    print("what the agent sees:")
    for k, v in seen.items():
        print(f"  {k:12} {v}")
    system = "You are a coding agent.\n" + "\n".join(f"{k}: {v}" for k, v in seen.items())
    content = "Say hello." + (f"\nTool result: {told}" if told else "")
    body = json.dumps({
        "model": "claude-sonnet-4-5", "max_tokens": 64, "system": system,
        "messages": [{"role": "user", "content": content}],
    }).encode()
    base = os.environ.get("ANTHROPIC_BASE_URL", "https://api.anthropic.com").rstrip("/")
    req = urllib.request.Request(base + "/v1/messages", data=body, method="POST", headers={
        "content-type": "application/json", "anthropic-version": "2023-06-01",
        "x-api-key": os.environ.get("ANTHROPIC_API_KEY", "none"),
    })
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            answer = json.load(r)
        print("model says:", "".join(b.get("text", "") for b in answer.get("content", [])))
        return 0
    except urllib.error.HTTPError as e:
        print(f"request refused ({e.code}):", json.load(e).get("error", {}).get("message", ""))
        return 1
    except OSError as e:
        print("cannot reach the model:", e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
