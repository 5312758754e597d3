# A machine's TCP server for StreamRoutesIT: echoes lines ("echo {line}"); with "proxy", first reads
# the PROXY protocol v2 header and answers "proxy-source [{address}]:{port}" from it.
import ipaddress
import socket
import struct
import sys
import threading

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
port = int(sys.argv[1])
proxy = len(sys.argv) > 2 and sys.argv[2] == "proxy"
server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("::", port))
server.listen(16)
print("ready", flush=True)


def serve(conn):
    with conn:
        f = conn.makefile("rb")
        if proxy:
            head = f.read(16)
            if len(head) < 16 or head[:12] != SIGNATURE or head[12] != 0x21:
                conn.sendall(b"no proxy v2 header\n")
                return
            length = struct.unpack("!H", head[14:16])[0]
            body = f.read(length)
            if head[13] == 0x21:
                source, source_port = ipaddress.IPv6Address(body[0:16]), struct.unpack("!H", body[32:34])[0]
            else:
                source, source_port = ipaddress.IPv4Address(body[0:4]), struct.unpack("!H", body[8:10])[0]
            line = "proxy-source [%s]:%d\n" % (source, source_port)
            print(line.strip(), flush=True)
            conn.sendall(line.encode())
        for line in f:
            conn.sendall(b"echo " + line)


while True:
    c, _ = server.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
