"""A tiny HTTP model-server stand-in: health, an echo of its own name, Prometheus metrics.

    python tests/support/echo_server.py --port 8081 --name canary [--error-rate 0.05] [--delay 0.01]

GET /v2/health/ready answers 200; any other GET or POST answers {"upstream": NAME} (or a 500,
for the share `--error-rate` of requests); /metrics counts requests by status. It stops
gracefully on SIGTERM (requests in flight finish). Used by the rollout tests and benchmark
until they run `modelci serve` itself.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, generate_latest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    registry = CollectorRegistry()
    requests_total = Counter(
        "echo_requests", "Requests answered, by status.", ["status"], registry=registry
    )
    rng = random.Random(0)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the proxy's connection pool expects
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait

        def do_GET(self) -> None:
            if self.path == "/v2/health/ready":
                self._send(200, b'{"ready": true}')
            elif self.path == "/metrics":
                self._send(200, generate_latest(registry), "text/plain; version=0.0.4")
            else:
                self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer()

        def _answer(self) -> None:
            if args.delay:
                time.sleep(args.delay)
            status = 500 if rng.random() < args.error_rate else 200
            requests_total.labels(str(status)).inc()
            self._send(status, json.dumps({"upstream": args.name}).encode())

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *values: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = False  # shutdown waits for the requests in flight
    server.block_on_close = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
