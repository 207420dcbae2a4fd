"""A Paranoid Pirate worker (RFC 6) on libzmq through pyzmq, written from the RFC's text.

  python3 ppp_worker.py ENDPOINT [INTERVAL_MS] [LIVENESS] [RECONNECT_MS]

A DEALER that says READY (one frame, 0x01) and heartbeats (0x02) every INTERVAL_MS; a queue
silent for LIVENESS intervals is taken for dead, and a fresh socket dials again after
RECONNECT_MS (doubling up to 32 s). Requests [envelope..., "", body...] are echoed with the
same envelope. One line per event on stdout.
"""
import sys
import time

import zmq

READY = b"\x01"
HEARTBEAT = b"\x02"

endpoint = sys.argv[1]
interval = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
liveness_max = int(sys.argv[3]) if len(sys.argv) > 3 else 3
reconnect_first = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
RECONNECT_MAX = 32000


def log(line):
    print(line, flush=True)


def dial(context):
    socket = context.socket(zmq.DEALER)
    socket.linger = 0
    socket.connect(endpoint)
    socket.send(READY)
    log(f"I: ready sent to {endpoint}")
    return socket


context = zmq.Context()
socket = dial(context)
poller = zmq.Poller()
poller.register(socket, zmq.POLLIN)
liveness = liveness_max
reconnect = reconnect_first
next_beat = time.monotonic() + interval / 1000

while True:
    wait = max(0, next_beat - time.monotonic())
    if poller.poll(wait * 1000):
        frames = socket.recv_multipart()
        liveness = liveness_max
        reconnect = reconnect_first
        if frames == [HEARTBEAT]:
            log("I: heartbeat from queue")
            continue
        if b"" not in frames:
            log(f"E: not a request: {frames!r}")
            continue
        split = frames.index(b"")
        body = frames[split + 1 :]
        log("I: normal reply (" + " ".join(f.decode(errors="replace") for f in body) + ")")
        socket.send_multipart(frames[: split + 1] + body)
        continue
    # An interval passed: count the queue's silence, then heartbeat.
    next_beat = time.monotonic() + interval / 1000
    liveness -= 1
    if liveness == 0:
        log(f"W: queue-lost, reconnecting in {reconnect} ms")
        poller.unregister(socket)
        socket.close()
        time.sleep(reconnect / 1000)
        reconnect = min(reconnect * 2, RECONNECT_MAX)
        socket = dial(context)
        poller.register(socket, zmq.POLLIN)
        liveness = liveness_max
        next_beat = time.monotonic() + interval / 1000
        continue
    socket.send(HEARTBEAT)
