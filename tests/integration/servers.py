"""Helpers for the drop-in deployment tests (test_server_*.py): a site folder
laid out like a real deployment, the project's own server configuration
files rendered by replacing only @PLACEHOLDER@ words (ports and paths), a
web server started and stopped as a process of its own, the install flow
driven through it, and the program's processes found by their
configuration path so a test can prove none is left behind.

Standard library only. The servers run as root here and hand the program
to www-data, as a Debian install does, so the site's writable folders
belong to www-data and the database is read as www-data (a root-owned
-wal/-shm file would lock the program out of its own database).
"""
import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from si_harness import (BINARY, SOURCE_DIR, WEBHOOK_SECRET, Browser, callback_query, free_port,  # noqa: F401
                        install_link_from_page, query_of, stripe_signature, wait_for_port, write_config)

PLACEHOLDER = re.compile(r"@[A-Z][A-Z0-9_]*@")
RUN_AS = "www-data"


def skip(reason):
    """A test that cannot run here says why and passes."""
    print(f"SKIPPED: {reason}")
    sys.exit(0)


def require_executables(*names):
    """The absolute path of each named program, or SKIPPED when one is absent.
    Also installs the guards below: these tests start servers as root and
    hand the program to www-data, as a Debian install does."""
    found = []
    for name in names:
        path = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        if path is None:
            skip(f"{name} is not installed (see scripts/debian-packages.txt)")
        found.append(path)
    if os.geteuid() != 0:
        skip("the server tests start web servers as root that hand the program to www-data; run them as root")
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        skip(f"there is no {RUN_AS} user to run the program as")
    install_guards()
    return found


class Interrupted(SystemExit):
    """SIGTERM or the watchdog: leave through every `finally`, so each
    server this test started is stopped."""


def install_guards(seconds=150):
    """SIGTERM (a test runner's timeout) and a watchdog alarm after `seconds`
    raise Interrupted in the main thread instead of killing the process
    with its servers still running."""
    def interrupted(number, _frame):
        print(f"FAIL interrupted by {signal.Signals(number).name}; stopping the servers")
        raise Interrupted(1)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, interrupted)
    signal.alarm(seconds)


def program_binary():
    """The program under test, as an absolute path (SI_BINARY overrides)."""
    path = os.path.realpath(BINARY)
    if not os.access(path, os.X_OK):
        raise SystemExit(f"FAIL the program {path} is not built (cmake --build … --target stripe-install, "
                         "or set SI_BINARY)")
    return path


# --- templates -------------------------------------------------------------

def render_text(text, values):
    """Replaces @NAME@ by values["NAME"]; a placeholder left over is an error,
    so a template and a test cannot silently drift apart."""
    for name, value in values.items():
        text = text.replace(f"@{name}@", str(value))
    left = sorted(set(PLACEHOLDER.findall(text)))
    if left:
        raise ValueError(f"placeholders without a value: {', '.join(left)}")
    return text


def render(template, destination, values, mode=0o644):
    """Renders the project file `template` (relative to the source tree) into
    `destination`; returns the destination."""
    source = template if os.path.isabs(template) else os.path.join(SOURCE_DIR, template)
    with open(source) as f:
        text = render_text(f.read(), values)
    with open(destination, "w") as f:
        f.write(text)
    os.chmod(destination, mode)
    return destination


def set_lighttpd_max_procs(conf, procs):
    """Sets max-procs in a rendered lighttpd/stripe-install.conf; returns how
    many settings it replaced (1, unless the shipped file changed)."""
    with open(conf) as f:
        text, replaced = re.subn(r'"max-procs"\s*=>\s*\d+', f'"max-procs" => {procs}', f.read())
    with open(conf, "w") as f:
        f.write(text)
    return replaced


def documented_command(template, marker, values):
    """The shell command documented in a template's comments after the line
    containing `marker` ("#   word \\" continuation lines), rendered."""
    with open(os.path.join(SOURCE_DIR, template)) as f:
        lines = f.read().splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line) + 1
    words = []
    for line in lines[start:]:
        body = line.lstrip("#").strip()
        if body.endswith("\\"):
            words.append(body[:-1].strip())
            continue
        words.append(body)
        break
    return render_text(" ".join(words), values)


