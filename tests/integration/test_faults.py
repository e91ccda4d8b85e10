"""Faults around the program, through `stripe-install serve`: a database
directory on a 1 MB tmpfs that fills up, is remounted read-only, or holds a
read-only (immutable), corrupt or deleted database; the database locked by
another process for longer than the busy timeout; templates missing or
broken; the configuration missing a secret, unreadable or with an unknown
key; and `kill -9` in the middle of load.

Each fault must give a clear 5xx (page or JSON), a log line naming the cause,
a process that stays up (or refuses to start, naming the file or key), and
lose nothing already stored. Mounts need root: without it those cases are
skipped (and say so)."""
import contextlib
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time

from servers import install_guards
from si_harness import (APP_SECRET, BINARY, SOURCE_DIR, WEBHOOK_SECRET, Browser, Server, Tally, callback_query,
                        free_port, install_link_from_page, query_of, remove_dir, stripe_signature, temp_dir,
                        write_config)

t = Tally("faults")
IS_ROOT = os.geteuid() == 0
BUSY_MS = 300


# --- helpers ----------------------------------------------------------------

class DbMount:
    """A 1 MB tmpfs at `path` for the database folder; always unmounted."""

    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)

    def __enter__(self):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "si-faults", self.path], check=True)
        return self

    def remount(self, mode):
        subprocess.run(["mount", "-o", f"remount,{mode}", self.path], check=True, capture_output=True)

    def __exit__(self, *exc):
        for name in os.listdir(self.path) if os.path.isdir(self.path) else []:
            subprocess.run(["chattr", "-i", os.path.join(self.path, name)], capture_output=True)
        result = subprocess.run(["umount", self.path], capture_output=True)
        if result.returncode != 0:
            time.sleep(0.5)
            subprocess.run(["umount", "-l", self.path], capture_output=True)


def flow(server, account):
    """Install page → signed callback; the callback's status, or 'page NNN'."""
    browser = Browser(server.base)
    page = browser.get("/")
    if page.status != 200:
        return f"page {page.status}"
    state = query_of(install_link_from_page(page.text))["state"]
    return browser.get("/callback?" + callback_query(state, account_id=account, livemode=False)).status


def accounts(database):
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        return {row[0] for row in db.execute("SELECT account_id FROM installs")}


def integrity(database):
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def webhook(server, account):
    body = ('{"id":"evt_%s%d","object":"event","type":"account.application.deauthorized","account":"%s",'
            '"created":%d,"livemode":false,"data":{"object":{}}}' % (account, time.time_ns(), account, time.time()))
    return Browser(server.base).request("POST", "/webhook", body=body, headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET)})


def check_unavailable(server, label, causes, log_from):
    """GET / answers a clear 503 page, /healthz 5xx JSON or 200, the log
    names one of `causes`, and the process is still up."""
    page = Browser(server.base).get("/")
    t.check(page.status == 503, f"{label}: the install page answers 503", f"{page.status} {page.text[:200]}")
    t.check("Temporarily unavailable" in page.text and "Exception" not in page.text and "/tmp/" not in page.text,
            f"{label}: the 503 page is the plain message (no path, no exception)", page.text[:300])
    health = Browser(server.base).get("/healthz")
    t.check(health.status in (200, 503) and health.text.startswith("{"),
            f"{label}: /healthz answers JSON ({health.status})", health.text[:200])
    log = server.log_text()[log_from:]
    named = [c for c in causes if c in log]
    t.check(bool(named) and "store_unavailable" in log, f"{label}: a log line names the cause ({' | '.join(causes)})",
            log[-600:])
    t.check(server.process.poll() is None, f"{label}: the program is still running")


