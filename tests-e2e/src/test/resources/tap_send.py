#!/usr/bin/env python3
"""Plays a VM on a fleetnet TAP link: attaches to the persistent TAP device and sends one
IPv6/UDP datagram per source address given, as Ethernet frames to the host side.

Usage: tap_send.py TAP DST_ADDR DST_PORT MARKER SRC_ADDR [SRC_ADDR...]
Each datagram carries MARKER-<n> (n = index of its source). Run inside the host's namespace.
"""
import fcntl
import os
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
GUEST_MAC = bytes.fromhex("020000aa0001")


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF or 0xFFFF


def frame(host_mac: bytes, src: str, dst: str, port: int, payload: bytes) -> bytes:
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    length = 8 + len(payload)
    udp = struct.pack("!HHHH", 40000, port, length, 0) + payload
    pseudo = s + d + struct.pack("!I3xB", length, 17)
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp)) + udp[8:]
    ipv6 = struct.pack("!IHBB", 6 << 28, length, 17, 64) + s + d
    return host_mac + GUEST_MAC + b"\x86\xdd" + ipv6 + udp


def main() -> None:
    tap, dst, port, marker, sources = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
    with open("/sys/class/net/%s/address" % tap) as f:
        host_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
        for n, src in enumerate(sources):
            os.write(fd, frame(host_mac, src, dst, port, ("%s-%d\n" % (marker, n)).encode()))
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
