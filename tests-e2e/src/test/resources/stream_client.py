# The underlay client of StreamRoutesIT's PROXY test: prints its own address and port, then the
# first line the machine answers.
import socket
import sys

conn = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
address, port = conn.getsockname()[:2]
print("client [%s]:%d" % (address, port))
print(conn.makefile().readline().strip())