def _usable_by_others(path):
    """True when a user other than the owner may run `path` (every folder on
    the way searchable, the file executable)."""
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    while True:
        if not os.stat(folder).st_mode & 0o001:
            return False
        if folder == "/":
            break
        folder = os.path.dirname(folder)
    return bool(os.stat(path).st_mode & 0o001)


def python_for(user):
    """A Python interpreter `user` can run (a pyenv under /root is not one)."""
    for candidate in [sys.executable, "/usr/bin/python3", shutil.which("python3")]:
        if candidate and os.path.exists(candidate) and _usable_by_others(candidate):
            return candidate
    raise RuntimeError(f"no python3 that {user} may run; install Debian's python3")


# --- the site on disk -------------------------------------------------------

class Site:
    """A deployment folder outside the web root:
        ROOT/stripe-install.ini   configuration (root:www-data 0640)
        ROOT/var/installs.db      database (folder owned by www-data)
        ROOT/run/                 sockets, pid files, mod_fcgid IPC (www-data)
        ROOT/log/                 server logs
        ROOT/conf/                rendered server configuration
        ROOT/htdocs/              the web root
    """

    def __init__(self, prefix, port, page_path="/stripe/", callback_path="/stripe/callback"):
        self.root = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.root, 0o755)
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.page_url = self.base + page_path
        self.callback_url = self.base + callback_path
        folder = callback_path.rsplit("/", 1)[0]
        self.webhook_url = self.base + folder + "/webhook"
        self.healthz_url = self.base + folder + "/healthz"
        self.user = pwd.getpwnam(RUN_AS)
        for name in ["var", "run", "log", "conf", "htdocs"]:
            self.mkdir(name, owner=name in ("var", "run", "log"))
        self.database = self.path("var", "installs.db")
        self.config = write_config(self.root, redirect_uri=self.callback_url, database=self.database)
        os.chown(self.config, 0, self.user.pw_gid)
        os.chmod(self.config, 0o640)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def mkdir(self, *parts, owner=False, mode=0o755):
        path = self.path(*parts)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
        if owner:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)
        return path

    def values(self, binary, **more):
        values = {"PORT": self.port, "ROOT": self.root, "DOCROOT": self.path("htdocs"), "BINARY": binary,
                  "CONFIG": self.config}
        values.update(more)
        return values

    def installs(self):
        """Every install row, read as www-data (see the module comment)."""
        code = ("import json, sqlite3, sys\n"
                "db = sqlite3.connect(sys.argv[1], timeout=10)\n"
                "db.row_factory = sqlite3.Row\n"
                "print(json.dumps([dict(r) for r in db.execute('SELECT * FROM installs')]))\n")
        if not os.path.exists(self.database):
            return []
        result = subprocess.run([python_for(RUN_AS), "-c", code, self.database], user=RUN_AS, group=RUN_AS,
                                extra_groups=[], capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"reading {self.database} as {RUN_AS} failed: {result.stderr.strip()}")
        return json.loads(result.stdout)

    def log_tail(self, lines=30):
        """The last lines of every log in ROOT/log, for a failure's context."""
        out = []
        for name in sorted(os.listdir(self.path("log"))):
            with open(self.path("log", name), "rb") as f:
                text = f.read().decode("utf-8", "replace").splitlines()[-lines:]
            out.append(f"--- {name}\n" + "\n".join(text))
        return "\n".join(out)

    def remove(self):
        """Deletes the site; SI_KEEP_SITE=1 keeps it (logs, database) and says where."""
        if os.environ.get("SI_KEEP_SITE"):
            print(f"     kept {self.root}")
            return
        shutil.rmtree(self.root, ignore_errors=True)


# --- processes --------------------------------------------------------------

def _read(path, binary=False):
    with contextlib.suppress(OSError):
        with open(path, "rb") as f:
            data = f.read()
        return data if binary else data.decode("utf-8", "replace")
    return None


def program_processes(config_path):
    """{pid: command line} of every live stripe-install process whose
    environment names this configuration: the ones this test's server
    started, never a colleague's."""
    marker = f"STRIPE_INSTALL_CONFIG={config_path}".encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        environ = _read(f"/proc/{entry}/environ", binary=True)
        stat = _read(f"/proc/{entry}/stat")
        if not environ or marker not in environ.split(b"\0") or not stat:
            continue
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            continue  # exited, waiting to be reaped: not running
        with contextlib.suppress(OSError):
            exe = os.readlink(f"/proc/{entry}/exe")
            if os.path.basename(exe).startswith("stripe-install"):
                found[int(entry)] = (_read(f"/proc/{entry}/cmdline") or "").replace("\0", " ").strip()
    return found