def check_recovered(server, label, database, before, account):
    # A connection that answered 503 is reopened, and makes every other
    # connection of the process reopen; one opened (read-only) in between
    # may still answer 503 once.
    statuses = []
    for attempt in range(3):
        statuses.append(flow(server, f"{account}{attempt}"))
        if statuses[-1] == 200:
            break
    account = f"{account}{len(statuses) - 1}"
    t.check(statuses[-1] == 200, f"{label}: once fixed, an install succeeds again without a restart", statuses)
    now = accounts(database)
    t.check(before <= now and account in now, f"{label}: nothing stored before is lost",
            f"missing {sorted(before - now)}")
    t.check(integrity(database) == "ok", f"{label}: integrity_check is ok")


def deployment(root, name, **extra):
    folder = os.path.join(root, name)
    os.makedirs(folder)
    port = free_port()
    database = os.path.join(folder, "db", "installs.db")
    os.makedirs(os.path.dirname(database), exist_ok=True)
    settings = {"database.busy_timeout_ms": str(BUSY_MS)}
    settings.update(extra)
    config = write_config(folder, port=port, database=database, extra=settings)
    return folder, port, config, database


def seed(config, port, database, tag):
    """Runs a server once to store two installs; returns their accounts."""
    with Server(config, port, dev=False) as server:
        for i in range(2):
            flow(server, f"acct_{tag}{i}")
    return accounts(database)


# --- database faults ----------------------------------------------------------

def test_disk_full(root):
    folder, port, config, database = deployment(root, "full")
    with DbMount(os.path.dirname(database)), Server(config, port, dev=False) as server:
        t.check(flow(server, "acct_Full0") == 200, "disk full: an install before the fault succeeds")
        before = accounts(database)
        filler = os.path.join(os.path.dirname(database), "filler")
        subprocess.run(f"dd if=/dev/zero of={filler} bs=4k 2>/dev/null", shell=True)
        mark = len(server.log_text())
        check_unavailable(server, "disk full", ["database or disk is full"], mark)
        hook = webhook(server, "acct_Full0")
        t.check(hook.status == 503, "disk full: a webhook answers 503 (Stripe retries it)", hook.status)
        os.unlink(filler)
        check_recovered(server, "disk full", database, before, "acct_Full1")
        rows = {r for r in accounts(database)}
        t.check("acct_Full0" in rows, "disk full: the install recorded before the fault is still there")


