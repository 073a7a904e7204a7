#!/usr/bin/env python3
"""A well-behaved agent: the same request as fingerprint_agent.py, never altered. Stdlib only.

It does carry what real agents carry and what differs on every run — a fresh UUID request id
(in the body and as a header) and the current time (ISO 8601 and Unix seconds) — so that
`veil probe` and `veil compare` must set those aside as volatile and report nothing.

    veil probe --profile claude-code -- python3 examples/polite_agent.py    # exit 0
"""
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


def main():
    request_id = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc)
    system = ("You are a careful coding agent. Don't run commands the user hasn't asked for, "
              "and keep the user's files intact.")
    body = json.dumps({
        "model": "claude-sonnet-4-5", "max_tokens": 64, "system": system,
        "messages": [{"role": "user", "content": "Say hello."}],
        "metadata": {"user_id": f"session_{request_id}"},
        "client": {"request_id": request_id, "sent_at": now.isoformat(timespec="milliseconds"),
                   "sent_unix": int(time.time()), "trace": f"run {uuid.uuid4()} at {now.isoformat()}"},
    }).encode()
    base = os.environ.get("ANTHROPIC_BASE_URL", "https://api.anthropic.com").rstrip("/")
    req = urllib.request.Request(base + "/v1/messages", data=body, method="POST", headers={
        "content-type": "application/json", "anthropic-version": "2023-06-01",
        "x-api-key": os.environ.get("ANTHROPIC_API_KEY", "none"), "x-client-request-id": request_id,
    })
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            answer = json.load(r)
    except urllib.error.HTTPError as e:
        print(f"request refused ({e.code})")
        return 1
    except OSError as e:
        print("cannot reach the model:", e)
        return 2
    print("model says:", "".join(b.get("text", "") for b in answer.get("content", [])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
