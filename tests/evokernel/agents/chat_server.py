"""A small chat-completions server on loopback, serving scripted answers by model name.

It speaks enough of the protocol for the real ``openai`` client: ``POST /v1/chat/completions``
answers a completion (with usage) or an error body with the scripted status; a ``slow`` answer
holds the request until the test ends, so the client's own timeout fires.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_READY_DEADLINE_S = 120.0
_SLOW_HOLD_S = 60.0


@dataclass(frozen=True)
class Answer:
    """What the server answers for one model."""

    content: str = ""
    status: int = 200
    prompt_tokens: int = 0
    completion_tokens: int = 0
    slow: bool = False
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class ChatServer:
    """``answers[model] = Answer(...)``; ``requests`` lists what came in."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.requests: list[Seen] = []
        self.release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _READY_DEADLINE_S
        attempts = 0
        while True:
            attempts += 1
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"chat server not ready after {attempts} attempts") from None
            finally:
                conn.close()

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


def _handler_for(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self._send(200, {"ok": True})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append(Seen(self.path, headers, body))
            answer = server.answers.get(body.get("model", ""))
            if self.path != "/v1/chat/completions" or answer is None:
                self._send(404, {"error": {"message": "unknown model", "type": "not_found"}})
                return
            if answer.slow:
                server.release.wait(_SLOW_HOLD_S)
            if answer.status != 200:
                error = {"message": f"scripted {answer.status}", "type": "server_error"}
                self._send(answer.status, {"error": error})
                return
            self._send(200, _completion(body["model"], answer))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (the slow answer); nothing to tell it.
                return

    return Handler


def _completion(model: str, answer: Answer) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": f"{model}-2024-01-01",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.content},
                "finish_reason": answer.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        },
    }
