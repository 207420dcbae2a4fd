"""A Paranoid Pirate queue (RFC 6) on libzmq through pyzmq, written from the RFC's text.

  python3 ppp_queue.py FRONTEND BACKEND [INTERVAL_MS] [LIVENESS]

Clients (REQ, Lazy Pirate) on a FRONTEND ROUTER, workers on a BACKEND ROUTER. A worker is idle
after READY or a reply; each request goes to the worker idle longest, and requests stay unread
while no worker is idle. Every INTERVAL_MS each known worker gets a HEARTBEAT; one silent for
LIVENESS intervals is forgotten. Prints where it listens, then one line per event.
"""
import sys
import time

import zmq

READY = b"\x01"
HEARTBEAT = b"\x02"

interval = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
liveness = int(sys.argv[4]) if len(sys.argv) > 4 else 3


def log(line):
    print(line, flush=True)


context = zmq.Context()
frontend = context.socket(zmq.ROUTER)
backend = context.socket(zmq.ROUTER)
frontend.linger = backend.linger = 0
frontend.bind(sys.argv[1])
backend.bind(sys.argv[2])
log(
    f"I: queue on {frontend.getsockopt_string(zmq.LAST_ENDPOINT)} (clients), "
    f"{backend.getsockopt_string(zmq.LAST_ENDPOINT)} (workers)"
)

expiry = {}  # worker id -> monotonic time after which it is dead
idle = []  # worker ids, idle longest first
next_beat = time.monotonic() + interval / 1000


def heard(worker, frames):
    if frames == [READY]:
        log(f"I: worker-ready {worker.hex()}")
    elif worker not in expiry:
        log(f"I: worker-known {worker.hex()} (it spoke before READY, or after it expired)")
    expiry[worker] = time.monotonic() + interval * liveness / 1000


while True:
    poller = zmq.Poller()
    poller.register(backend, zmq.POLLIN)
    if idle:
        poller.register(frontend, zmq.POLLIN)
    events = dict(poller.poll(max(0, next_beat - time.monotonic()) * 1000))
    if backend in events:
        worker, *rest = backend.recv_multipart()
        heard(worker, rest)
        if rest == [HEARTBEAT]:
            log(f"I: heartbeat from {worker.hex()}")
        elif rest == [READY]:
            if worker not in idle:
                idle.append(worker)
        else:
            frontend.send_multipart(rest)  # [client, "", reply...]
            if worker not in idle:
                idle.append(worker)
    if frontend in events and idle:
        request = frontend.recv_multipart()  # [client, "", body...]
        backend.send_multipart([idle.pop(0)] + request)
    if time.monotonic() >= next_beat:
        next_beat = time.monotonic() + interval / 1000
        now = time.monotonic()
        for worker in list(expiry):
            if expiry[worker] < now:
                del expiry[worker]
                if worker in idle:
                    idle.remove(worker)
                log(f"I: worker-expired {worker.hex()}")
            else:
                backend.send_multipart([worker, HEARTBEAT])
