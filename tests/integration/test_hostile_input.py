"""Hostile input, through both transports: `stripe-install serve` (Poco's HTTP
server) and lighttpd + FastCGI (servers.py), since each parses requests its
own way. Oversized query, cookie and header; non-UTF-8 and NUL bytes;
repeated parameters; path traversal towards files outside /assets/style.css;
CR/LF aimed at the Location and Set-Cookie headers; an open redirect through
return_url; HTML/JS payloads in every field a page reflects. Each case checks
the status, that no header carries CR/LF or a forged header, that no payload
comes back unescaped, that the log has no forged line, and that the program
still answers afterwards."""
import contextlib
import os
import re
import shutil
import socket
import urllib.parse

from si_harness import (Browser, Server, Tally, callback_query, free_port, install_link_from_page, query_of,
                        remove_dir, temp_dir, write_config)

t = Tally("hostile_input")
RETURN_URL = "https://merchant.example/welcome?from=stripe"
PAYLOADS = [
    '<script>alert("si-xss-1")</script>',
    '"><img src=x onerror=alert(2)>',
    "'><svg/onload=alert(3)>",
    "</title><script>alert(4)</script>",
]
PASSWD_MARK = "root:x:0:0"


class Target:
    """One running deployment: `prefix` is where the program is mounted."""

    def __init__(self, name, base, prefix, return_url, log_text, config_path):
        self.name = name
        self.base = base
        self.prefix = prefix
        self.return_url = return_url
        self.log_text = log_text
        self.config_path = config_path
        self.port = int(base.rsplit(":", 1)[1])

    def url(self, path):
        return self.base + self.prefix + path


def raw_request(port, target, headers=(), method=b"GET", body=b""):
    """Sends `method target HTTP/1.1` with exactly these bytes; returns
    (status, [(name, value)] as raw bytes, body bytes). No client library
    gets to clean up the request."""
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [h if isinstance(h, bytes) else h.encode() for h in headers]
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    reply = b"".join(chunks)
    head, _, rest = reply.partition(b"\r\n\r\n")
    head_lines = head.split(b"\r\n")
    if not head_lines or not head_lines[0].startswith(b"HTTP/"):
        return None, [], reply
    status = int(head_lines[0].split()[1])
    parsed = []
    for line in head_lines[1:]:
        name, _, value = line.partition(b":")
        parsed.append((name.strip(), value.strip()))
    return status, parsed, rest


def header_values(headers, name):
    return [v for n, v in headers if n.lower() == name.lower().encode()]


def check_clean(target, label, status, headers, body, expect, reflected=()):
    """The shared assertions of every hostile request."""
    t.check(status in expect, f"{target.name}: {label} → {'/'.join(map(str, expect))}", f"got {status} {body[:200]!r}")
    names = {n.lower() for n, _ in headers}
    t.check(b"evil" not in names and b"x-injected" not in names,
            f"{target.name}: {label}: no header forged by the input", headers)
    for name, value in headers:
        if b"\r" in value or b"\n" in value or b"\0" in value:
            t.check(False, f"{target.name}: {label}: header {name!r} free of CR/LF and injected text", value)
    text = body.decode("utf-8", "replace")
    for payload in reflected:
        if payload in text:
            t.check(False, f"{target.name}: {label}: payload not reflected unescaped", payload)
    t.check(PASSWD_MARK not in text and "app_secrets" not in text and "absec_" not in text,
            f"{target.name}: {label}: no file content or secret in the answer")


def test_oversized(target):
    status, headers, body = raw_request(target.port, (target.prefix + "/?q=" + "a" * 9000).encode())
    # lighttpd's own limit on the request head (8 KiB) can answer first.
    expect = {414} if target.name.startswith("serve") else {414, 431}
    check_clean(target, "9000-byte query", status, headers, body, expect)
    status, headers, body = raw_request(target.port, (target.prefix + "/").encode(),
                                        headers=["Cookie: junk=" + "c" * 5000])
    check_clean(target, "5000-byte Cookie header", status, headers, body, {431})
    t.check(b"Cookies too large" in body, f"{target.name}: the 431 answer is the message page", body[:200])
    status, headers, body = raw_request(target.port, (target.prefix + "/").encode(),
                                        headers=["X-Junk: " + "h" * 20000])
    check_clean(target, "20000-byte header", status, headers, body, {400, 431})
    status, headers, body = raw_request(target.port, (target.prefix + "/").encode(),
                                        headers=[f"X-Many-{i}: v" for i in range(300)])
    check_clean(target, "300 headers", status, headers, body, {200, 400, 431})
    status, headers, body = raw_request(target.port, (target.prefix + "/webhook").encode(), method=b"POST",
                                        headers=["Content-Type: application/json", "Stripe-Signature: t=1,v1=00"],
                                        body=b'{"pad":"' + b"p" * 70000 + b'"}')
    check_clean(target, "70 KB webhook body", status, headers, body, {413})
    status, _, _ = raw_request(target.port, (target.prefix + "/healthz").encode())
    t.check(status == 200, f"{target.name}: still answers after oversized requests", status)


