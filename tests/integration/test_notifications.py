"""Notifications to the app's backend (issue 10), through the real program:

(a) [notify] url: a local receiver (a Python HTTP server on 127.0.0.1) gets a
    signed POST after an install, a revocation (webhook) and a re-install, in
    that order, with the right body; every Stripe-Signature is checked with
    stripe-node (tests/node/stripe-oracle.js, one batch at the end), or that
    part is skipped visibly when node or the stripe package is missing;
(b) the receiver down: the attempt fails, `notify list` shows it pending,
    later requests (the clock moved past the backoff with
    STRIPE_INSTALL_CLOCK_OFFSET) deliver it once the receiver is back, in
    order, never twice for the same id; after the last retry it is "failed";
(c) [notify] command: a shell script gets the fields in its environment and
    the JSON on stdin;
(d) a crash: the receiver hangs, so delivery is in progress after the
    callback's response; kill -9 of the program; `notify flush` on the next
    run delivers it;
(e) plain CGI: the answer ends (stdout closed) before delivery starts.
Also `stripe-install stats` counts the installs and the revocation.
"""
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from si_harness import (BINARY, SOURCE_DIR, WEBHOOK_SECRET, Browser, Server, Tally, callback_query, free_port,
                        install_link_from_page, query_of, remove_dir, stripe_signature, temp_dir, write_config)

t = Tally("notifications")
NOTIFY_SECRET = "whsec_notify_5c1e0b7a9d3f2e4c6b8a0d2f4e6c8a0b"
ORACLE = os.path.join(SOURCE_DIR, "tests", "node", "stripe-oracle.js")
signed = []  # (payload, header, received_at) of every POST, for stripe-node at the end


class Receiver:
    """The app's backend: records each POST; `mode` is "accept" (200),
    "refuse" (500), "slow" (200 after 1.5 s) or "hang" (holds the request
    until released, then 500)."""

    def __init__(self, port):
        self.port = port
        self.mode = "accept"
        self.accepted = []   # parsed bodies accepted, in arrival order
        self.seen = 0        # every POST, accepted or not
        self.clock_offset = 0
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                header = self.headers.get("Stripe-Signature", "")
                signed.append((body, header, int(time.time()) + receiver.clock_offset))
                receiver.seen += 1
                if receiver.mode == "slow":
                    time.sleep(1.5)
                    receiver.accepted.append(json.loads(body))
                    status = 200
                elif receiver.mode == "hang":
                    receiver.hanging.set()
                    receiver.release.wait(30)
                    status = 500
                elif receiver.mode == "refuse":
                    status = 500
                else:
                    receiver.accepted.append(json.loads(body))
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait_for(self, count, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline and len(self.accepted) < count:
            time.sleep(0.05)
        return len(self.accepted) >= count


def cli(config, *args, offset=0):
    env = dict(os.environ, STRIPE_INSTALL_CLOCK_OFFSET=str(offset))
    return subprocess.run([BINARY, *args, "--config", config], capture_output=True, text=True, timeout=60, env=env)


def outbox(config, status=None):
    args = ["notify", "list", "--format", "json"] + (["--status", status] if status else [])
    result = cli(config, *args)
    if result.returncode != 0:
        raise AssertionError(f"notify list failed: {result.stderr}")
    return json.loads(result.stdout)


def install(server, account, ref=None, user="usr_Notify0001"):
    browser = Browser(server.base)
    if ref is None:
        state = query_of(install_link_from_page(browser.get("/").text))["state"]
    else:
        state = query_of(browser.get("/start?ref=" + urllib.parse.quote(ref)).header("Location"))["state"]
    started = time.time()
    page = browser.get("/callback?" + callback_query(state, account_id=account, user_id=user))
    t.check(page.status == 200, f"{account}: callback answers 200", page.status)
    return time.time() - started


def revoke(server, account):
    now = int(time.time())
    body = json.dumps({"id": f"evt_notify_{account}_{now}", "object": "event",
                       "type": "account.application.deauthorized", "account": account, "created": now,
                       "livemode": True, "data": {"object": {}}}, separators=(",", ":"))
    answer = Browser(server.base).request("POST", "/webhook", body=body.encode(), headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET)})
    t.check(answer.status == 200, f"{account}: revoking webhook answers 200", answer.status)


def url_config(directory, server_port, receiver_port, timeout_ms=2000):
    return write_config(directory, port=server_port, extra={"notify.url": f"http://127.0.0.1:{receiver_port}/stripe/installed",
                                          "notify.secret": NOTIFY_SECRET, "notify.timeout_ms": str(timeout_ms)})


def ids_unique(bodies):
    ids = [b["id"] for b in bodies]
    return len(ids) == len(set(ids))


