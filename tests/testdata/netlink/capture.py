#!/usr/bin/env python3
"""Records real kernel rtnetlink messages as hex fixtures for the codec tests (tests/Dataplane.Tests/Netlink).

Run as root: python3 capture.py OUTDIR. It builds a throw-away namespace vtcapture with known links (fixed MACs,
MTUs, aliases; ifindexes are deterministic in a fresh namespace), sends requests that it encodes itself with
struct (an encoder independent of the product's NetlinkWriter), and writes for every case:
  request.hex  the request bytes (the product's writer must produce them byte for byte)
  reply-N.hex  each datagram the kernel answered, as received
  oracle.json  `ip -j -d link show` / `bridge -j fdb show` / `ip -j route get` output, for hand-checking expected.json
The namespace is deleted on every path.
"""
import json, os, socket, struct, subprocess, sys

NS = "vtcapture"
OUT = sys.argv[1]

def sh(*args):
    return subprocess.run(["ip", "netns", "exec", NS, *args], check=True, capture_output=True, text=True).stdout

def nla(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)

def msg(mtype, flags, seq, body):
    return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body

def ifinfo(index=0, flags=0, change=0):
    return struct.pack("=BxHiII", 0, 0, index, flags, change)

def hexdump(data):
    return "\n".join(data[i:i + 16].hex(" ") for i in range(0, len(data), 16)) + "\n"

def exchange(case, request, until_done):
    os.makedirs(os.path.join(OUT, case), exist_ok=True)
    with open(os.path.join(OUT, case, "request.hex"), "w") as f:
        f.write(hexdump(request))
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    for opt in (11, 10, 12):  # NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK
        s.setsockopt(270, opt, 1)
    s.bind((0, 0))
    s.send(request)
    n = 0
    while True:
        data = s.recv(65536)
        n += 1
        with open(os.path.join(OUT, case, f"reply-{n}.hex"), "w") as f:
            f.write(hexdump(data))
        last_type = struct.unpack_from("=H", data, 4)[0] if len(data) >= 16 else 0
        # walk to the last message of the datagram
        off = 0
        while off + 16 <= len(data):
            length, last_type = struct.unpack_from("=IH", data, off)
            off += (length + 3) & ~3
        if last_type in (2, 3) or not until_done:
            break
    s.close()

def main():
    if len(sys.argv) > 2 and sys.argv[2] == "--inside":
        capture()
        return
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        # The sockets must live in the namespace: run the capture itself inside it.
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__), OUT, "--inside",
                        os.readlink("/proc/self/ns/net")], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", NS])

def capture():
    if os.readlink("/proc/self/ns/net") == sys.argv[3]:
        sys.exit("refusing to capture in the root network namespace")
    if True:
        ip = lambda *a: sh("ip", *a)
        ip("link", "set", "lo", "up")
        ip("link", "add", "vnbr97", "address", "02:00:00:00:97:00", "mtu", "1436", "type", "bridge")          # 2
        ip("link", "set", "vnbr97", "alias", "vnet-reconciler vnet97", "up")
        ip("tuntap", "add", "mode", "tap", "name", "vnif97", "user", "4242", "group", "4343")                  # 3
        ip("link", "set", "vnif97", "address", "02:00:00:00:97:01", "mtu", "1436", "master", "vnbr97",
           "alias", "vnet-reconciler vnet97 vnif", "up")
        ip("link", "add", "vx0", "address", "02:00:00:00:00:a0", "type", "veth", "peer", "name", "vx1",       # 4, 5
           "address", "02:00:00:00:00:a1")
        ip("link", "add", "vxl97", "address", "02:00:00:00:00:b0", "type", "vxlan", "id", "97", "dstport", "4789",
           "local", "198.18.0.1")                                                                               # 6
        ip("addr", "add", "198.18.0.1/24", "dev", "vx0")
        ip("link", "set", "vx0", "up")
        ip("link", "set", "vx1", "up")
        sh("bridge", "fdb", "add", "02:00:00:00:97:99", "dev", "vnif97", "master", "static")

        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "oracle-links.json"), "w") as f:
            f.write(ip("-j", "-d", "link", "show"))

        skip_stats = nla(29, struct.pack("=I", 8))  # IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS
        # RTM_GETLINK dump (NLM_F_REQUEST | NLM_F_DUMP)
        exchange("link-dump", msg(18, 0x301, 1, ifinfo() + skip_stats), until_done=True)
        # RTM_GETLINK vnif97 with NLM_F_ACK: the link, then the acknowledgement
        exchange("link-get", msg(18, 0x5, 2, ifinfo() + nla(3, b"vnif97\0") + skip_stats), until_done=True)
        # RTM_NEWLINK create vnbr97 type bridge again (NLM_F_REQUEST|ACK|CREATE|EXCL): EEXIST
        exchange("error-exists", msg(16, 0x605, 3, ifinfo() + nla(3, b"vnbr97\0") + nla(18, nla(1, b"bridge\0"))), until_done=True)
        # RTM_NEWLINK set vnbr97 mtu 10: EINVAL with an extended-ACK message
        exchange("error-mtu", msg(16, 0x5, 4, ifinfo() + nla(3, b"vnbr97\0") + nla(4, struct.pack("=I", 10))), until_done=True)
        # RTM_DELLINK nosuch: ENODEV
        exchange("error-nodev", msg(17, 0x5, 5, ifinfo() + nla(3, b"nosuch\0")), until_done=True)
        # RTM_GETNEIGH AF_BRIDGE dump with NDA_MASTER = vnbr97 (2)
        exchange("fdb-dump", msg(30, 0x301, 6, struct.pack("=BxHiHBB", 7, 0, 0, 0, 0, 0) + nla(9, struct.pack("=I", 2))), until_done=True)
        with open(os.path.join(OUT, "fdb-dump", "oracle.json"), "w") as f:
            f.write(sh("bridge", "-j", "fdb", "show", "br", "vnbr97"))
        # RTM_GETROUTE 198.18.0.2 with NLM_F_ACK
        exchange("route-get", msg(26, 0x5, 7, struct.pack("=BBBBBBBBI", 2, 32, 0, 0, 0, 0, 0, 0, 0) + nla(1, bytes([198, 18, 0, 2]))), until_done=True)
        with open(os.path.join(OUT, "route-get", "oracle.json"), "w") as f:
            f.write(ip("-j", "route", "get", "198.18.0.2"))

main()
