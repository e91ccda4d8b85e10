"""The FastCGI transport at the record level: the program started as a web
server starts it (a listening socket on stdin, one thread), spoken to by a
minimal FastCGI client, so what happens on the connection itself can be
checked.

How a request ends (src/transport/FastCgiFinish.h): once the web server's
end-of-input record has been read, the program closes the connection at once
instead of libfcgi's lingering close (shutdown, then wait for the web server
to close). Checked without timing: after the answer's EOF, a record we send
fails with EPIPE/ECONNRESET only if the program has closed its end; under a
lingering close it is read and dropped. Input left unread beyond the limit
still gets the lingering close, a kept connection (FCGI_KEEP_CONN) stays
open for the next request, and every answer arrives whole."""
import os
import socket
import struct
import subprocess
import time

from si_harness import BINARY, Server, Tally, remove_dir, temp_dir, write_config

t = Tally("fastcgi_transport")

BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
RESPONDER, KEEP_CONN = 1, 1
MAX_UNREAD_INPUT = 64 * 1024  # kMaxUnreadInput


def record(kind, content=b"", request_id=1):
    padding = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), padding) + content + b"\0" * padding


def stream(kind, data, request_id=1):
    """`data` as records of at most 32 KiB, then the empty record that ends the stream."""
    chunks = [data[i:i + 32768] for i in range(0, len(data), 32768)]
    return b"".join(record(kind, chunk, request_id) for chunk in chunks) + record(kind, b"", request_id)


def pair_length(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def params(values):
    body = b"".join(pair_length(len(k)) + pair_length(len(v)) + k + v
                    for k, v in ((k.encode(), v.encode()) for k, v in values.items()))
    return stream(PARAMS, body)


def request_bytes(path="/", method="GET", body=b"", keep=False, declared_length=None):
    values = {"REQUEST_METHOD": method, "SCRIPT_NAME": "/stripe", "PATH_INFO": path, "QUERY_STRING": "",
              "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    if method == "POST":
        values["CONTENT_TYPE"] = "application/json"
        values["CONTENT_LENGTH"] = str(len(body) if declared_length is None else declared_length)
    begin = record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, KEEP_CONN if keep else 0))
    return begin + params(values), stream(STDIN, body)


def read_answer(sock):
    """Reads records up to END_REQUEST: (stdout bytes, app status), or (stdout, None) if the connection ended first."""
    buffered = b""
    out = b""

    def take(n):
        nonlocal buffered
        while len(buffered) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError
            buffered += chunk
        data, buffered = buffered[:n], buffered[n:]
        return data

    try:
        while True:
            _, kind, _, length, padding = struct.unpack(">BBHHBx", take(8))
            content = take(length + padding)[:length]
            if kind == STDOUT:
                out += content
            elif kind == END_REQUEST:
                return out, struct.unpack(">IB3x", content)[0]
    except EOFError:
        return out, None


def status_of(stdout):
    head = stdout.split(b"\r\n", 1)[0].decode("latin-1")
    return int(head.split()[1]) if head.startswith("Status:") else None


def closed_by_program(sock):
    """After the answer: True if the program closed its end (our record is refused), False if it only shut
    down its sending side and is still reading (lingering close)."""
    t_end = time.time() + 10
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break  # EOF: the program's side no longer sends
            if time.time() > t_end:
                return None
    except ConnectionResetError:
        return True
    try:
        # Twice: on a TCP-like socket the first send may still be accepted.
        sock.sendall(record(ABORT_REQUEST))
        sock.sendall(record(ABORT_REQUEST))
        return False
    except (BrokenPipeError, ConnectionResetError):
        return True


class Program(Server):
    """stripe-install as lighttpd starts it: a listening Unix socket as stdin
    (stopped, and its log kept, as Server does)."""

    def __init__(self, root):
        self.socket_path = os.path.join(root, "fcgi.sock")
        super().__init__(write_config(root, port=8080), port=None, dev=False,
                         env={"STRIPE_INSTALL_THREADS": "1"}, log_path=os.path.join(root, "program.log"))
        self.env["STRIPE_INSTALL_CONFIG"] = self.config_path

    def __enter__(self):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)
        listener.listen(16)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([BINARY], stdin=listener.fileno(), stdout=self.log, stderr=self.log,
                                        env=self.env)
        listener.close()
        return self

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(15)
        sock.connect(self.socket_path)
        return sock