def test_bytes(target):
    cases = [
        ("ref with %FF (not UTF-8)", b"/start?ref=%FF%FE", {400}),
        ("ref with %00 (NUL)", b"/start?ref=a%00b", {400}),
        # Poco's server drops a raw non-ASCII byte from the request line before
        # the program sees it ("ab" is then a valid ref): 303 or 400, never 5xx.
        ("ref with a raw 0xFF byte", b"/start?ref=a\xffb", {303, 400}),
        ("ref with %C0%AF (overlong UTF-8)", b"/start?ref=%C0%AF", {400}),
        ("callback state with %00", b"/callback?state=a%00&user_id=u&account_id=a&install_signature=t=1,v1=00",
         {400}),
        ("callback with %FF in account_id", b"/callback?state=s&user_id=u&account_id=%FF&install_signature=x",
         {400}),
        # lighttpd re-encodes a stray '%' as %25 (a valid, literal ref).
        ("invalid percent escape", b"/start?ref=%G1", {400} if target.name.startswith("serve") else {303, 400}),
        ("install page with %FF%00 in the query", b"/?x=%FF%00", {200, 400}),
    ]
    for label, path, expect in cases:
        status, headers, body = raw_request(target.port, target.prefix.encode() + path)
        check_clean(target, label, status, headers, body, expect)


def test_duplicates(target):
    cases = [
        ("/start?ref=a&ref=b", {400}),
        ("/callback?state=a&state=b&user_id=u&account_id=acct_1&install_signature=t=1,v1=00", {400}),
        ("/callback?error=access_denied&error=other", {400}),
    ]
    for path, expect in cases:
        status, headers, body = raw_request(target.port, (target.prefix + path).encode())
        check_clean(target, f"repeated parameter {path}", status, headers, body, expect)
    browser = Browser(target.base)
    page = browser.get(target.url("/"))
    state = query_of(install_link_from_page(page.text))["state"]
    query = callback_query(state, account_id="acct_Duplicate0001", livemode=False)
    doubled = browser.get(target.url("/callback?" + query + "&account_id=acct_Other0000001"))
    t.check(doubled.status == 400, f"{target.name}: a signed callback with account_id twice → 400", doubled.status)


def test_traversal(target):
    paths = [
        "/assets/../../../../etc/passwd",
        "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/assets/style.css/../../../../etc/passwd",
        "/assets/..%5c..%5c..%5cetc%5cpasswd",
        "/assets//etc/passwd",
        "/assets/style.css%00.txt",
        "/assets/%2e%2e/stripe-install.ini",
        "/assets/%2e%2e/layout.html",
        "/assets/layout.html",
        "/assets/../stripe-install.ini",
    ]
    for path in paths:
        status, headers, body = raw_request(target.port, (target.prefix + path).encode())
        check_clean(target, f"traversal {path}", status, headers, body, {400, 403, 404})
        t.check(b"{{" not in body, f"{target.name}: traversal {path}: no template source served")
    status, headers, body = raw_request(target.port, (target.prefix + "/assets/style.css").encode())
    content_type = b"".join(header_values(headers, "Content-Type"))
    t.check(status == 200 and content_type.startswith(b"text/css"),
            f"{target.name}: /assets/style.css is still served", (status, content_type))


