#!/usr/bin/python3
"""Malformed DHCP packets against a running DHCP server, with scapy (run by tst_dhcpmalformed
inside a client network namespace; Debian's /usr/bin/python3 with python3-scapy).

Sends `--count` copies of each malformed kind below, from the client port to the server port,
broadcast on `--iface`. No answer may come to any of them. Then two good DISCOVERs (one carrying
its message type in the file field, by option overload) must each get an OFFER: the server is
alive and parses what is valid. Prints one line per fact for the test to check:

    SENT <kind> <count> <bytes each>
    MALFORMED_ANSWERS <n>
    OFFER <kind> <chaddr> <yiaddr>
    NO_OFFER <kind> <chaddr>

Exit status 0 when both OFFERs came and nothing answered the malformed packets.
"""

import argparse
import random
import socket
import sys
import time

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, conf, fragment, get_if_hwaddr, sendp

COOKIE = b"\x63\x82\x53\x63"


def header(op=1, hlen=6, chaddr=b"\x02\x6d\x00\x00\x00\x01", xid=0x6D000001):
    """The 236-byte fixed part of a BOOTP message (RFC 2131 section 2)."""
    return bytes(BOOTP(op=op, htype=1, hlen=hlen, xid=xid, chaddr=chaddr.ljust(16, b"\0")))[:236]


def message(options, **fields):
    return header(**fields) + COOKIE + options


DISCOVER = b"\x35\x01\x01"  # option 53, DHCPDISCOVER
END = b"\xff"


def malformed_kinds():
    """(kind, payload) in the order they are sent; the test knows the parse error of each."""
    rng = random.Random(4)
    garbage = bytearray(rng.getrandbits(8) for _ in range(576))
    garbage[0] = 0xA5  # an op that is neither BOOTREQUEST nor BOOTREPLY, whatever the seed gives
    good = message(DISCOVER + END)
    return [
        # Shorter than the fixed header and the magic cookie.
        ("truncated", good[:200]),
        # Larger than any DHCP message: IP fragments, reassembled by the server's kernel.
        ("huge", message(DISCOVER + END) + bytes(rng.getrandbits(8) for _ in range(60000))),
        # A hardware address longer than chaddr's 16 bytes.
        ("hlen", message(DISCOVER + END, hlen=17)),
        # Not the DHCP magic cookie.
        ("cookie", header() + b"\x63\x82\x53\x00" + DISCOVER + END),
        # Option 12 says 200 bytes; 3 follow, then the datagram ends.
        ("overrun", message(DISCOVER + b"\x0c\xc8abc")),
        # Option overload (52) with a value that is neither 1, 2 nor 3.
        ("overload", message(DISCOVER + b"\x34\x01\x04" + END)),
        # Option 53 with no such message type.
        ("msgtype", message(b"\x35\x01\x63" + END)),
        # op 3: neither a request nor a reply.
        ("op", message(DISCOVER + END, op=3)),
        # Random bytes.
        ("garbage", bytes(garbage)),
    ]


def frame(src_mac, payload):
    ip = IP(src="0.0.0.0", dst="255.255.255.255", id=random.getrandbits(16)) / UDP(sport=68, dport=67) / payload
    return [Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / f for f in fragment(ip, fragsize=1400)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iface", required=True)
    parser.add_argument("--count", type=int, default=101)
    parser.add_argument("--wait", type=float, default=5.0)
    args = parser.parse_args()
    conf.verb = 0
    src = get_if_hwaddr(args.iface)

    # Answers come to the client port, broadcast: a plain socket there sees every one of them.
    answers = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    answers.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    answers.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.iface.encode())
    answers.bind(("", 68))
    answers.setblocking(False)

    def received():
        out = []
        while True:
            try:
                out.append(answers.recv(65535))
            except BlockingIOError:
                return out

    for kind, payload in malformed_kinds():
        # Each copy its own IP id, so that fragments of one copy are never taken for another's.
        sendp([f for _ in range(args.count) for f in frame(src, payload)], iface=args.iface)
        print("SENT %s %d %d" % (kind, args.count, len(payload)), flush=True)
        time.sleep(0.05)  # kinds arrive in order
    time.sleep(0.5)  # anything the server would (wrongly) answer has come by now
    malformed_answers = len(received())

    # Good DISCOVERs: the message type in the file field (options overloaded into it, RFC 2131
    # section 4.1), then an ordinary one.
    good = []
    mac = b"\x02\x6d\x00\x00\x00\xa1"
    overloaded = bytearray(message(b"\x34\x01\x01" + END, chaddr=mac, xid=0x6D0000A1))
    overloaded[108:112] = DISCOVER + END  # the file field
    good.append(("overloaded", mac, 0x6D0000A1, bytes(overloaded)))
    mac = b"\x02\x6d\x00\x00\x00\xa2"
    good.append(("plain", mac, 0x6D0000A2, message(DISCOVER + END, chaddr=mac, xid=0x6D0000A2)))
    ok = malformed_answers == 0
    print("MALFORMED_ANSWERS %d" % malformed_answers, flush=True)
    for kind, mac, xid, payload in good:
        sendp(frame(src, payload), iface=args.iface)
        deadline = time.time() + args.wait
        offer = None
        while offer is None and time.time() < deadline:
            time.sleep(0.02)
            for data in received():
                p = BOOTP(data)
                if p.op == 2 and p.xid == xid and p.chaddr[:6] == mac and DHCP in p:
                    types = [o[1] for o in p[DHCP].options if isinstance(o, tuple) and o[0] == "message-type"]
                    if types == [2]:
                        offer = p.yiaddr
        chaddr = ":".join("%02x" % b for b in mac)
        if offer:
            print("OFFER %s %s %s" % (kind, chaddr, offer), flush=True)
        else:
            print("NO_OFFER %s %s" % (kind, chaddr), flush=True)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
