"""A deliberately hostile HTTP server on 127.0.0.1, one misbehaviour per instance, bounded in time.

Written on raw sockets (not an HTTP framework) because most of these
behaviours are things a framework would refuse to do: garbage instead of a
status line, a reset instead of an answer, one byte a second, a body that
never ends. Every loop watches the server's stop event and a hard time cap,
and :meth:`HostileServer.stop` closes every socket, so no test can hang on it.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time

#: every behaviour the fixture can serve
BEHAVIOURS = ("garbage", "non-json", "truncated-sse", "hang", "reset", "drip", "huge", "invalid-utf8", "deep",
              "error-500", "endless-sse")

#: the longest any one connection is served (a safety net; stop() ends them all sooner)
MAX_CONNECTION_S = 120.0

ERROR_500 = {"error": {"code": 500, "message": "internal error", "status": "INTERNAL"}}


class HostileServer:
    def __init__(self, behaviour: str, *, huge_bytes: int = 200 * 1024 * 1024, drip_interval_s: float = 1.0,
                 depth: int = 100_000) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {', '.join(BEHAVIOURS)}")
        self.behaviour = behaviour
        self.huge_bytes = huge_bytes
        self.drip_interval_s = drip_interval_s
        self.depth = depth
        self.requests = 0
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name=f"hostile-{behaviour}", daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            _close(conn)
        self._sock.close()

    # -- plumbing -------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()
        conn.settimeout(1.0)
        try:
            while not self._stop.is_set() and time.monotonic() - started < MAX_CONNECTION_S:
                request = _read_request(conn, self._stop)
                if request is None:
                    return
                self.requests += 1
                streaming = request.endswith(b"}") and b'"stream": true' in request or b"stream=true" in request
                keep = getattr(self, "_" + self.behaviour.replace("-", "_"))(conn, streaming, started)
                if not keep:
                    return
        except OSError:
            return
        finally:
            _close(conn)

    def _alive(self, started: float) -> bool:
        return not self._stop.is_set() and time.monotonic() - started < MAX_CONNECTION_S

    # -- behaviours (return True to keep the connection for the next request) --------------------

    def _garbage(self, conn, streaming, started) -> bool:
        conn.sendall(os.urandom(512).replace(b"H", b"h"))
        return False

    def _non_json(self, conn, streaming, started) -> bool:
        _answer(conn, 200, "application/json", b"<html><body>Welcome to nginx!</body></html>")
        return True

    def _truncated_sse(self, conn, streaming, started) -> bool:
        head = b'event: interaction.created\ndata: {"event_type": "interaction.created", "interaction": {"id": "x'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + head)
        return False

    def _hang(self, conn, streaming, started) -> bool:
        while self._alive(started):
            self._stop.wait(0.2)
        return False

    def _reset(self, conn, streaming, started) -> bool:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False  # closing with linger 0 sends RST

    def _drip(self, conn, streaming, started) -> bool:
        payload = json.dumps({"id": "drip", "status": "completed"}).encode() * 1000
        message = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                   + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        for i in range(len(message)):
            if not self._alive(started):
                break
            conn.sendall(message[i:i + 1])
            self._stop.wait(self.drip_interval_s)
        return False

    def _huge(self, conn, streaming, started) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(self.huge_bytes + 20).encode() + b"\r\n\r\n" + b'{"id": "huge", "pad": "')
        block = b"a" * 65536
        sent = 0
        while sent < self.huge_bytes - len(block) and self._alive(started):
            conn.sendall(block)
            sent += len(block)
        conn.sendall(b"a" * (self.huge_bytes - sent) + b'"}' + b" " * 18)
        return False

    def _invalid_utf8(self, conn, streaming, started) -> bool:
        if streaming:
            events = [{"event_type": "interaction.created", "interaction": {"id": "u", "status": "in_progress"}},
                      {"event_type": "interaction.completed", "interaction": {"id": "u", "status": "completed"}}]
            body = b"".join(b"event: " + e["event_type"].encode() + b"\ndata: "
                            + json.dumps(e).encode().replace(b'"u"', b'"u\xff\xfe"') + b"\n\n" for e in events)
            _answer(conn, 200, "text/event-stream", body)
        else:
            _answer(conn, 200, "application/json", b'{"id": "u\xff\xfe", "status": "completed"}')
        return True

    def _deep(self, conn, streaming, started) -> bool:
        _answer(conn, 200, "application/json", b'{"id": "deep", "x": ' + b"[" * self.depth + b"]" * self.depth + b"}")
        return True

    def _error_500(self, conn, streaming, started) -> bool:
        _answer(conn, 500, "application/json", json.dumps(ERROR_500).encode())
        return True

    def _endless_sse(self, conn, streaming, started) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        created = {"event_type": "interaction.created", "interaction": {"id": "e", "status": "in_progress"}}
        conn.sendall(b"data: " + json.dumps(created).encode() + b"\n\n")
        update = b'data: {"event_type": "interaction.status_update", "interaction_id": "e", "status": "in_progress"}\n\n'
        while self._alive(started):
            conn.sendall(update * 50)
            self._stop.wait(0.005)
        return False


def _read_request(conn: socket.socket, stop: threading.Event) -> bytes | None:
    """One request (head + Content-Length body); None when the peer closed or the server stops."""
    data = b""
    while b"\r\n\r\n" not in data:
        if stop.is_set() or len(data) > 1 << 20:
            return None
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        if stop.is_set():
            return None
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def _answer(conn: socket.socket, status: int, content_type: str, body: bytes) -> None:
    reason = {200: "OK", 500: "Internal Server Error"}.get(status, "X")
    conn.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
                 .encode() + body)


def _close(conn: socket.socket) -> None:
    try:
        conn.close()
    except OSError:
        pass


if __name__ == "__main__":  # pragma: no cover - manual experiments: python -m tests.hostile.server BEHAVIOUR
    import sys

    with HostileServer(sys.argv[1]) as server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