def test_header_injection(target):
    for label, path in [
        ("CRLF in ref", "/start?ref=a%0D%0ASet-Cookie:%20evil=1"),
        ("LF in ref", "/start?ref=a%0AX-Injected:%201"),
        ("CR in ref", "/start?ref=a%0DX-Injected:%201"),
        ("CRLF in state", "/callback?state=a%0D%0AX-Injected:%201&user_id=u&account_id=acct_1"
                          "&install_signature=t=1,v1=00"),
        ("CRLF in return_url parameter", "/callback?error=access_denied&return_url=%0D%0AX-Injected:%201"),
    ]:
        status, headers, body = raw_request(target.port, (target.prefix + path).encode())
        check_clean(target, label, status, headers, body, {400, 200})
    # A raw CR/LF in the request line or a header: the server refuses or
    # splits it itself; nothing reaches a response header.
    status, headers, body = raw_request(target.port, (target.prefix + "/start?ref=a\rX-Injected: 1").encode())
    # (None: the server closed the connection without an answer.)
    check_clean(target, "raw CR in the request line", status, headers, body, {400, 404, 303, None})
    # A signed callback whose account_id carries CR/LF: the signature is
    # valid, so the value reaches the install record and (with return_url)
    # the Location header.
    browser = Browser(target.base)
    page = browser.get(target.url("/"))
    state = query_of(install_link_from_page(page.text))["state"]
    query = callback_query(state, account_id="acct_Crlf\r\nSet-Cookie: evil=1\r\nX-Injected: 1", livemode=False)
    status, headers, body = raw_request(target.port, (target.prefix + "/callback?" + query).encode(),
                                        headers=["Cookie: " + "; ".join(f"{k}={v}" for k, v in
                                                                        browser.cookies.items())])
    check_clean(target, "signed callback with CR/LF in account_id", status, headers, body, {200, 303, 400})
    for value in header_values(headers, "Location"):
        t.check(value.startswith(RETURN_URL.encode()),
                f"{target.name}: Location after a CR/LF account_id is the configured return_url", value)


def test_open_redirect(target):
    """return_url comes from the configuration only; no parameter moves it."""
    browser = Browser(target.base)
    page = browser.get(target.url("/?return_url=https://evil.example/&redirect_uri=https://evil.example/cb"))
    link = install_link_from_page(page.text)
    t.check("evil.example" not in link, f"{target.name}: install link ignores redirect_uri/return_url parameters",
            link)
    start = browser.get(target.url("/start?return_url=https://evil.example/&next=//evil.example"))
    location = start.header("Location") or ""
    t.check(start.status == 303 and "evil.example" not in location,
            f"{target.name}: /start's Location ignores return_url/next parameters", location)
    state = query_of(location)["state"]
    query = callback_query(state, account_id="acct_Redirect00001", livemode=False)
    done = browser.get(target.url("/callback?" + query + "&return_url=https%3A%2F%2Fevil.example%2F"
                                  "&redirect_uri=https%3A%2F%2Fevil.example%2F&next=%2F%2Fevil.example"))
    location = done.header("Location") or ""
    if target.return_url:
        t.check(done.status in (303, 400) and "evil.example" not in location,
                f"{target.name}: a callback with return_url/next parameters never redirects elsewhere",
                (done.status, location))
        if done.status == 303:
            t.check(location.startswith(target.return_url + "&account_id="),
                    f"{target.name}: Location is the configured return_url", location)
    else:
        t.check(done.status in (200, 400) and not location,
                f"{target.name}: no return_url configured → no redirect at all", (done.status, location))


def test_reflection(target):
    """Every payload in every field a page might echo."""
    for payload in PAYLOADS:
        q = urllib.parse.quote(payload, safe="")
        paths = [
            f"/callback?error=access_denied&error_description={q}",
            f"/callback?error={q}&error_description={q}",
            f"/callback?state={q}&user_id={q}&account_id={q}&install_signature={q}",
            f"/callback?state={q}",
            f"/start?ref={q}",
            f"/{q}",
            f"/assets/{q}",
            f"/?{q}={q}",
        ]
        for path in paths:
            status, headers, body = raw_request(target.port, (target.prefix + path).encode())
            check_clean(target, f"payload in {path[:40]}…", status, headers, body, {200, 303, 400, 404},
                        reflected=PAYLOADS)
        status, headers, body = raw_request(target.port, (target.prefix + "/webhook").encode(), method=b"POST",
                                            headers=["Content-Type: application/json",
                                                     "Stripe-Signature: " + payload],
                                            body=('{"id":"' + payload + '"}').encode())
        check_clean(target, "payload in a webhook", status, headers, body, {400}, reflected=PAYLOADS)
    # The cancel page quotes Stripe's description: it must arrive escaped.
    marker = '<b id="si">'
    status, _, body = raw_request(target.port, (target.prefix + "/callback?error=access_denied&error_description="
                                                + urllib.parse.quote(marker)).encode())
    t.check(status == 200 and b"&lt;b id=&quot;si&quot;&gt;" in body,
            f"{target.name}: the cancel page shows error_description HTML-escaped", body[:300])
    if not target.return_url:
        # A validly signed account_id full of markup reaches the success page.
        for payload in PAYLOADS[:2]:
            browser = Browser(target.base)
            page = browser.get(target.url("/"))
            state = query_of(install_link_from_page(page.text))["state"]
            done = browser.get(target.url("/callback?" + callback_query(state, account_id=payload, user_id=payload,
                                                                        livemode=False)))
            t.check(done.status in (200, 400) and payload not in done.text,
                    f"{target.name}: signed account_id {payload[:20]}… shown escaped (or refused)",
                    (done.status, done.text[:300]))


