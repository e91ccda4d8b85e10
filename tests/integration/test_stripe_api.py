"""The Stripe API client (issue 8) against a local HTTPS server started here
with a throw-away self-signed certificate (made by the openssl CLI) that only
the test configuration trusts (`[stripe] api_ca_file`). The server answers
with Stripe-shaped JSON and records every request, so the test checks the
headers the client sent (Authorization, Stripe-Version, Stripe-Account,
Idempotency-Key), retries (a 429 then success, a 500 then success, a POST
keeping its Idempotency-Key, Stripe-Should-Retry: false), a 401 error body,
a timeout, an untrusted certificate, `installs sync` with pagination and
--dry-run, and that the API key appears in no output."""
import http.server
import json
import os
import ssl
import subprocess
import threading
import time
import urllib.parse

from si_harness import (BINARY, Browser, Server, Tally, callback_query, free_port, install_link_from_page, query_of,
                        remove_dir, temp_dir, write_config)

t = Tally("stripe api")
TEST_KEY = "sk_test_51IntegrationFakeKey0123456789abcdefSECRET"
LIVE_KEY = "sk_live_51IntegrationFakeKey0123456789abcdefSECRET"
VERSION = "2025-11-17.clover"
seen_output = []  # every command output, scanned for the keys at the end


class FakeStripe:
    """A threaded HTTPS server answering like Stripe; `requests` records each
    call as a dict (method, path, query, headers (lower-case names), body)."""

    def __init__(self, directory):
        self.requests = []
        self.lock = threading.Lock()
        self.counters = {}
        self.installs = []  # dicts as Stripe lists them
        self.cert = os.path.join(directory, "cert.pem")
        key = os.path.join(directory, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True)
        self.port = free_port()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self)

            def do_POST(self):
                fake.handle(self)

            def do_DELETE(self):
                fake.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"https://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def calls(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.counters.clear()

    def count(self, path):
        with self.lock:
            self.counters[path] = self.counters.get(path, 0) + 1
            return self.counters[path]

    def handle(self, h):
        parts = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode() if length else ""
        record = {"method": h.command, "path": parts.path, "query": urllib.parse.parse_qsl(parts.query),
                  "headers": {k.lower(): v for k, v in h.headers.items()}, "body": body}
        with self.lock:
            self.requests.append(record)
        status, payload, extra = self.route(record)
        data = json.dumps(payload, indent=2).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.send_header("Request-Id", f"req_{len(self.requests)}")
            for name, value in extra.items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client gave up (the timeout case)

    @staticmethod
    def error(kind, message, code=None):
        error = {"type": kind, "message": message}
        if code:
            error["code"] = code
        return {"error": error}

    def route(self, r):
        path, method = r["path"], r["method"]
        auth = r["headers"].get("authorization", "")
        if auth not in (f"Bearer {TEST_KEY}", f"Bearer {LIVE_KEY}") or path == "/v1/test/401":
            # Stripe echoes part of the key; this one echoes all of it, to prove the client redacts it.
            key = auth.replace("Bearer ", "")
            return 401, self.error("authentication_error", f"Invalid API Key provided: {key}"), {}
        if path.startswith("/v1/accounts/"):
            account = path.rsplit("/", 1)[1]
            if account == "acct_Slow":
                time.sleep(3)
                return 200, {"id": account, "object": "account",
                             "settings": {"dashboard": {"display_name": "Too Late Ltd"}}}, {}
            if account == "acct_Good":
                return 200, {"id": account, "object": "account",
                             "settings": {"dashboard": {"display_name": "Rocket Rides"}}}, {}
            return 404, self.error("invalid_request_error", f"No such account: '{account}'", "resource_missing"), {}
        if path == "/v1/test/429-then-ok":
            if self.count(path) == 1:
                return 429, self.error("rate_limit_error", "Too many requests", "rate_limit"), {}
            return 200, {"object": "ok", "attempt": 2}, {}
        if path == "/v1/test/500-then-ok":
            if self.count(path) == 1:
                return 500, self.error("api_error", "An unknown error occurred"), {}
            return 200, {"object": "ok"}, {}
        if path == "/v1/test/post-500-then-ok" and method == "POST":
            if self.count(path) == 1:
                return 500, self.error("api_error", "An unknown error occurred"), {}
            return 200, {"id": "cus_1", "object": "customer", "received": r["body"]}, {}
        if path == "/v1/test/no-retry":
            return 500, self.error("api_error", "Do not retry this"), {"Stripe-Should-Retry": "false"}
        if path == "/v1/test/slow":
            time.sleep(3)
            return 200, {"object": "late"}, {}
        if path == "/v1/apps/installs":
            return 200, self.installs_page(r, auth), {}
        return 404, self.error("invalid_request_error", f"Unrecognized request URL ({method}: {path})"), {}

    def installs_page(self, r, auth):
        query = dict(r["query"])
        live = LIVE_KEY in auth
        items = [i for i in self.installs if i["livemode"] == live]
        start = 0
        if "starting_after" in query:
            start = next(n for n, i in enumerate(items) if i["id"] == query["starting_after"]) + 1
        size = min(int(query.get("limit", 10)), 2)  # small pages, so even a few installs paginate
        page = items[start:start + size]
        return {"object": "list", "url": "/v1/apps/installs", "data": page, "has_more": start + size < len(items)}


