# SPDX-License-Identifier: MIT
"""A small web app for Dockerfile.example: answers HTTP on port 8080 and
stops gracefully on SIGTERM (finishes the request in flight)."""
import http.server
import os
import signal
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        token = "set" if os.environ.get("APP_TOKEN") else "not set"
        body = (f"hello from pid {os.getpid()}, uid {os.getuid()}, "
                f"APP_TOKEN {token}\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("app:", fmt % args, flush=True)


server = http.server.ThreadingHTTPServer(("", 8080), Handler)


def stop(signum, frame):
    print("app: SIGTERM, shutting down", flush=True)
    threading.Thread(target=server.shutdown).start()


signal.signal(signal.SIGTERM, stop)
print("app: listening on :8080", flush=True)
server.serve_forever()
print("app: stopped", flush=True)