def session_processes(session_id):
    """Pids whose session is `session_id` (a server started with
    start_new_session=True leads its own session)."""
    pids = []
    for entry in os.listdir("/proc"):
        stat = _read(f"/proc/{entry}/stat") if entry.isdigit() else None
        if stat:
            fields = stat.rsplit(")", 1)[-1].split()
            if int(fields[3]) == session_id and fields[0] != "Z":
                pids.append(int(entry))
    return pids


def process_user(pid):
    status = _read(f"/proc/{pid}/status") or ""
    match = re.search(r"^Uid:\s+(\d+)", status, re.M)
    return pwd.getpwuid(int(match.group(1))).pw_name if match else None


def wait_until(predicate, timeout, step=0.1):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() >= deadline:
            return value
        time.sleep(step)


def kill_pids(pids):
    """SIGKILL each pid (only pids this test started)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class ServerProcess:
    """One server started in a session of its own; `stop` asks it to stop
    with `stop_signal` and, whatever happens, `cleanup` SIGKILLs what is left
    of that session and of the program processes found by configuration."""

    def __init__(self, name, args, log_path, config_path, env=None, port=None):
        """`config_path`: the configuration (or a list of them) whose program
        processes belong to this server."""
        self.name = name
        self.args = args
        self.log_path = log_path
        self.config_path = config_path
        self.env = env
        self.port = port
        self.process = None
        self.sessions = []

    def start(self, timeout=15.0):
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=self.env, start_new_session=True)
        finally:
            log.close()
        self.sessions.append(self.process.pid)
        if self.port is not None:
            wait_for_port(self.port, self.process, timeout)
        return self

    def send(self, number):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, number)

    def stop(self, stop_signal=signal.SIGTERM, timeout=15.0):
        """Asks the server to stop; True when it exited within `timeout`."""
        if self.process is None:
            return True
        self.send(stop_signal)
        try:
            self.process.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def restart(self, stop_signal=signal.SIGTERM, timeout=15.0):
        """Stops the server (as `stop`) and starts the same command again."""
        stopped = self.stop(stop_signal, timeout)
        self.start()
        return stopped

    def cleanup(self):
        configs = [self.config_path] if isinstance(self.config_path, str) else self.config_path
        leftovers = set()
        for config in configs:
            leftovers.update(program_processes(config))
        for session in self.sessions:
            leftovers.update(session_processes(session))
        kill_pids(sorted(leftovers))
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)


def check_no_orphans(t, config_path, what, timeout=10.0):
    """After a server stopped: no stripe-install process it started remains."""
    remaining = wait_until(lambda: not program_processes(config_path), timeout) or program_processes(config_path)
    remaining = {} if remaining is True else remaining
    t.check(not remaining, f"{what}: no stripe-install process left after the server stopped", remaining)
    kill_pids(remaining)


# --- the install flow through a server ----------------------------------------

def deauthorize_event(account_id, livemode=False):
    now = int(time.time())
    return json.dumps({"id": f"evt_{account_id[5:]}{now}", "object": "event",
                       "type": "account.application.deauthorized", "account": account_id, "created": now,
                       "livemode": livemode, "data": {"object": {}}}, separators=(",", ":"))


class FlowStopped(Exception):
    """The install page did not answer 200, so there is no state to use."""


def one_flow(site, account_id, browser=None):
    """Page → signed callback as Stripe's redirect would carry it; returns
    (page response, state, callback response). Raises on transport errors."""
    browser = browser or Browser(site.base)
    page = browser.get(site.page_url)
    if page.status != 200:
        raise FlowStopped(f"page {page.status}")
    state = query_of(install_link_from_page(page.text))["state"]
    done = browser.get(site.callback_url + "?" + callback_query(state, account_id=account_id, livemode=False))
    return page, state, done, browser


def succeeded(response):
    """A 200 success page (the page names the account it recorded)."""
    return response.status == 200


def check_install_flow(t, site, label, account_id):
    """The whole flow through the web server, each step checked."""
    browser = Browser(site.base)
    page = browser.get(site.page_url)
    t.check(page.status == 200, f"{label}: install page answers 200", page.status)
    cookie = page.header("Set-Cookie") or ""
    t.check("Path=" in cookie, f"{label}: the page sets the browser-binding cookie", cookie)
    folder = site.callback_url[len(site.base):].rsplit("/", 1)[0] + "/"
    t.check(f"Path={folder}" in cookie, f"{label}: cookie Path is the callback's folder {folder}", cookie)
    try:
        link = install_link_from_page(page.text)
    except AssertionError as e:
        t.check(False, f"{label}: page carries an install link", str(e))
        return
    state = query_of(link).get("state", "")
    t.check(bool(state), f"{label}: install link carries a state", link)
    t.check(query_of(link).get("redirect_uri") == site.callback_url, f"{label}: redirect_uri is the callback",
            link)
    css = browser.get(site.base + re.search(r'href="([^"]*style\.css)"', page.text).group(1)) \
        if re.search(r'href="([^"]*style\.css)"', page.text) else None
    t.check(css is not None and css.status == 200, f"{label}: the stylesheet link on the page works",
            css and css.status)

    query = callback_query(state, account_id=account_id, livemode=False)
    done = browser.get(site.callback_url + "?" + query)
    t.check(done.status == 200, f"{label}: signed callback with the cookie → 200 success page",
            f"{done.status} {done.text[:300]}")
    t.check(account_id in done.text, f"{label}: success page names the account")
    rows = [r for r in site.installs() if r["account_id"] == account_id]
    t.check(len(rows) == 1 and rows[0].get("revoked_at") is None, f"{label}: one live install row", rows)

    replay = browser.get(site.callback_url + "?" + query)
    t.check(replay.status == 400, f"{label}: the same callback again → 400 (replay refused)", replay.status)

    body = deauthorize_event(account_id)
    hook = Browser(site.base).request("POST", site.webhook_url, body=body, headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET)})
    t.check(hook.status == 200, f"{label}: signed account.application.deauthorized webhook → 200",
            f"{hook.status} {hook.text[:300]}")
    rows = [r for r in site.installs() if r["account_id"] == account_id]
    t.check(len(rows) == 1 and rows[0].get("revoked_at") is not None, f"{label}: the install row is revoked",
            rows)
    forged = Browser(site.base).request("POST", site.webhook_url, body=body, headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, "whsec_wrong")})
    t.check(forged.status == 400, f"{label}: a webhook signed with another secret → 400", forged.status)

    health = Browser(site.base).get(site.healthz_url)
    t.check(health.status == 200, f"{label}: healthz → 200", health.status)


class FlowLoop:
    """Threads running install flows back to back (unique accounts) until
    stopped; each outcome is kept: (account, callback status or error)."""

    def __init__(self, site, tag, threads=2):
        self.site = site
        self.tag = tag
        self.outcomes = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._counter = 0
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _next_account(self):
        with self._lock:
            self._counter += 1
            return f"acct_{self.tag}{self._counter:06d}"

    def _run(self):
        while not self._stop.is_set():
            account = self._next_account()
            try:
                _, _, done, _ = one_flow(self.site, account)
                outcome = done.status
            except FlowStopped as e:
                outcome = str(e)
                time.sleep(0.05)
            except Exception as e:  # noqa: BLE001 - refused connections during a restart are expected
                outcome = type(e).__name__
                time.sleep(0.05)
            with self._lock:
                self.outcomes.append((time.time(), account, outcome))

    def snapshot(self):
        with self._lock:
            return list(self.outcomes)


def check_restart_outcomes(t, site, label, outcomes, restarted_at):
    """Every callback that got a 200 success page has its install row, and
    the server served successful flows again after the restart."""
    accounts = {r["account_id"] for r in site.installs()}
    ok = [a for _, a, status in outcomes if status == 200]
    missing = [a for a in ok if a not in accounts]
    statuses = {}
    for _, _, status in outcomes:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"     {label}: {len(outcomes)} flows, outcomes {statuses}")
    t.check(len(ok) > 0, f"{label}: install flows succeeded during the run", statuses)
    t.check(not missing, f"{label}: all {len(ok)} callbacks answered 200 have their install row",
            f"missing {missing[:10]}")
    after = [a for when, a, status in outcomes if status == 200 and when > restarted_at]
    t.check(len(after) > 0, f"{label}: flows succeed again after the restart", statuses)
    server_errors = [s for _, _, s in outcomes if isinstance(s, int) and s >= 500]
    print(f"     {label}: {len(server_errors)} answers ≥ 500 during the restart (allowed; no row is lost)")