def cli(config, *args, env=None):
    result = subprocess.run([BINARY, *args, "--config", config], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, **(env or {})))
    seen_output.extend([result.stdout, result.stderr])
    return result


def api_config(directory, fake, name="stripe-install.ini", **overrides):
    sub = os.path.join(directory, name.replace(".ini", ""))
    os.makedirs(sub, exist_ok=True)
    extra = {"stripe.api_key": TEST_KEY, "stripe.api_base": fake.base, "stripe.api_ca_file": fake.cert,
             "stripe.api_version": VERSION, "stripe.api_timeout_ms": "2000",
             "database.connection": os.path.join(directory, "installs.db")}
    extra.update(overrides)
    return write_config(sub, port=8080, extra=extra)


def test_get_and_headers(config, fake):
    fake.reset()
    result = cli(config, "api", "GET", "/v1/accounts/acct_Good")
    t.check(result.returncode == 0, "api GET /v1/accounts/acct_Good exits 0", result.stderr)
    t.check(json.loads(result.stdout or "{}").get("settings", {}).get("dashboard", {}).get("display_name")
            == "Rocket Rides", "prints the JSON answer", result.stdout[:200])
    calls = fake.calls("/v1/accounts/acct_Good")
    t.check(len(calls) == 1, "one request", len(calls))
    h = calls[0]["headers"] if calls else {}
    t.check(h.get("authorization") == f"Bearer {TEST_KEY}", "Authorization: Bearer <secret key>")
    t.check(h.get("stripe-version") == VERSION, f"Stripe-Version: {VERSION}", h.get("stripe-version"))
    t.check("stripe-account" not in h, "no Stripe-Account without --account")
    t.check("idempotency-key" not in h, "no Idempotency-Key on GET")
    t.check(h.get("user-agent", "").startswith("stripe-install/"), "User-Agent names the program", h.get("user-agent"))

    fake.reset()
    result = cli(config, "api", "--account", "acct_Good", "GET", "/v1/test/500-then-ok", "limit=3", "expand[]=data.x")
    calls = fake.calls("/v1/test/500-then-ok")
    t.check(result.returncode == 0 and len(calls) == 2, "a 500 then success: retried once, exit 0",
            (result.returncode, len(calls), result.stderr))
    t.check(all(c["headers"].get("stripe-account") == "acct_Good" for c in calls), "Stripe-Account: acct_Good sent")
    t.check(all(c["query"] == [("limit", "3"), ("expand[]", "data.x")] for c in calls), "GET params in the query",
            calls and calls[0]["query"])
    t.check("retry 1 of 2" in result.stderr and "answered 500" in result.stderr, "the retry is reported on stderr",
            result.stderr)