def test_log_lines(target):
    """No input forged a log line: each line starts with a timestamp."""
    text = target.log_text()
    # A line holding injected text must be one of the program's own lines
    # (whose values are escaped), never a line of its own.
    forged = [line for line in text.splitlines()
              if ("X-Injected" in line or "evil=1" in line) and "stripe-install[" not in line]
    t.check(not forged, f"{target.name}: no log line forged by CR/LF input", forged[:3])
    pattern = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ stripe-install\[\d+\] (info|warn|error) \w+")
    lines = [line for line in text.splitlines() if "stripe-install[" in line]
    bad = [line for line in lines if not pattern.search(line)]
    t.check(lines and not bad, f"{target.name}: every program log line is well formed ({len(lines)} lines)", bad[:3])


def run_all(target):
    for test in [test_oversized, test_bytes, test_duplicates, test_traversal, test_header_injection,
                 test_open_redirect, test_reflection]:
        t.run(test, target)
    status, _, _ = raw_request(target.port, (target.prefix + "/healthz").encode())
    t.check(status == 200, f"{target.name}: still healthy after every hostile request", status)
    t.run(test_log_lines, target)


def run_serve(directory, name, return_url):
    port = free_port()
    folder = os.path.join(directory, name)
    os.makedirs(folder)
    config = write_config(folder, port=port, extra={"site.return_url": return_url} if return_url else None)
    with Server(config, port, dev=False) as server:
        run_all(Target(name, server.base, "", return_url, server.log_text, config))
        t.check(server.process.poll() is None, f"{name}: the program is still running")


def run_lighttpd():
    from servers import ServerProcess, Site, program_binary, render, require_executables
    if os.geteuid() != 0 or shutil.which("lighttpd", path=os.environ.get("PATH", "") + ":/usr/sbin") is None:
        print("SKIPPED lighttpd part: needs root and lighttpd")
        return
    lighttpd, = require_executables("lighttpd")
    site = Site("si-hostile-", free_port())
    text = open(site.config).read().replace("[site]\n", f"[site]\nreturn_url = {RETURN_URL}\n", 1)
    with open(site.config, "w") as f:
        f.write(text)
    conf = render("lighttpd/stripe-install.conf", site.path("conf", "lighttpd.conf"), site.values(program_binary()))
    server = ServerProcess("lighttpd", [lighttpd, "-D", "-f", conf], site.path("log", "lighttpd-stdout.log"),
                           site.config, port=site.port)

    def log_text():
        # The program's stderr lands in lighttpd's error log (the access log
        # quotes request lines, percent-encoded, by design).
        out = []
        for name in ["lighttpd-error.log", "lighttpd-stdout.log"]:
            with contextlib.suppress(OSError), open(site.path("log", name), "rb") as f:
                out.append(f.read().decode("utf-8", "replace"))
        return "\n".join(out)

    try:
        server.start()
        run_all(Target("lighttpd", site.base, "/stripe", RETURN_URL, log_text, site.config))
        t.check(server.process.poll() is None, "lighttpd: still running")
    finally:
        server.stop()
        server.cleanup()
        if t.failed:
            print(site.log_tail())
        site.remove()


def main():
    from servers import install_guards
    install_guards(seconds=240)  # SIGTERM or a hang: leave through every `finally`
    directory = temp_dir("si-hostile-")
    try:
        t.run(run_serve, directory, "serve", "")
        t.run(run_serve, directory, "serve+return_url", RETURN_URL)
        t.run(run_lighttpd)
    finally:
        remove_dir(directory)
    t.finish()


if __name__ == "__main__":
    main()