# ---- (a) delivered, signed, in order ---------------------------------------

def test_delivered_after_install_revocation_reinstall(directory):
    receiver = Receiver(free_port()).start()
    try:
        server_port = free_port()
        config = url_config(directory, server_port, receiver.port)
        with Server(config, server_port, dev=False) as server:
            before = int(time.time())
            install(server, "acct_NotifyA000001", ref="spring-campaign")
            t.check(receiver.wait_for(1), "install.created delivered after the install", receiver.accepted)
            revoke(server, "acct_NotifyA000001")
            t.check(receiver.wait_for(2), "install.revoked delivered after the webhook", receiver.accepted)
            install(server, "acct_NotifyA000001", user="usr_Notify0002")
            t.check(receiver.wait_for(3), "install.updated delivered after the re-install", receiver.accepted)
            log = server.log_text()
        bodies = receiver.accepted
        t.check([b.get("type") for b in bodies] == ["install.created", "install.revoked", "install.updated"],
                "types in order: created, revoked, updated", [b.get("type") for b in bodies])
        first = bodies[0] if bodies else {}
        t.check(re.fullmatch(r"ntf_[0-9a-f]{32}", first.get("id", "")) is not None, "id is ntf_ + 32 hex", first)
        t.check(list(first.keys()) == ["id", "object", "type", "account_id", "user_id", "livemode", "ref", "time"],
                "body keys in the documented order", list(first.keys()))
        t.check(first.get("object") == "notification" and first.get("account_id") == "acct_NotifyA000001"
                and first.get("user_id") == "usr_Notify0001" and first.get("livemode") is True
                and first.get("ref") == "spring-campaign", "body fields of install.created", first)
        t.check(before <= first.get("time", 0) <= int(time.time()) + 1, "time is when the install happened", first)
        if len(bodies) == 3:
            t.check(bodies[2]["user_id"] == "usr_Notify0002" and bodies[2]["ref"] is None,
                    "re-install carries the new user; no ref is null", bodies[2])
        t.check(ids_unique(bodies), "three distinct ids")
        t.check(NOTIFY_SECRET not in log, "the [notify] secret is not in the log")
        rows = outbox(config, "delivered")
        t.check(len(rows) == 3 and all(r["attempts"] == 1 for r in rows),
                "notify list: three delivered, one attempt each", rows)
        stats = cli(config, "stats", "--days", "2", "--format", "json")
        totals = json.loads(stats.stdout)["totals"] if stats.returncode == 0 else {}
        t.check(totals.get("installed") == 2 and totals.get("revoked") == 1,
                "stats: 2 installed (one a re-install), 1 revoked", stats.stdout + stats.stderr)
        table = cli(config, "stats", "--days", "3")
        t.check(table.returncode == 0 and len(table.stdout.splitlines()) == 5 and "installed" in table.stdout,
                "stats (table): a header, three days and the total", table.stdout)
    finally:
        receiver.stop()


# ---- (b) the receiver down -------------------------------------------------

def test_receiver_down_retried_in_order(directory):
    port = free_port()
    receiver = Receiver(port)  # not started: connection refused
    server_port = free_port()
    config = url_config(directory, server_port, port)
    with Server(config, server_port, dev=False) as server:
        install(server, "acct_NotifyB000001")
        revoke(server, "acct_NotifyB000001")
        install(server, "acct_NotifyB000002")
        time.sleep(0.3)
    pending = outbox(config, "pending")
    t.check(len(pending) == 3, "notify list --status pending: three waiting", pending)
    tried = [p for p in pending if p["attempts"] >= 1]
    t.check(len(tried) >= 1 and all("127.0.0.1" in p["last_error"] or "refused" in p["last_error"].lower()
                                    for p in tried), "the failed attempt is recorded with its cause",
            [(p["attempts"], p["last_error"]) for p in pending])
    table = cli(config, "notify", "list", "--status", "pending")
    t.check(table.returncode == 0 and "pending" in table.stdout and "acct_NotifyB000001" in table.stdout,
            "notify list (table) shows them", table.stdout)

    # Back up; later requests, past the backoff, deliver them.
    receiver.start()
    try:
        receiver.clock_offset = 200
        with Server(config, server_port, dev=False, env={"STRIPE_INSTALL_CLOCK_OFFSET": "200"}) as server:
            browser = Browser(server.base)
            for _ in range(6):
                browser.get("/healthz")
                if receiver.wait_for(3, timeout=1.0):
                    break
        bodies = receiver.accepted
        b1 = [(b["type"]) for b in bodies if b["account_id"] == "acct_NotifyB000001"]
        t.check(len(bodies) == 3, "all three delivered once the receiver is back", bodies)
        t.check(b1 == ["install.created", "install.revoked"], "one account's notifications in creation order", b1)
        # Nothing is sent again.
        again = cli(config, "notify", "flush", offset=100000)
        t.check(again.returncode == 0 and again.stdout.startswith("0 delivered"), "flush afterwards: nothing due",
                again.stdout + again.stderr)
        t.check(len(receiver.accepted) == 3 and ids_unique(receiver.accepted), "never twice for the same id")
        t.check(len(outbox(config, "delivered")) == 3, "notify list: three delivered")
    finally:
        receiver.stop()

    # Down for good: after the last retry, "failed".
    with Server(config, server_port, dev=False) as server:
        install(server, "acct_NotifyB000003")
    offset, codes = 0, []
    for _ in range(9):
        offset += 21601
        codes.append(cli(config, "notify", "flush", offset=offset).returncode)
    failed = outbox(config, "failed")
    t.check(len(failed) == 1 and failed[0]["account_id"] == "acct_NotifyB000003" and failed[0]["attempts"] == 8,
            "after 8 failed attempts: failed (notify list --status failed)", failed)
    t.check(codes[0] == 1, "notify flush exits 1 when an attempt failed", codes)
    table = cli(config, "notify", "list", "--status", "failed")
    t.check("failed" in table.stdout and "acct_NotifyB000003" in table.stdout, "notify list shows the failed one",
            table.stdout)


