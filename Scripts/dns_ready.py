#!/usr/bin/env python3
"""Exit 0 when HOST:PORT answers an SOA query for ZONE over UDP within 0.5 s (readiness probe)."""
import random, socket, struct, sys

host, port, zone = sys.argv[1], int(sys.argv[2]), sys.argv[3]
qid = random.randrange(65536)
name = b"".join(bytes([len(l)]) + l.encode() for l in zone.strip(".").split(".")) + b"\0"
query = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 6, 1)
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
try:
    s.sendto(query, (host, port))
    reply, _ = s.recvfrom(4096)
    ok = len(reply) >= 12 and struct.unpack(">H", reply[:2])[0] == qid and reply[3] & 0x0F == 0
    sys.exit(0 if ok else 1)
except OSError:
    sys.exit(1)
