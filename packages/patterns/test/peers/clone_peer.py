"""A CHP (RFC 12, Clustered Hashmap Protocol) peer on libzmq (python3-zmq), written from the
RFC text alone, to test omq's Clone server and client against. It speaks JSON lines: one event
per line on stdout, commands on stdin; it exits when stdin closes.

  clone_peer.py server [--hugz MS] [KEY=VALUE...]   prints {"port": P}, then serves
  clone_peer.py client PORT SUBTREE                  prints {"snapshot": {...}, "sequence": N}
                                                     then {"update": ...} / {"hugz": N} per message
Client commands: {"set": KEY, "value": V, "ttl": SECONDS?}  (prints {"sent": UUID})
"""
import json
import os
import struct
import sys
import time
import uuid

import zmq


def out(**event):
    print(json.dumps(event), flush=True)


def seq(n):
    return struct.pack(">Q", n)


def props_text(props):
    return "".join(f"{k}={v}\n" for k, v in props.items()).encode()


def parse_props(data):
    return dict(line.split("=", 1) for line in data.decode().split("\n") if line)


def server(args):
    hugz = 1.0
    if args[:1] == ["--hugz"]:
        hugz, args = int(args[1]) / 1000, args[2:]
    ctx = zmq.Context()
    while True:  # P, P + 1, P + 2 must all be free
        snapshot, publisher, collector = ctx.socket(zmq.ROUTER), ctx.socket(zmq.PUB), ctx.socket(zmq.SUB)
        port = snapshot.bind_to_random_port("tcp://127.0.0.1")
        try:
            publisher.bind(f"tcp://127.0.0.1:{port + 1}")
            collector.bind(f"tcp://127.0.0.1:{port + 2}")
            break
        except zmq.ZMQError:
            for s in (snapshot, publisher, collector):
                s.close(0)
    collector.setsockopt(zmq.SUBSCRIBE, b"")
    kvmap, sequence, expiry = {}, 0, {}
    for pair in args:
        key, value = pair.split("=", 1)
        sequence += 1
        kvmap[key] = value.encode()
    out(port=port)

    def update(key, uid, props, value):
        nonlocal sequence
        sequence += 1
        publisher.send_multipart([key.encode(), seq(sequence), uid, props, value])
        expiry.pop(key, None)
        if value:
            kvmap[key] = value
        else:
            kvmap.pop(key, None)

    poller = zmq.Poller()
    poller.register(snapshot, zmq.POLLIN)
    poller.register(collector, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    last = time.monotonic()
    while True:
        ready = dict(poller.poll(50))
        if sys.stdin.fileno() in ready and not os.read(sys.stdin.fileno(), 4096):
            break
        if snapshot in ready:
            identity, command, *rest = snapshot.recv_multipart()
            assert command == b"ICANHAZ?", command
            subtree = rest[0] if rest else b""
            for key, value in kvmap.items():
                if key.encode().startswith(subtree):
                    snapshot.send_multipart([identity, key.encode(), seq(0), b"", b"", value])
            snapshot.send_multipart([identity, b"KTHXBAI", seq(sequence), b"", b"", subtree])
        if collector in ready:
            key, _, uid, props, value = collector.recv_multipart()
            update(key.decode(), uid, props, value)
            ttl = parse_props(props).get("ttl")
            if ttl is not None and value:
                expiry[key.decode()] = time.monotonic() + float(ttl)
            last = time.monotonic()
        now = time.monotonic()
        for key in [k for k, t in expiry.items() if t <= now]:
            update(key, b"", b"", b"")
            out(expired=key)
            last = now
        if now - last >= hugz:
            publisher.send_multipart([b"HUGZ", seq(0), b"", b"", b""])
            last = now


def client(port, subtree):
    ctx = zmq.Context()
    subscriber = ctx.socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, subtree.encode())
    subscriber.setsockopt(zmq.SUBSCRIBE, b"HUGZ")
    subscriber.connect(f"tcp://127.0.0.1:{port + 1}")
    # An XPUB is a PUB on the wire; it also shows when the server's collector has subscribed
    # (a PUB would drop our sets until then). That round trip also lets the SUB's subscription
    # land before the snapshot is asked for, as the RFC's order means it to.
    publisher = ctx.socket(zmq.XPUB)
    publisher.connect(f"tcp://127.0.0.1:{port + 2}")
    publisher.recv()
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(f"tcp://127.0.0.1:{port}")
    dealer.send_multipart([b"ICANHAZ?", subtree.encode()])
    kvmap = {}
    while True:
        key, sequence, _, _, value = dealer.recv_multipart()
        if key == b"KTHXBAI":
            break
        kvmap[key.decode()] = value.decode()
    last = struct.unpack(">Q", sequence)[0]
    out(snapshot=kvmap, sequence=last)
    poller = zmq.Poller()
    poller.register(subscriber, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    pending = b""
    while True:
        ready = dict(poller.poll())
        if subscriber in ready:
            key, sequence, uid, props, value = subscriber.recv_multipart()
            n = struct.unpack(">Q", sequence)[0]
            if key == b"HUGZ":
                out(hugz=n)
            elif n > last:
                last = n
                out(update=key.decode(), sequence=n, value=value.decode(), uuid=uid.hex(),
                    properties=parse_props(props))
        if sys.stdin.fileno() in ready:
            data = os.read(sys.stdin.fileno(), 4096)
            if not data:
                break
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                command = json.loads(line)
                uid = uuid.uuid4().bytes
                props = {"ttl": command["ttl"]} if "ttl" in command else {}
                publisher.send_multipart([command["set"].encode(), seq(0), uid, props_text(props),
                                          command["value"].encode()])
                out(sent=uid.hex())


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2:])
    else:
        client(int(sys.argv[2]), sys.argv[3])
