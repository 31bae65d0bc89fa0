#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that cuts connections mid-transfer, to test how readers of remote
files survive a server that drops the connection (tools/ci-remote.sh, Tests/ROOTIOTests/Remote*).

    python3 tools/cutting_proxy.py TARGET_PORT --cut-after BYTES [--cuts N] [--armed] [--port 0]

Prints the port it listens on as the first line of standard output. Every connection is
forwarded to 127.0.0.1:TARGET_PORT. While the proxy is armed, a connection is closed once BYTES
bytes have come back from the server since it was opened or since the proxy was armed, whichever
is later, in the middle of whatever answer was being sent; after N such cuts (-1: no limit) the
proxy disarms itself. SIGUSR1 arms it, SIGUSR2 disarms it, so a
test can open a file through the proxy first and cut only the reads that follow.
"""
import argparse
import signal
import socket
import sys
import threading

lock = threading.Lock()
state = {"armed": False, "cuts_left": 0}
budgets = {}  # live connection id -> bytes it may still pass (None: unlimited)
settings = {}


def arm(*_):
    with lock:
        state["armed"] = settings["cuts"] != 0
        state["cuts_left"] = settings["cuts"]
        for key in budgets:
            budgets[key] = settings["cut_after"] if state["armed"] else None


def disarm(*_):
    with lock:
        state["armed"] = False
        for key in budgets:
            budgets[key] = None


def reset(*sockets):
    for s in sockets:
        # shutdown first: it ends the connection at once even while the other pump thread is
        # still blocked reading the socket (close alone would wait for that read)
        for step in (lambda: s.shutdown(socket.SHUT_RDWR), s.close):
            try:
                step()
            except OSError:
                pass


def pump(source, sink, key):
    """Copies source to sink; for server-to-client traffic (key set) obeys the connection's budget."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if key is not None:
                with lock:
                    allowed = budgets.get(key)
                    cut = allowed is not None and allowed < len(data)
                    if allowed is not None:
                        budgets[key] = max(0, allowed - len(data))
                    if cut:
                        if state["cuts_left"] > 0:
                            state["cuts_left"] -= 1
                        if state["cuts_left"] == 0:
                            state["armed"] = False
                            for other in budgets:
                                budgets[other] = None
                if cut:
                    if allowed > 0:
                        sink.sendall(data[:allowed])
                    break
            sink.sendall(data)
    except OSError:
        pass
    if key is not None:
        with lock:
            budgets.pop(key, None)
    reset(source, sink)


def main():
    # a parent that blocks signals (a test runner's thread) passes its mask on: unblock ours
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target_port", type=int)
    parser.add_argument("--cut-after", type=int, required=True)
    parser.add_argument("--cuts", type=int, default=1)
    parser.add_argument("--armed", action="store_true", help="start armed (default: wait for SIGUSR1)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    settings.update(cut_after=args.cut_after, cuts=args.cuts)
    signal.signal(signal.SIGUSR1, arm)
    signal.signal(signal.SIGUSR2, disarm)
    if args.armed:
        arm()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    count = 0
    while True:
        try:
            client, _ = listener.accept()
        except InterruptedError:
            continue
        try:
            server = socket.create_connection(("127.0.0.1", args.target_port))
        except OSError:
            client.close()
            continue
        count += 1
        with lock:
            budgets[count] = settings["cut_after"] if state["armed"] else None
        threading.Thread(target=pump, args=(client, server, None), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, count), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
