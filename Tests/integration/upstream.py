"""A deterministic model API on loopback for veil's integration tests (stdlib only).

Speaks enough of the Anthropic Messages API (what Claude Code and the anthropic SDK call),
of the OpenAI Chat Completions API (aider, the openai SDK) and of Gemini's generateContent
(the google-genai SDK) to let the real agents run offline. Every request is recorded (method, path, headers, body) in memory and, if asked,
appended to a JSONL file, flushed per request.

    python3 upstream.py --port 0 --record /tmp/req.jsonl   # prints "listening http://127.0.0.1:PORT"

The reply text is always REPLY (plus, for an Anthropic request, nothing else), so tests can
assert that the answer arrived through the proxy unchanged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = "veil-upstream-reply: hello from the stub"
# A prompt containing FORCE_ERROR + "<status>" (e.g. "veil-upstream-force-error-400") gets that
# error status in the API's own error format: for checking how clients show errors.
FORCE_ERROR = "veil-upstream-force-error-"
MODEL_IDS = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "gpt-4o", "stub"]


class Recorder:
    def __init__(self, path: str | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8") if path else None

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)
            if self._file:
                self._file.write(json.dumps(entry) + "\n")
                self._file.flush()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        if self._file:
            self._file.close()


def _usage_anthropic() -> dict[str, int]:
    return {"input_tokens": 12, "output_tokens": 9,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def _sse(event: str | None, data: Any) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "veil-test-upstream/1"
    recorder: Recorder  # set on the subclass made by make_server

    def log_message(self, fmt: str, *args: Any) -> None:  # keep pytest output quiet
        pass

    # --- plumbing -------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        raw = self._read_raw_body()
        # As the real APIs do: a gzip request body is read decoded.
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            return gzip.decompress(raw)
        return raw

    def _read_raw_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            return self.rfile.read(n)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def _record(self, body: bytes) -> Any:
        text = body.decode("utf-8", "replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = None
        self.recorder.add({
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": parsed if parsed is not None else text,
        })
        return parsed

    def _json(self, status: int, obj: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req_stub_0001")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, chunks: list[bytes]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for c in chunks:
            self.wfile.write(c)
            self.wfile.flush()
        self.close_connection = True

    def _route(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/")

    # --- verbs ----------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._record(b"")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._record(b"")
        route = self._route()
        if route.endswith("/models"):
            if route.startswith("/v1/models") and "anthropic-version" in self.headers:
                data = [{"type": "model", "id": m, "display_name": m,
                         "created_at": "2025-01-01T00:00:00Z"} for m in MODEL_IDS]
                self._json(200, {"data": data, "has_more": False,
                                 "first_id": data[0]["id"], "last_id": data[-1]["id"]})
            else:
                self._json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "stub"}
                    for m in MODEL_IDS]})
            return
        if "/models/" in route:
            mid = route.rsplit("/", 1)[1]
            self._json(200, {"type": "model", "id": mid, "display_name": mid,
                             "created_at": "2025-01-01T00:00:00Z",
                             "object": "model", "created": 1700000000, "owned_by": "stub"})
            return
        if route in ("", "/health", "/v1", "/api/hello", "/v1/oauth/hello"):
            self._json(200, {"ok": True})
            return
        self._json(404, {"type": "error", "error": {"type": "not_found_error",
                                                   "message": f"stub: no route GET {route}"}})

    def do_POST(self) -> None:
        body = self._record(self._read_body())
        route = self._route()
        req = body if isinstance(body, dict) else {}
        forced = self._forced_error(body)
        if forced:
            status, message = forced
            if route.endswith("/chat/completions") or route.endswith("/completions"):
                self._json(status, {"error": {"message": message, "type": "invalid_request_error",
                                              "param": None, "code": "forced"}})
            else:
                self._json(status, {"type": "error", "error": {"type": "invalid_request_error",
                                                               "message": message}})
            return
        if route.endswith(":generateContent"):
            self._gemini(route)
        elif route.endswith("/messages/count_tokens"):
            self._json(200, {"input_tokens": 12})
        elif route.endswith("/messages"):
            self._anthropic(req)
        elif route.endswith("/chat/completions"):
            self._openai_chat(req)
        elif route.endswith("/completions"):
            self._json(200, {"id": "cmpl-stub", "object": "text_completion", "created": 1700000000,
                             "model": req.get("model", "stub"),
                             "choices": [{"index": 0, "text": REPLY, "finish_reason": "stop"}]})
        elif route.endswith("/event_logging/batch") or "telemetry" in route:
            self._json(200, {})
        else:
            self._json(404, {"type": "error", "error": {"type": "not_found_error",
                                                       "message": f"stub: no route POST {route}"}})

    @staticmethod
    def _forced_error(body: Any) -> tuple[int, str] | None:
        text = json.dumps(body) if body is not None else ""
        i = text.find(FORCE_ERROR)
        if i < 0:
            return None
        code = text[i + len(FORCE_ERROR):i + len(FORCE_ERROR) + 3]
        if not code.isdigit():
            return None
        return int(code), f"stub: forced error {code} (veil blocked this request: canary at messages[0])"

    # --- Anthropic Messages ---------------------------------------------------------------
    def _anthropic(self, req: dict[str, Any]) -> None:
        model = req.get("model", "claude-sonnet-4-5")
        msg_id = "msg_stub_0001"
        if not req.get("stream"):
            self._json(200, {
                "id": msg_id, "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": REPLY}],
                "stop_reason": "end_turn", "stop_sequence": None, "usage": _usage_anthropic(),
            })
            return
        half = len(REPLY) // 2
        start = {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                 "content": [], "stop_reason": None, "stop_sequence": None,
                 "usage": {**_usage_anthropic(), "output_tokens": 1}}
        self._stream([
            _sse("message_start", {"type": "message_start", "message": start}),
            _sse("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {"type": "text", "text": ""}}),
            _sse("ping", {"type": "ping"}),
            _sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": REPLY[:half]}}),
            _sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": REPLY[half:]}}),
            _sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
            _sse("message_delta", {"type": "message_delta",
                                   "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                   "usage": {"output_tokens": 9}}),
            _sse("message_stop", {"type": "message_stop"}),
        ])

    # --- Gemini generateContent -----------------------------------------------------------
    def _gemini(self, route: str) -> None:
        model = route.rsplit("/", 1)[-1].split(":", 1)[0]
        self._json(200, {
            "candidates": [{"content": {"parts": [{"text": REPLY}], "role": "model"},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 9, "totalTokenCount": 21},
            "modelVersion": model,
        })

    # --- OpenAI Chat Completions ----------------------------------------------------------
    def _openai_chat(self, req: dict[str, Any]) -> None:
        model = req.get("model", "stub")
        cid, created = "chatcmpl-stub0001", 1700000000
        usage = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
        if not req.get("stream"):
            self._json(200, {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": usage,
            })
            return

        def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
            return _sse(None, {"id": cid, "object": "chat.completion.chunk", "created": created,
                               "model": model, "choices": [{"index": 0, "delta": delta,
                                                            "finish_reason": finish,
                                                            "logprobs": None}]})
        half = len(REPLY) // 2
        chunks = [chunk({"role": "assistant", "content": ""}, None),
                  chunk({"content": REPLY[:half]}, None),
                  chunk({"content": REPLY[half:]}, None),
                  chunk({}, "stop")]
        if (req.get("stream_options") or {}).get("include_usage"):
            chunks.append(_sse(None, {"id": cid, "object": "chat.completion.chunk",
                                      "created": created, "model": model, "choices": [],
                                      "usage": usage}))
        chunks.append(_sse(None, "[DONE]"))
        self._stream(chunks)


class TLSServer(ThreadingHTTPServer):
    """Ends each connection with TLS close_notify, as real https servers do: a streamed
    response that ends at the connection's close is then known to be whole (an https client,
    veil's included, treats a bare TCP close there as a cut)."""

    def shutdown_request(self, request: Any) -> None:
        try:
            request.settimeout(2)
            request.unwrap()
        except (OSError, ValueError):
            pass
        super().shutdown_request(request)


class Upstream:
    """A running stub: .url, .port, .requests (list of recorded dicts), .stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, record: str | None = None,
                 tls: tuple[str, str] | None = None):
        """`tls`: (certificate, key) PEM files to serve https, as `https://localhost:<port>`."""
        self.recorder = Recorder(record)
        handler = type("BoundHandler", (Handler,), {"recorder": self.recorder})
        self.server = (TLSServer if tls else ThreadingHTTPServer)((host, port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.recorder.requests

    def start(self) -> "Upstream":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.recorder.close()

    def __enter__(self) -> "Upstream":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--record", help="append each request as a JSON line to this file")
    a = ap.parse_args()
    up = Upstream(a.host, a.port, a.record)
    print(f"listening {up.url}", flush=True)
    try:
        up.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        up.server.server_close()
        up.recorder.close()


if __name__ == "__main__":
    sys.exit(main())