def test_locked(root):
    folder, port, config, database = deployment(root, "locked")
    with DbMount(os.path.dirname(database)), Server(config, port, dev=False) as server:
        t.check(flow(server, "acct_Lock0") == 200, "locked: an install before the fault succeeds")
        before = accounts(database)
        holder = sqlite3.connect(database, timeout=1, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            mark = len(server.log_text())
            started = time.time()
            check_unavailable(server, "locked", ["database is locked"], mark)
            t.check(time.time() - started < 10, "locked: the 503 comes after about the busy timeout, not a hang")
            hook = webhook(server, "acct_Lock0")
            t.check(hook.status == 503, "locked: a webhook answers 503 (Stripe retries it)", hook.status)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        check_recovered(server, "locked", database, before, "acct_Lock1")


def test_read_only_directory(root):
    folder, port, config, database = deployment(root, "rodir")
    with DbMount(os.path.dirname(database)) as mount:
        before = seed(config, port, database, "RoDir")
        mount.remount("ro")
        with Server(config, port, dev=False) as server:
            check_unavailable(server, "read-only directory", ["readonly", "read-only", "unable to open"], 0)
            t.check(database in server.log_text(), "read-only directory: the log names the database file")
            mount.remount("rw")
            check_recovered(server, "read-only directory", database, before, "acct_RoDir9")


def test_read_only_file(root):
    folder, port, config, database = deployment(root, "rofile")
    with DbMount(os.path.dirname(database)):
        before = seed(config, port, database, "RoFile")
        chattr = subprocess.run(["chattr", "+i", database], capture_output=True, text=True)
        if chattr.returncode != 0:
            print(f"SKIPPED read-only file: chattr +i failed ({chattr.stderr.strip()})")
            return
        try:
            with Server(config, port, dev=False) as server:
                check_unavailable(server, "read-only file", ["readonly", "read-only", "unable to open"], 0)
                subprocess.run(["chattr", "-i", database], check=True)
                check_recovered(server, "read-only file", database, before, "acct_RoFile9")
        finally:
            subprocess.run(["chattr", "-i", database], capture_output=True)


def test_corrupt(root):
    folder, port, config, database = deployment(root, "corrupt")

    with open(database, "wb") as f:
        f.write(os.urandom(4096 * 3))
    digest = hashlib.sha256(open(database, "rb").read()).hexdigest()
    with Server(config, port, dev=False) as server:
        check_unavailable(server, "not a database", ["file is not a database"], 0)
        hook = webhook(server, "acct_Corrupt0")
        t.check(hook.status == 503, "not a database: a webhook answers 503", hook.status)
    t.check(hashlib.sha256(open(database, "rb").read()).hexdigest() == digest,
            "not a database: the program left the file exactly as it was")
    # A real database with a damaged page: reads of it fail, nothing crashes.
    folder, port, config, database = deployment(root, "damaged")
    seed(config, port, database, "Damaged")
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    with open(database, "r+b") as f:
        for page in range(1, pages):
            f.seek(page * page_size)
            f.write(b"\xff" * page_size)
    with Server(config, port, dev=False) as server:
        statuses = {flow(server, f"acct_Damaged{i}") for i in range(3)}
        t.check(all(s == 200 or s in ("page 503", "page 500", 503, 500) for s in statuses) and
                not statuses <= {200}, "damaged pages: requests answer 5xx, not success", statuses)
        log = server.log_text()
        t.check("malformed" in log or "not a database" in log or "corrupt" in log,
                "damaged pages: the log says the database is malformed", log[-500:])
        t.check(server.process.poll() is None, "damaged pages: the program is still running")


def test_deleted(root):
    folder, port, config, database = deployment(root, "deleted")

    with Server(config, port, dev=False) as server:
        t.check(flow(server, "acct_Deleted0") == 200, "deleted: an install before the fault succeeds")
        backup = database + ".backup"
        with contextlib.closing(sqlite3.connect(database)) as source, \
                contextlib.closing(sqlite3.connect(backup)) as copy:
            source.backup(copy)
        before = accounts(backup)
        for suffix in ["", "-wal", "-shm"]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(database + suffix)
        mark = len(server.log_text())
        check_unavailable(server, "deleted while running", ["database file was deleted or moved"], mark)
        t.check(not os.path.exists(database), "deleted: the program did not silently create a new, empty file")
        status = flow(server, "acct_Deleted1")
        t.check(status != 200, "deleted: no install is 'recorded' into the deleted file", status)
        # Restored from the backup while requests keep coming: each request
        # looks at the file before it takes the store's lock, so some looked
        # before the restore and take the lock after another has reopened
        # the file. The file is reopened, and said so, once.
        mark = len(server.log_text())
        stop = threading.Event()
        statuses = []

        def client(number):
            i = 0
            while not stop.is_set():
                statuses.append(flow(server, f"acct_Restored{number}x{i}"))
                i += 1

        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(0.3)
        os.replace(backup, database)
        time.sleep(0.7)
        stop.set()
        for thread in clients:
            thread.join()
        reopened = server.log_text()[mark:].count("store_reopened")
        t.check(reopened == 1, "deleted, then restored under load: the log says once that it reopened the file",
                f"{reopened} store_reopened lines")
        t.check(200 in statuses, "deleted, then restored under load: installs succeed again", set(statuses))
        check_recovered(server, "deleted, then restored", database, before, "acct_Deleted2")


# --- start-up faults ------------------------------------------------------------

def run_program(args, env=None, user=None, stdin=None):
    environment = dict(os.environ, **(env or {}))
    return subprocess.run([os.path.realpath(BINARY)] + args, capture_output=True, text=True, timeout=30,
                          env=environment, user=user, stdin=stdin)


def run_cgi(config):
    """One plain CGI request (stdin is not a socket), as a CGI host runs it."""
    env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SCRIPT_NAME": "/stripe",
           "QUERY_STRING": "", "STRIPE_INSTALL_CONFIG": config}
    with open(os.devnull) as null:
        return run_program([], env=env, stdin=null)


