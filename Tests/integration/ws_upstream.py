"""The OpenAI Responses API over a WebSocket, on loopback, for Codex CLI's tests (the
`websockets` package, which google-genai already brings into the test venv).

Every upgrade's headers and every message are recorded; a `response.create` message is answered
with the events of a streamed response whose text is REPLY. permessage-deflate is agreed when
the client offers it (websockets' default), so compressed messages cross veil too.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from upstream import REPLY


def _events(n: int, model: str) -> list[dict[str, Any]]:
    rid, mid = f"resp_ws_{n}", f"msg_ws_{n}"
    part = {"type": "output_text", "text": REPLY, "annotations": []}
    item = {"type": "message", "id": mid, "status": "completed", "role": "assistant", "content": [part]}
    usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}

    def response(status: str, output: list[Any], with_usage: bool) -> dict[str, Any]:
        return {"id": rid, "object": "response", "created_at": 1735689600, "status": status, "model": model,
                "output": output, "error": None, "incomplete_details": None, "usage": usage if with_usage else None}

    at = {"item_id": mid, "output_index": 0, "content_index": 0}
    events = [
        {"type": "response.created", "response": response("in_progress", [], False)},
        {"type": "response.output_item.added", "output_index": 0, "item": {**item, "status": "in_progress", "content": []}},
        {"type": "response.content_part.added", **at, "part": {**part, "text": ""}},
        {"type": "response.output_text.delta", **at, "delta": REPLY},
        {"type": "response.output_text.done", **at, "text": REPLY},
        {"type": "response.content_part.done", **at, "part": part},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": response("completed", [item], True)},
    ]
    for i, e in enumerate(events):
        e["sequence_number"] = i
    return events


class WSUpstream:
    def __init__(self) -> None:
        self.upgrades: list[dict[str, str]] = []
        self.messages: list[Any] = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0, max_size=64 << 20)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "WSUpstream":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _handle(self, ws) -> None:
        with self._lock:
            self.upgrades.append({k.lower(): v for k, v in ws.request.headers.raw_items()}
                                 | {":path": ws.request.path})
        try:
            for raw in ws:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    msg = {"unreadable": raw if isinstance(raw, str) else raw.hex()}
                with self._lock:
                    self.messages.append(msg)
                if isinstance(msg, dict) and msg.get("type") == "response.create":
                    for e in _events(len(self.messages), str(msg.get("model", "m"))):
                        ws.send(json.dumps(e))
        except ConnectionClosed:
            pass  # the agent exits without a close frame, or veil closed it (a block)
