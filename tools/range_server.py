#!/usr/bin/env python3
"""A tiny HTTP/1.1 file server with byte-range support (Python's http.server has none), for the
remote-file tests and tools/ci-remote.sh. Serves the files of DIRECTORY on 127.0.0.1 only.

    python3 tools/range_server.py DIRECTORY [--port 0]

Prints the port it listens on as the first line of standard output, then serves until killed.
Answers GET and HEAD; `Range: bytes=a-b` (one range, `a-` and `-n` too) gives 206 with
Content-Range, no Range gives 200 with the whole file. Keeps connections alive.
"""
import argparse
import os
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    log = False

    def log_message(self, *args):
        pass

    def _file(self):
        name = self.path.split("?", 1)[0].lstrip("/")
        # only plain names inside the served folder
        if not name or "/" in name or name.startswith("."):
            return None
        path = os.path.join(self.root, name)
        return path if os.path.isfile(path) else None

    def _answer(self, send_body):
        path = self._file()
        if path is None:
            self.send_error(404)
            return
        size = os.path.getsize(path)
        first, last, status = 0, size - 1, 200
        header = self.headers.get("Range")
        if self.log:
            print(f"{self.command} {self.path} {header}", file=sys.stderr, flush=True)
        if header:
            match = RANGE.match(header.strip())
            if not match or (not match.group(1) and not match.group(2)):
                self.send_error(416)
                return
            if match.group(1):
                first = int(match.group(1))
                last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:
                first = max(0, size - int(match.group(2)))
            if first > last or first >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(last - first + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        if send_body:
            with open(path, "rb") as f:
                f.seek(first)
                left = last - first + 1
                while left > 0:
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)

    def do_GET(self):
        self._answer(True)

    def do_HEAD(self):
        self._answer(False)


def main():
    # a parent that blocks signals (a test runner's thread) passes its mask on: unblock ours
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", action="store_true", help="print every request's method, path and range to stderr")
    args = parser.parse_args()
    Handler.log = args.log
    Handler.root = os.path.abspath(args.directory)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
