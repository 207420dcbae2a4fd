"""A Lazy Pirate client (zguide chapter 4) on libzmq through pyzmq, written from its description.

  python3 lp_client.py ENDPOINT COUNT [TIMEOUT_MS] [RETRIES]

COUNT requests ("1", "2", ...) on a REQ socket; a request with no reply within TIMEOUT_MS is
sent again on a fresh socket (the old one is stuck waiting), up to RETRIES times. One line per
reply, retry or abandon; exits 0 only when every reply matched its request.
"""
import sys

import zmq

endpoint = sys.argv[1]
count = int(sys.argv[2])
timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 2500
retries = int(sys.argv[4]) if len(sys.argv) > 4 else 3


def log(line):
    print(line, flush=True)


def dial(context):
    socket = context.socket(zmq.REQ)
    socket.linger = 0
    socket.connect(endpoint)
    return socket


context = zmq.Context()
socket = dial(context)
matched = 0
for sequence in range(1, count + 1):
    request = str(sequence).encode()
    left = retries
    socket.send(request)
    while True:
        if socket.poll(timeout, zmq.POLLIN):
            reply = socket.recv_multipart()
            if reply == [request]:
                matched += 1
                log(f"I: server replied OK ({sequence})")
            else:
                log(f"E: malformed reply from server: {reply!r}")
            break
        socket.close()
        if left == 0:
            log("E: server seems to be offline, abandoning")
            break
        left -= 1
        log(f"W: no response from server, retrying ({sequence})")
        socket = dial(context)
        socket.send(request)
    if matched < sequence:
        break
socket.close()
context.term()
log(f"{matched} of {count} replies matched")
sys.exit(0 if matched == count else 1)