def test_retries(config, fake):
    fake.reset()
    started = time.time()
    result = cli(config, "api", "GET", "/v1/test/429-then-ok")
    calls = fake.calls("/v1/test/429-then-ok")
    t.check(result.returncode == 0 and len(calls) == 2, "a 429 then success: retried once, exit 0",
            (result.returncode, len(calls), result.stderr))
    t.check(time.time() - started >= 0.45, "the retry waited the backoff (>= 0.5 s)")
    t.check(json.loads(result.stdout or "{}").get("attempt") == 2, "prints the successful answer")

    fake.reset()
    result = cli(config, "api", "--account", "acct_Good", "POST", "/v1/test/post-500-then-ok", "name=Jo Smith",
                 "metadata[order]=42&x")
    calls = fake.calls("/v1/test/post-500-then-ok")
    t.check(result.returncode == 0 and len(calls) == 2, "POST: a 500 then success", (result.returncode, len(calls)))
    keys = [c["headers"].get("idempotency-key") for c in calls]
    t.check(keys and keys[0] and len(set(keys)) == 1 and len(keys[0]) == 36,
            "POST carries an Idempotency-Key, the same on its retry", keys)
    t.check(all(c["headers"].get("content-type") == "application/x-www-form-urlencoded" for c in calls),
            "POST body is form-encoded")
    t.check(calls and calls[0]["body"] == "name=Jo%20Smith&metadata[order]=42%26x", "form encoding as Stripe's",
            calls and calls[0]["body"])
    t.check(all(c["headers"].get("stripe-account") == "acct_Good" for c in calls), "POST: Stripe-Account sent")

    fake.reset()
    result = cli(config, "api", "POST", "/v1/test/post-500-then-ok", "a=1", "--idempotency-key", "my-key-1")
    t.check({c["headers"].get("idempotency-key") for c in fake.calls("/v1/test/post-500-then-ok")} == {"my-key-1"},
            "--idempotency-key is sent as given")

    fake.reset()
    result = cli(config, "api", "GET", "/v1/test/no-retry")
    t.check(result.returncode == 1 and len(fake.calls("/v1/test/no-retry")) == 1,
            "Stripe-Should-Retry: false stops retries", (result.returncode, len(fake.calls("/v1/test/no-retry"))))
    t.check("Do not retry this" in result.stderr, "and its message is shown", result.stderr)


def test_errors(config, fake, directory):
    fake.reset()
    result = cli(config, "api", "GET", "/v1/test/401")
    t.check(result.returncode == 1, "a 401 exits 1", result.returncode)
    t.check("Stripe answered 401 (authentication_error): Invalid API Key provided: [redacted]" in result.stderr,
            "a 401 error body becomes a clear message, the key redacted", result.stderr)
    t.check("api_key" in result.stderr and "STRIPE_API_KEY" in result.stderr, "and says which setting to check")
    t.check(len(fake.calls("/v1/test/401")) == 1, "a 401 is not retried")

    result = cli(config, "api", "GET", "/v1/accounts/acct_Missing")
    t.check(result.returncode == 1 and "resource_missing" in result.stderr and "No such account" in result.stderr,
            "a 404 names Stripe's code and message", result.stderr)

    slow = api_config(directory, fake, "slow.ini", **{"stripe.api_timeout_ms": "700"})
    fake.reset()
    started = time.time()
    result = cli(slow, "api", "GET", "/v1/test/slow")
    elapsed = time.time() - started
    t.check(result.returncode == 1 and "no answer within 700 ms" in result.stderr,
            "a timeout exits 1 and says so", result.stderr)
    t.check(len(fake.calls("/v1/test/slow")) == 3 and "after 3 attempts" in result.stderr,
            "a timeout is retried twice", len(fake.calls("/v1/test/slow")))
    t.check(elapsed < 8, f"and gives up in bounded time ({elapsed:.1f} s)")

    untrusted = api_config(directory, fake, "untrusted.ini", **{"stripe.api_ca_file": None})
    fake.reset()
    started = time.time()
    result = cli(untrusted, "api", "GET", "/v1/accounts/acct_Good")
    t.check(result.returncode == 1 and "certificate" in result.stderr, "an untrusted certificate is refused",
            result.stderr)
    t.check(not fake.calls("/v1/accounts/acct_Good") and time.time() - started < 5,
            "no request is sent over it, and it is not retried")

    wrong_host = api_config(directory, fake, "wronghost.ini", **{"stripe.api_base": f"https://localhost:{fake.port}"})
    fake.reset()
    result = cli(wrong_host, "api", "GET", "/v1/accounts/acct_Good")
    t.check(result.returncode == 1 and "does not match localhost" in result.stderr and not fake.requests,
            "a trusted certificate for another host name is refused", result.stderr)

    nokey = api_config(directory, fake, "nokey.ini", **{"stripe.api_key": None})
    result = cli(nokey, "api", "GET", "/v1/accounts/acct_Good", env={"STRIPE_API_KEY": ""})
    t.check(result.returncode == 1 and "no Stripe API key" in result.stderr, "no key: says how to set one",
            result.stderr)
    fake.reset()
    result = cli(nokey, "api", "GET", "/v1/accounts/acct_Good", env={"STRIPE_API_KEY": TEST_KEY})
    t.check(result.returncode == 0, "STRIPE_API_KEY supplies the key", result.stderr)

    for args, needle in [(["PATCH", "/v1/customers"], "GET, POST or DELETE"),
                         (["GET", "customers"], "/v1/"),
                         (["GET", "/v1/customers?limit=1"], "key=value"),
                         (["--account", "cus_1", "GET", "/v1/customers"], "acct_"),
                         (["GET", "/v1/customers", "novalue"], "key=value"),
                         (["GET"], "METHOD and PATH")]:
        result = cli(config, "api", *args)
        t.check(result.returncode == 2 and needle in result.stderr, f"usage: api {' '.join(args)} exits 2",
                result.stderr)