def test_templates(root):
    for case, breakage, expected in [
        ("missing", lambda d: os.unlink(os.path.join(d, "failure.html")), "failure.html"),
        ("syntax error", lambda d: open(os.path.join(d, "message.html"), "a").write("{{#unclosed}}\n"),
         "message.html"),
        ("unescaped tag", lambda d: open(os.path.join(d, "install.html"), "a").write("{{{app_name}}}\n"),
         "install.html"),
    ]:
        folder = os.path.join(root, "templates-" + case.replace(" ", "-"))
        templates = os.path.join(folder, "templates")
        shutil.copytree(os.path.join(SOURCE_DIR, "templates"), templates)
        breakage(templates)
        port = free_port()
        config = write_config(folder, port=port, templates=templates)
        result = run_program(["serve", "--config", config, "--listen", f"127.0.0.1:{port}"])
        t.check(result.returncode != 0 and expected in result.stderr,
                f"template {case}: serve refuses to start, naming {expected}",
                f"rc={result.returncode} {result.stderr[-300:]}")
        cgi = run_cgi(config)
        t.check(cgi.stdout.startswith("Status: 500") and "Not configured" in cgi.stdout and "{{" not in cgi.stdout,
                f"template {case}: a CGI request gets the plain built-in 500 page", cgi.stdout[:200])
        t.check(expected in cgi.stderr, f"template {case}: the CGI error log names {expected}", cgi.stderr[-300:])

    # Templates removed while running: pages were compiled at start-up.
    folder = os.path.join(root, "templates-runtime")
    templates = os.path.join(folder, "templates")
    shutil.copytree(os.path.join(SOURCE_DIR, "templates"), templates)
    port = free_port()
    config = write_config(folder, port=port, templates=templates)
    with Server(config, port, dev=False) as server:
        shutil.rmtree(templates)
        page = Browser(server.base).get("/")
        t.check(page.status == 200, "templates deleted while running: the compiled pages still render", page.status)
        css = Browser(server.base).get("/assets/style.css")
        t.check(css.status == 404 and "Page not found" in css.text,
                "templates deleted while running: the stylesheet is a plain 404", css.status)
        t.check(flow(server, "acct_Templates0") == 200, "templates deleted while running: installs still work")
        t.check(server.process.poll() is None, "templates deleted while running: still running")


