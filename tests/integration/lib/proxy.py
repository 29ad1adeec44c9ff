"""A TCP relay for the tests' broken connections: listens on 127.0.0.1:LISTEN and relays
every connection to 127.0.0.1:TARGET, byte for byte, until it is killed. Killing it
breaks every connection through it for real; starting it again on the same port lets
the peers reconnect.

    /usr/bin/python3 proxy.py LISTEN TARGET
"""
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen))
    srv.listen(16)
    print("listening", flush=True)
    while True:
        down, _ = srv.accept()
        try:
            up = socket.create_connection(("127.0.0.1", target))
        except OSError:
            down.close()
            continue
        for s in (down, up):  # no Nagle: a round's small messages go at once
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for a, b in ((down, up), (up, down)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()