def install(n, account, livemode=False, status=None):
    item = {"id": f"inst_{n}", "object": "apps.install", "account": account, "livemode": livemode,
            "created": 1700000000 + n}
    if status:
        item["status"] = status
    return item


def listed(config):
    result = cli(config, "installs", "list", "--format", "json")
    return {(i["account_id"], i["livemode"]): i for i in json.loads(result.stdout or "[]")}


def test_sync(config, fake, directory):
    live_config = api_config(directory, fake, "live.ini", **{"stripe.api_key": LIVE_KEY})
    fake.installs = [install(1, "acct_S1"), install(2, "acct_S2"), install(3, "acct_S3"), install(4, "acct_S4"),
                     install(5, "acct_S5"), install(9, "acct_L1", livemode=True)]

    fake.reset()
    result = cli(config, "installs", "sync", "--dry-run")
    t.check(result.returncode == 0 and result.stdout.count("would be added") == 5,
            "sync --dry-run lists 5 installs to add", result.stdout + result.stderr)
    t.check(not listed(config), "and changes nothing")
    pages = fake.calls("/v1/apps/installs")
    t.check([dict(p["query"]).get("starting_after") for p in pages] == [None, "inst_2", "inst_4"],
            "pages through the list with starting_after", [p["query"] for p in pages])
    t.check(all(p["headers"].get("stripe-version") == VERSION for p in pages), "sync sends Stripe-Version")

    result = cli(config, "installs", "sync")
    rows = listed(config)
    t.check(result.returncode == 0 and "synced: 5 changes made" in result.stdout, "sync adds the 5 installs",
            result.stdout + result.stderr)
    t.check(sorted(a for a, _ in rows) == ["acct_S1", "acct_S2", "acct_S3", "acct_S4", "acct_S5"] and
            all(r["status"] == "active" and r["livemode"] is False for r in rows.values()),
            "all five active, test mode", rows)

    result = cli(live_config, "installs", "sync")
    t.check(result.returncode == 0 and "added: acct_L1 (live mode)" in result.stdout,
            "a live key syncs live-mode installs", result.stdout + result.stderr)

    fake.installs = [install(1, "acct_S1"), install(3, "acct_S3"), install(4, "acct_S4", status="uninstalled"),
                     install(5, "acct_S5"), install(9, "acct_L1", livemode=True)]
    result = cli(config, "installs", "sync", "--dry-run")
    t.check(result.returncode == 0 and "would be revoked: acct_S2 (test mode)" in result.stdout and
            "would be revoked: acct_S4 (test mode)" in result.stdout, "dry run: S2 (gone) and S4 (uninstalled)",
            result.stdout)
    t.check(all(r["status"] == "active" for r in listed(config).values()), "dry run revoked nothing")
    result = cli(config, "installs", "sync")
    rows = listed(config)
    t.check(rows[("acct_S2", False)]["status"] == "revoked" and rows[("acct_S4", False)]["status"] == "revoked",
            "sync marks uninstalled ones revoked", result.stdout)
    t.check(rows[("acct_S2", False)]["revoke_event_id"].startswith("sync:"), "the revocation is marked as sync's",
            rows[("acct_S2", False)]["revoke_event_id"])
    t.check(rows[("acct_L1", True)]["status"] == "active", "a test-mode sync leaves live installs alone")

    fake.installs.append(install(6, "acct_S2"))
    result = cli(config, "installs", "sync")
    t.check("reactivated: acct_S2 (test mode)" in result.stdout and
            listed(config)[("acct_S2", False)]["status"] == "active", "an install back on Stripe is reactivated",
            result.stdout)
    result = cli(config, "installs", "sync")
    t.check(result.returncode == 0 and "in sync: nothing to change" in result.stdout, "a second sync changes nothing",
            result.stdout)

    result = cli(config, "installs", "sync", "--livemode", "live")
    t.check(result.returncode == 2 and "test-mode key" in result.stderr, "sync refuses a mode the key cannot list",
            result.stderr)
    result = cli(config, "installs", "list", "--dry-run")
    t.check(result.returncode == 2, "--dry-run is for sync only")

    fake.installs = [{"id": "inst_x", "livemode": False}]
    result = cli(config, "installs", "sync")
    t.check(result.returncode == 1 and "names no account" in result.stderr and
            listed(config)[("acct_S1", False)]["status"] == "active",
            "an unexpected answer changes nothing", result.stderr)