def test_configuration(root):
    folder = os.path.join(root, "config")
    os.makedirs(folder)
    port = free_port()
    for case, extra, env, needle in [
        ("missing app secret", {"stripe.app_secrets": None}, {}, "app_secrets"),
        ("unknown key", {"site.colour": "blue"}, {}, "colour"),
        ("unknown section", {"cache.size": "1"}, {}, "[cache]"),
        ("malformed busy timeout", {"database.busy_timeout_ms": "soon"}, {}, "busy_timeout_ms"),
    ]:
        config = write_config(folder, port=port, extra=extra)
        env = dict(env)
        env.pop("STRIPE_APP_SECRETS", None)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
        result = subprocess.run([os.path.realpath(BINARY), "serve", "--config", config, "--listen",
                                 f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=30, env=clean)
        t.check(result.returncode != 0 and needle in result.stderr,
                f"configuration {case}: refuses to start, naming {needle}", result.stderr[-300:])
        t.check(APP_SECRET not in result.stderr and WEBHOOK_SECRET not in result.stderr,
                f"configuration {case}: no secret in the message")
        cgi = run_cgi(config)
        t.check(cgi.stdout.startswith("Status: 500") and needle in cgi.stderr,
                f"configuration {case}: a CGI request gets 500 and the log names {needle}", cgi.stderr[-200:])
    config = write_config(folder, port=port)
    result = run_program(["serve", "--config", os.path.join(folder, "absent.ini")])
    t.check(result.returncode != 0 and "absent.ini" in result.stderr,
            "configuration file missing: refuses to start, naming the file", result.stderr[-300:])
    if IS_ROOT:
        os.chmod(folder, 0o755)
        os.chmod(config, 0o600)
        result = run_program(["serve", "--config", config, "--listen", f"127.0.0.1:{port}"], user="www-data")
        t.check(result.returncode != 0 and config in result.stderr and "read" in result.stderr,
                "configuration unreadable (0600 root, run as www-data): refuses to start, naming the file",
                result.stderr[-300:])
    else:
        print("SKIPPED unreadable configuration: needs root to run as www-data")


# --- kill -9 under load -----------------------------------------------------------

def test_kill_under_load(root):
    folder, port, config, database = deployment(root, "kill", **{"database.busy_timeout_ms": "5000"})

    outcomes = []
    lock = threading.Lock()
    stop = threading.Event()

    def loop(server, tag):
        n = 0
        while not stop.is_set():
            n += 1
            account = f"acct_Kill{tag}{n:05d}"
            try:
                status = flow(server, account)
            except Exception as e:  # noqa: BLE001 - the server is killed under us
                status = type(e).__name__
            with lock:
                outcomes.append((account, status))

    server = Server(config, port, dev=False)
    server.__enter__()
    try:
        threads = [threading.Thread(target=loop, args=(server, i), daemon=True) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        server.__exit__(None, None, None)
    ok = [a for a, s in outcomes if s == 200]
    print(f"     kill -9: {len(outcomes)} flows, {len(ok)} answered 200 before the kill")
    t.check(len(ok) > 5, "kill -9: installs succeeded under load before the kill", len(ok))
    t.check(integrity(database) == "ok", "kill -9: integrity_check is ok after the kill")
    rows = accounts(database)
    t.check(not [a for a in ok if a not in rows], "kill -9: every callback answered 200 has its install row")
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        consumed = db.execute("SELECT COUNT(*) FROM install_states WHERE consumed_at IS NOT NULL").fetchone()[0]
        partial = db.execute("SELECT COUNT(*) FROM installs WHERE account_id = '' OR user_id = ''"
                             " OR installed_at IS NULL").fetchone()[0]
        recorded = db.execute("SELECT COUNT(*) FROM installs WHERE source = 'callback'").fetchone()[0]
    t.check(partial == 0, "kill -9: no partial install row", partial)
    t.check(consumed == recorded, "kill -9: every consumed state has its install and no install lacks one "
            "(state and install commit together)", f"consumed {consumed}, installs {recorded}")
    with Server(config, port, dev=False) as again:
        t.check(flow(again, "acct_KillAfter0") == 200, "kill -9: after a restart installs succeed")
    t.check(rows <= accounts(database), "kill -9: the restart kept every row")


def main():
    install_guards(seconds=240)  # SIGTERM or a hang: leave through every `finally` (mounts, servers)
    root = temp_dir("si-faults-")
    os.chmod(root, 0o755)
    try:
        if IS_ROOT and shutil.which("mount"):
            t.run(test_disk_full, root)
            t.run(test_locked, root)
            t.run(test_read_only_directory, root)
            t.run(test_read_only_file, root)
        else:
            print("SKIPPED tmpfs faults (disk full, read-only, locked): need root to mount")
        t.run(test_corrupt, root)
        t.run(test_deleted, root)
        t.run(test_templates, root)
        t.run(test_configuration, root)
        t.run(test_kill_under_load, root)
    finally:
        remove_dir(root)
    t.finish()


if __name__ == "__main__":
    main()
