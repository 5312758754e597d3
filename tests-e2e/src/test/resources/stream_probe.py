# How the ingress answers one TCP connection of StreamRoutesIT: "reset" (refused at once), "closed"
# (closed without data), "timeout", or "data {bytes}" (the machine answered).
import socket
import sys

try:
    conn = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    conn.sendall(b"probe\n")
    data = conn.recv(100)
    print("data %r" % data if data else "closed")
except (ConnectionResetError, BrokenPipeError):
    print("reset")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error %s" % e)