def test_success_page_account_name(directory, fake):
    """The success page greets the account by its Stripe display name; a slow
    or failing API never breaks the page and delays it by the short timeout
    at most."""
    port = free_port()
    config = api_config(directory, fake, name="page.ini", **{
        "site.redirect_uri": f"http://127.0.0.1:{port}/callback",
        "database.connection": os.path.join(directory, "page.db")})
    with Server(config, port, dev=False) as server:
        for account, expect_name in [("acct_Good", "Rocket Rides"), ("acct_Missing", None), ("acct_Slow", None)]:
            browser = Browser(server.base)
            state = query_of(install_link_from_page(browser.get("/").text))["state"]
            started = time.time()
            page = browser.get("/callback?" + callback_query(state, account_id=account))
            took = time.time() - started
            t.check(page.status == 200 and account in page.text, f"success page for {account}", page.status)
            if expect_name:
                t.check(expect_name in page.text, f"{account}: the page names the account", page.text[-400:])
            else:
                t.check("Rocket Rides" not in page.text and "Too Late" not in page.text,
                        f"{account}: no name, and the page still answers")
            t.check(took < 2.8, f"{account}: answered in {took:.2f} s (lookup timeout 1.5 s)")
        log = server.log_text()
        seen_output.append(log)
    t.check("account_name_unavailable" in log, "a failed lookup is logged")


def main():
    directory = temp_dir("si-stripe-api-")
    fake = FakeStripe(directory)
    try:
        config = api_config(directory, fake)
        t.run(test_get_and_headers, config, fake)
        t.run(test_retries, config, fake)
        t.run(test_errors, config, fake, directory)
        t.run(test_sync, config, fake, directory)
        t.run(test_success_page_account_name, directory, fake)
        leaked = [text for text in seen_output if "IntegrationFakeKey" in text]
        t.check(not leaked, "no output of any command holds the API key", leaked[:1])
    finally:
        fake.stop()
        remove_dir(directory)
    t.finish()


main()
