"""Shared helpers for the integration tests: a temporary configuration, the
real program started as `serve`, an HTTP client with a cookie jar that does
not follow redirects, Stripe-style signing, and a pass/fail tally.

Standard library only. Every test prints what it checked and ends with a
line "N passed, M failed"; it exits non-zero on any failure.
"""
import contextlib
import hashlib
import hmac
import http.client
import http.cookiejar
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

BINARY = os.environ.get("SI_BINARY", os.path.join(os.path.dirname(__file__), "../../build/stripe-install"))
SOURCE_DIR = os.environ.get("SI_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
SHARED_DIR = os.environ.get("SI_SHARED_DIR", os.path.join(SOURCE_DIR, "../shared"))

APP_ID = "com.example.shipment-invoicing"
APP_SECRET = "absec_test_3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e1f"
PREVIOUS_APP_SECRET = "absec_test_previous_0a1b2c3d4e5f"
WEBHOOK_SECRET = "whsec_test_8d2e4f6a1b3c5d7e9f0a2b4c6d8e0f1a"
SECRETS = [APP_SECRET, PREVIOUS_APP_SECRET, WEBHOOK_SECRET]


class Tally:
    """Counts checks; `check` records one and prints it."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, condition, what, detail=""):
        if condition:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what} {detail}")
        return condition

    def run(self, test_function, *args):
        """Runs one test function; an exception counts as a failure."""
        try:
            test_function(*args)
        except Exception:  # noqa: BLE001 - a crashed test is a failed test
            self.failed += 1
            print(f"FAIL {test_function.__name__} raised:")
            traceback.print_exc(file=sys.stdout)

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory, port=None, redirect_uri=None, extra=None, templates=None, database=None):
    """Writes stripe-install.ini into `directory`; returns its path.
    `extra` maps "section.key" to a value (None removes the key)."""
    redirect_uri = redirect_uri or f"http://127.0.0.1:{port}/callback"
    values = {
        "stripe.app_id": APP_ID,
        "stripe.app_secrets": f"{APP_SECRET},{PREVIOUS_APP_SECRET}",
        "stripe.webhook_secrets": WEBHOOK_SECRET,
        "site.redirect_uri": redirect_uri,
        "site.templates": templates or os.path.join(SOURCE_DIR, "templates"),
        "site.app_name": "Shipment Invoicing",
        "site.permissions": "Read your invoices; Create shipping labels",
        "database.connector": "sqlite",
        "database.connection": database or os.path.join(directory, "installs.db"),
    }
    for key, value in (extra or {}).items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    sections = {}
    for key, value in values.items():
        section, name = key.split(".", 1)
        sections.setdefault(section, []).append(f"{name} = {value}")
    path = os.path.join(directory, "stripe-install.ini")
    with open(path, "w") as f:
        for section, lines in sections.items():
            f.write(f"[{section}]\n" + "\n".join(lines) + "\n\n")
    return path


class Server:
    """`stripe-install serve` on a free loopback port, stopped on exit."""

    def __init__(self, config_path, port, dev=True, env=None, log_path=None):
        self.config_path = config_path
        self.port = port
        self.dev = dev
        self.env = dict(os.environ, **(env or {}))
        self.log_path = log_path or os.path.join(os.path.dirname(config_path), f"serve-{port}.log")
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        args = [BINARY, "serve", "--config", self.config_path, "--listen", f"127.0.0.1:{self.port}"]
        if self.dev:
            args.append("--dev")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=self.env)
        wait_for_port(self.port, self.process)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def wait_for_port(port, process=None, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the program exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]


class Browser:
    """A client with its own cookie jar that never follows redirects, so each
    step of the flow can be checked. Paths may be absolute URLs."""

    def __init__(self, base):
        self.base = base
        self.cookies = {}

    def request(self, method, url, body=None, headers=None, raw_path=False):
        if not url.startswith("http"):
            url = self.base + url
        parts = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        all_headers = dict(headers or {})
        if self.cookies and "Cookie" not in all_headers:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, str):
            body = body.encode()
        connection.request(method, path, body=body, headers=all_headers)
        reply = connection.getresponse()
        response = Response(reply.status, reply.getheaders(), reply.read())
        connection.close()
        for set_cookie in response.header_all("Set-Cookie"):
            name, _, rest = set_cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post_form(self, url, fields):
        body = urllib.parse.urlencode(fields)
        return self.request("POST", url, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def install_link_from_page(html):
    """The href of the install button on the install page."""
    import html as html_module
    import re

    match = re.search(r'href="([^"]*apps/install/link/[^"]*)"', html)
    if not match:
        raise AssertionError("no install link on the page")
    return html_module.unescape(match.group(1))


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def install_payload(state, user_id, account_id):
    fields = {}
    if state is not None:
        fields["state"] = state
    fields["user_id"] = user_id
    fields["account_id"] = account_id
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def stripe_signature(payload, secret, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def callback_query(state, user_id="usr_Test0001", account_id="acct_Test00000001", secret=APP_SECRET,
                   timestamp=None, livemode=True, tamper=None):
    """The query Stripe's redirect carries, signed like Stripe signs it.
    `tamper` maps field → value to change after signing."""
    signature = stripe_signature(install_payload(state, user_id, account_id), secret, timestamp)
    fields = {"user_id": user_id, "account_id": account_id}
    if state is not None:
        fields["state"] = state
    fields.update(tamper or {})
    fields["install_signature"] = signature
    if not livemode:
        fields["livemode"] = "false"
    return urllib.parse.urlencode(fields)


def installs(database_path):
    """Every install row, as dicts."""
    with contextlib.closing(sqlite3.connect(database_path, timeout=10)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM installs ORDER BY account_id, livemode")]


def temp_dir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    return path


def remove_dir(path):
    shutil.rmtree(path, ignore_errors=True)