# ---- (c) the command variant ----------------------------------------------

def test_command_variant(directory):
    out = os.path.join(directory, "received")
    os.makedirs(out)
    script = os.path.join(directory, "on-install.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nf=\"%s/$NOTIFY_EVENT_ID\"\nenv | sort > \"$f.env\"\ncat > \"$f.json\"\n" % out)
    os.chmod(script, 0o755)
    server_port = free_port()
    config = write_config(directory, port=server_port,
                          extra={"notify.command": script, "notify.timeout_ms": "5000"})
    env = {"STRIPE_API_KEY": "sk_test_must_not_leak_123"}
    with Server(config, server_port, dev=False, env=env) as server:
        install(server, "acct_NotifyC000001", ref="cmd-ref")
        deadline = time.time() + 10
        while time.time() < deadline and not any(n.endswith(".json") for n in os.listdir(out)):
            time.sleep(0.05)
        time.sleep(0.2)
    files = sorted(os.listdir(out))
    t.check(len(files) == 2, "the command ran once", files)
    if len(files) != 2:
        return
    body = json.load(open(os.path.join(out, files[1])))
    environment = dict(line.split("=", 1) for line in open(os.path.join(out, files[0])).read().splitlines()
                       if "=" in line)
    t.check(body.get("type") == "install.created" and body.get("account_id") == "acct_NotifyC000001"
            and body.get("ref") == "cmd-ref", "stdin holds the JSON body", body)
    t.check(environment.get("NOTIFY_EVENT_ID") == body.get("id") and environment.get("NOTIFY_TYPE") == "install.created"
            and environment.get("NOTIFY_ACCOUNT_ID") == "acct_NotifyC000001"
            and environment.get("NOTIFY_USER_ID") == "usr_Notify0001" and environment.get("NOTIFY_LIVEMODE") == "true"
            and environment.get("NOTIFY_REF") == "cmd-ref" and environment.get("NOTIFY_TIME") == str(body.get("time")),
            "the fields are in the environment", environment)
    t.check("STRIPE_API_KEY" not in environment and "sk_test_must_not_leak_123" not in str(environment),
            "the program's own secrets do not reach the command")
    t.check(len(outbox(config, "delivered")) == 1, "notify list: delivered")


# ---- (d) a crash between commit and delivery ------------------------------

def test_crash_then_delivery_on_next_run(directory):
    receiver = Receiver(free_port()).start()
    receiver.mode = "hang"
    try:
        server_port = free_port()
        config = url_config(directory, server_port, receiver.port, timeout_ms=5000)
        server = Server(config, server_port, dev=False)
        with server:
            took = install(server, "acct_NotifyD000001")
            t.check(took < 2.0, f"the visitor does not wait for delivery ({took:.2f} s)")
            t.check(receiver.hanging.wait(10), "delivery is in progress (the receiver holds it)")
            server.process.kill()  # kill -9, mid-delivery
            server.process.wait()
        t.check(receiver.accepted == [], "nothing was accepted before the crash")
        pending = outbox(config, "pending")
        t.check(len(pending) == 1 and pending[0]["account_id"] == "acct_NotifyD000001",
                "after the crash the notification is still pending", pending)
        receiver.mode = "accept"
        receiver.release.set()
        soon = cli(config, "notify", "flush")
        t.check(soon.returncode == 0 and soon.stdout.startswith("0 delivered"),
                "while the dead process's lease lasts, flush leaves it alone", soon.stdout + soon.stderr)
        receiver.clock_offset = 60
        flushed = cli(config, "notify", "flush", offset=60)
        t.check(flushed.returncode == 0 and "delivered ntf_" in flushed.stdout,
                "notify flush on the next run delivers it", flushed.stdout + flushed.stderr)
        t.check(len(receiver.accepted) == 1 and receiver.accepted[0]["account_id"] == "acct_NotifyD000001"
                and receiver.accepted[0]["type"] == "install.created", "the receiver got it", receiver.accepted)
        t.check(len(outbox(config, "delivered")) == 1 and outbox(config, "pending") == [], "notify list: delivered")
    finally:
        receiver.release.set()
        receiver.stop()