def exchange(program, head, body_records, split=False):
    """Sends one request (the input's end later when `split`); returns (socket, stdout, app status)."""
    sock = program.connect()
    if split:
        sock.sendall(head + body_records[:-8])
        time.sleep(0.2)  # the program has answered from the body alone by now, or waits for it
        sock.sendall(body_records[-8:])
    else:
        sock.sendall(head + body_records)
    out, app_status = read_answer(sock)
    return sock, out, app_status


def test_page_closes_at_once(program):
    sock, out, app_status = exchange(program, *request_bytes("/"))
    with sock:
        t.check(status_of(out) == 200 and out.rstrip().endswith(b"</html>") and app_status == 0,
                "GET /: the whole page and END_REQUEST arrive", out[:80])
        t.check(closed_by_program(sock) is True,
                "GET /: the program closed the connection itself once answered (no lingering close)")


def test_post_body_read_then_closed(program):
    body = b'{"id": "evt_1", "type": "account.application.deauthorized"}'
    sock, out, app_status = exchange(program, *request_bytes("/webhook", "POST", body))
    with sock:
        t.check(status_of(out) == 400 and app_status == 0,
                "POST /webhook without a signature: 400 and END_REQUEST", out[:80])
        t.check(closed_by_program(sock) is True, "POST /webhook: closed at once after its body was read")


def test_end_of_input_sent_late(program):
    # The handler answers from the declared body; the empty STDIN record comes
    # 0.2 s later: the program waits for it, then closes.
    body = b"x" * 100
    sock, out, app_status = exchange(program, *request_bytes("/webhook", "POST", body), split=True)
    with sock:
        t.check(status_of(out) == 400 and app_status == 0, "end of input sent late: answer whole", out[:80])
        t.check(closed_by_program(sock) is True, "end of input sent late: closed once it arrived")


def test_unread_input_over_limit_lingers(program):
    # Declared larger than the program reads (413 without reading it); more
    # unread input than finishRequest reads: libfcgi's lingering close takes
    # over, and the answer still arrives whole.
    body = b"y" * (MAX_UNREAD_INPUT * 2 + 1000)
    sock, out, app_status = exchange(program, *request_bytes("/webhook", "POST", body))
    with sock:
        t.check(status_of(out) == 413 and app_status == 0, "a 130 KiB body: 413 and END_REQUEST", out[:80])
        t.check(closed_by_program(sock) is False,
                "unread input over the limit: lingering close (the program still reads what we send)")
    sock, out, _ = exchange(program, *request_bytes("/"))
    with sock:
        t.check(status_of(out) == 200, "the next request after a lingering close is served", out[:80])


def test_kept_connection_stays_open(program):
    sock = program.connect()
    with sock:
        head, body = request_bytes("/healthz", keep=True)
        sock.sendall(head + body)
        first, status1 = read_answer(sock)
        sock.sendall(head + body)
        second, status2 = read_answer(sock)
        t.check(status_of(first) == 200 and status_of(second) == 200 and status1 == 0 and status2 == 0,
                "FCGI_KEEP_CONN: two requests answered on one connection", (first[:60], second[:60]))


def test_many_in_a_row(program):
    # One thread: a connection left lingering would hold it; 200 requests in
    # a row each get a whole answer.
    whole = 0
    for _ in range(200):
        sock, out, app_status = exchange(program, *request_bytes("/"))
        with sock:
            whole += status_of(out) == 200 and out.rstrip().endswith(b"</html>") and app_status == 0
    t.check(whole == 200, "200 page requests in a row on one thread: every answer whole", whole)


def main():
    root = temp_dir("si-fcgi-")
    try:
        with Program(root) as program:
            for test in (test_page_closes_at_once, test_post_body_read_then_closed, test_end_of_input_sent_late,
                         test_unread_input_over_limit_lingers, test_kept_connection_stays_open, test_many_in_a_row):
                t.run(test, program)
            t.check(program.process.poll() is None, "the program is still running")
        log = program.log_text()
        t.check("terminate called" not in log and "Sanitizer" not in log, "no crash in the program's log", log[-500:])
    finally:
        remove_dir(root)
    t.finish()


main()