# ---- (e) plain CGI: delivery only after stdout is closed --------------------

def cgi(config, path, query="", cookie=None):
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "SCRIPT_NAME": "",
           "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "STRIPE_INSTALL_CONFIG": config}
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return subprocess.Popen([BINARY], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)


def test_cgi_delivers_after_closing_stdout(directory):
    receiver = Receiver(free_port()).start()
    try:
        config = url_config(directory, free_port(), receiver.port, timeout_ms=5000)
        page = cgi(config, "/")
        out = page.stdout.read().decode()
        page.wait(10)
        head, _, html = out.partition("\r\n\r\n")
        cookie = "; ".join(line.split(":", 1)[1].strip().split(";", 1)[0] for line in head.split("\r\n")
                           if line.lower().startswith("set-cookie:"))
        state = query_of(install_link_from_page(html))["state"]
        receiver.mode = "slow"
        started = time.time()
        callback = cgi(config, "/callback", callback_query(state, account_id="acct_NotifyE000001"), cookie)
        answer = callback.stdout.read()  # until the program closes stdout
        answered = time.time() - started
        still_running = callback.poll() is None
        callback.wait(15)
        t.check(answer.startswith(b"Status: 200"), "CGI callback answers 200", answer[:100])
        t.check(answered < 1.2 and still_running,
                f"CGI: the answer ends (stdout closed, {answered:.2f} s) while delivery still runs")
        t.check(len(receiver.accepted) == 1 and receiver.accepted[0]["account_id"] == "acct_NotifyE000001",
                "CGI: delivered by the same process after the answer", receiver.accepted)
    finally:
        receiver.stop()


# ---- every signature, checked by stripe-node -------------------------------

def test_signatures_with_stripe_node():
    if not signed:
        t.check(False, "some notifications were signed")
        return
    if shutil.which("node") is None or not os.path.isdir(os.path.join(SOURCE_DIR, "tests", "node", "node_modules",
                                                                         "stripe")):
        print("SKIPPED: stripe-node signature check (node or tests/node/node_modules/stripe missing; "
              "run npm ci in tests/node)")
        return
    cases = [{"op": "verify", "payload": p, "header": h, "secret": NOTIFY_SECRET, "tolerance": 300,
              "received_at": at} for p, h, at in signed]
    cases.append({"op": "verify", "payload": signed[0][0] + " ", "header": signed[0][1], "secret": NOTIFY_SECRET,
                  "tolerance": 300, "received_at": signed[0][2]})
    proc = subprocess.run(["node", ORACLE], input=json.dumps({"cases": cases}).encode(), capture_output=True,
                          timeout=60)
    if proc.returncode != 0:
        t.check(False, "stripe-oracle.js ran", proc.stderr.decode(errors="replace"))
        return
    answer = json.loads(proc.stdout)
    results = answer["results"]
    good = [r.get("valid") is True for r in results[:-1]]
    t.check(all(good), f"stripe-node {answer.get('stripe_version')} verifies all {len(good)} signatures",
            [r for r in results[:-1] if not r.get("valid")][:3])
    t.check(results[-1].get("valid") is False, "stripe-node refuses a changed body", results[-1])


def main():
    if not os.path.exists(BINARY):
        print(f"no program at {BINARY}: build first (or set SI_BINARY)")
        raise SystemExit(1)
    for test in (test_delivered_after_install_revocation_reinstall, test_receiver_down_retried_in_order,
                 test_command_variant, test_crash_then_delivery_on_next_run, test_cgi_delivers_after_closing_stdout):
        directory = temp_dir(f"si-notify-{test.__name__[5:20]}-")
        try:
            print(f"-- {test.__name__}")
            t.run(test, directory)
        finally:
            remove_dir(directory)
    print("-- test_signatures_with_stripe_node")
    t.run(test_signatures_with_stripe_node)
    t.finish()


if __name__ == "__main__":
    main()
