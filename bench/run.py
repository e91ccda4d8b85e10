#!/usr/bin/env python3
"""make bench / make soak: figures only, no timed assertion.

Rows 1-4 run through lighttpd + FastCGI and through Apache + mod_fcgid, each
started from the project's own configuration (lighttpd/stripe-install.conf,
apache/httpd-vhost-fcgid.conf) rendered only for ports and paths, on
127.0.0.1, with wrk (--threads, --connections, --duration). The floor runs
on a server of its own beside the program's, before and after each program
row; a row's ratios are against the two floor runs beside it (server_rows):
  1. floor     a hello-world libfcgi handler (bench/floor_fcgi.cpp) in place
               of the program: the transport's ceiling
  2. page      GET /stripe/ (mint + store state + render)
  3. callback  every request a distinct state minted beforehand through the
               same server (untimed), with its own cookie, signed as Stripe
               signs it: verify + consume + record + render
  4. webhook   POST /stripe/webhook, every request a distinct signed event
Row 3b (lighttpd only) is the callback row again with `[database] connector =
postgresql`: a private cluster started for it by tests/pg/pg-cluster.sh on a
free port and stopped afterwards, whatever happens (--postgres 0, or
BENCH_POSTGRES=0, skips it; without PostgreSQL installed it is skipped with a
note).
Row 5 is plain CGI: the program started once per request with a CGI
environment (process start, configuration, database open, mint, render),
timed by hyperfine -N beside bench/cgi_floor.c in the same run.

Peak RSS is the largest resident set of any one program process, sampled
every 0.2 s during the row. Standard library only; run as root (the servers
hand the program to www-data, as a Debian install does).
"""
import argparse
import contextlib
import datetime
import glob
import json
import os
import platform
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))

from servers import ServerProcess, Site, free_port, render, set_lighttpd_max_procs  # noqa: E402
from si_harness import WEBHOOK_SECRET, callback_query, stripe_signature, write_config  # noqa: E402

MODULES = "/usr/lib/apache2/modules"
PG_CLUSTER = os.path.join(SOURCE_DIR, "tests", "pg", "pg-cluster.sh")


# --- the machine --------------------------------------------------------------

def machine(build_dir):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cache = {}
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            match = re.match(r"^(CMAKE_BUILD_TYPE|CMAKE_CXX_COMPILER):[A-Z]+=(.*)$", line.strip())
            if match:
                cache[match.group(1)] = match.group(2)
    compiler = cache.get("CMAKE_CXX_COMPILER", "c++")
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout.splitlines()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    hyperfine = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "compiler": version[0] if version else compiler, "build_type": cache.get("CMAKE_BUILD_TYPE", "?"),
            "wrk": wrk[0].split(" Copyright")[0] if wrk else "wrk", "hyperfine": hyperfine,
            "load_before": os.getloadavg()[0]}


# --- program processes and their memory ----------------------------------------

def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def processes(config, binary):
    """Pids of live processes running `binary` with this configuration in their environment."""
    marker = f"STRIPE_INSTALL_CONFIG={config}".encode()
    real = os.path.realpath(binary)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        environ = _read(f"/proc/{entry}/environ")
        if not environ or marker not in environ.split(b"\0"):
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") == real:
                found.append(int(entry))
        except OSError:
            pass
    return found


def status_kb(pid, field):
    text = (_read(f"/proc/{pid}/status") or b"").decode()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


class RssSampler:
    """Largest VmRSS of any one program process while it runs; process count seen."""

    def __init__(self, config, binary):
        self.config, self.binary = config, binary
        self.peak_kb, self.private_kb, self.pids = 0, 0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid in processes(self.config, self.binary):
                self.pids.add(pid)
                self.peak_kb = max(self.peak_kb, status_kb(pid, "VmRSS"))
                rollup = (_read(f"/proc/{pid}/smaps_rollup") or b"").decode()
                private = sum(int(n) for n in re.findall(r"^Private_(?:Clean|Dirty):\s+(\d+) kB", rollup, re.M))
                self.private_kb = max(self.private_kb, private)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- wrk ------------------------------------------------------------------------

def lua_script(workdir, name):
    """bench/report.lua + bench/NAME.lua in one file (wrk loads one script)."""
    path = os.path.join(workdir, f"{name}.lua")
    with open(path, "w") as out:
        for part in ["report.lua", f"{name}.lua"] if name != "report" else ["report.lua"]:
            with open(os.path.join(HERE, part)) as f:
                out.write(f.read() + "\n")
    return path


def wrk(args, url, script, script_args=(), duration=None):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{int(duration or args.duration)}s",
               "--timeout", "10s", "-s", script, url]
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {done.stdout}\n{done.stderr}")
    result = json.loads(line[len("BENCH_JSON "):])
    seconds = result["duration_us"] / 1e6
    errors = result["connect"] + result["read"] + result["write"] + result["status"] + result["timeout"]
    return {"requests": result["requests"], "seconds": round(seconds, 2),
            "rps": round(result["requests"] / seconds, 1) if seconds else 0.0,
            "p50_ms": round(result["p50_us"] / 1000, 2), "p99_ms": round(result["p99_us"] / 1000, 2),
            "max_ms": round(result["max_us"] / 1000, 2), "errors": errors,
            "error_detail": {k: result[k] for k in ["connect", "read", "write", "status", "timeout"] if result[k]},
            "ran_out_of_prepared_requests": bool(result["exhausted"])}


def measured(args, site, binary, run):
    with RssSampler(site.config, binary) as sampler:
        row = run()
    row["peak_rss_mb"] = round(sampler.peak_kb / 1024, 1)
    row["peak_private_mb"] = round(sampler.private_kb / 1024, 1)
    row["processes"] = len(sampler.pids)
    return row


# --- prepared requests ----------------------------------------------------------

def mint(args, site, workdir, seconds):
    """Untimed: fresh (state, cookie) pairs through the server; returns the
    prefix of the callback requests (PreparedRequests) and their count."""
    prefix = os.path.join(workdir, "minted")
    for old in glob.glob(prefix + ".*"):
        os.remove(old)
    wrk(args, site.page_url, lua_script(workdir, "mint"), [prefix], duration=seconds)
    callback_path = site.callback_url[len(site.base):]
    count = 0
    with PreparedRequests(workdir, "callbacks", site.callback_url, args.threads) as out:
        for part in sorted(glob.glob(prefix + ".*")):
            with open(part) as f:
                for line in f:
                    state, cookie = line.rstrip("\n").split("\t")
                    count += 1
                    query = callback_query(state, account_id=f"acct_Bench{os.getpid()}x{count:08d}", livemode=False)
                    out.add("GET", f"{callback_path}?{query}", {"Cookie": cookie})
    for part in glob.glob(prefix + ".*"):
        os.remove(part)  # unwritten pages of a removed file are dropped, not written back
    return out.prefix, count


class PreparedRequests:
    """Whole HTTP requests, written before a row for bench/replay.lua to
    send each once: request k goes to PREFIX.<1 + k mod threads>, the file
    of wrk's thread of that id, NUL-separated. They are built here, as
    wrk.format would build them, so that wrk's threads do no per-request
    work the floor's static request does not: formatting them in Lua for
    each request (as replay.lua did until 2026-12-01) took enough of the
    2-core machine's CPU from the server to cost the callback row a tenth to
    a fifth of its req/s, and made its p99 partly wrk's own. And a wrk thread
    starts sending as soon as it is initialised, before the next one is and
    before wrk's clock starts: a thread's init must be short (one read)."""

    def __init__(self, workdir, name, url, threads):
        self.prefix = os.path.join(workdir, name)
        self.host = urllib.parse.urlsplit(url).netloc
        self.files = [open(f"{self.prefix}.{i + 1}", "wb") for i in range(threads)]
        self.count = 0

    def add(self, method, path, headers, body=None):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        payload = body.encode() if body is not None else b""
        if body is not None:
            lines.append(f"Content-Length: {len(payload)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        if b"\0" in request:
            raise ValueError("a prepared request cannot hold a NUL byte (the separator)")
        self.files[self.count % len(self.files)].write(request + b"\0")
        self.count += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for f in self.files:
            written_out(f)
            f.close()


def written_out(f):
    """Puts a prepared-request file (tens of MB) on disk before the row that
    reads it. Left to the kernel, its writeback came during the measured
    row, and the program's fsyncs waited for it (ext4's ordered mode writes
    a file's newly allocated blocks before the journal commit that an fsync
    needs): the webhook row ran just after writing ~75 MB of events, with
    150 MB dirty, and the floor, which never syncs, does not pay that."""
    f.flush()
    os.fsync(f.fileno())


def webhook_events(args, site, workdir, count, tag):
    """count distinct signed events for the webhook row; returns the prefix."""
    now = int(time.time())
    webhook_path = site.webhook_url[len(site.base):]
    with PreparedRequests(workdir, "webhooks", site.webhook_url, args.threads) as out:
        for i in range(count):
            body = json.dumps({"id": f"evt_bench{tag}x{i:08d}", "object": "event",
                               "type": "account.application.authorized", "account": f"acct_Hook{tag}x{i:08d}",
                               "created": now, "livemode": False, "data": {"object": {}}}, separators=(",", ":"))
            out.add("POST", webhook_path, {"Content-Type": "application/json",
                                           "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET, now)}, body)
    return out.prefix


# --- servers ----------------------------------------------------------------------

def start_lighttpd(site, binary, max_procs=None):
    conf = render("lighttpd/stripe-install.conf", site.path("conf", "lighttpd.conf"), site.values(binary))
    if max_procs and set_lighttpd_max_procs(conf, max_procs) != 1:
        raise RuntimeError("lighttpd/stripe-install.conf no longer sets max-procs")
    server = ServerProcess("lighttpd", [shutil.which("lighttpd", path="/usr/sbin:/usr/bin"), "-D", "-f", conf],
                           site.path("log", "lighttpd-stdout.log"), site.config, port=site.port)
    return server.start()


def start_apache(site, binary):
    site.mkdir("run", "fcgid", owner=True)
    vhost = render("apache/httpd-vhost-fcgid.conf", site.path("conf", "vhost.conf"), site.values(binary))
    conf = render(os.path.join(HERE, "httpd-bench.conf.in"), site.path("conf", "httpd.conf"),
                  site.values(binary, VHOST_CONF=vhost))
    server = ServerProcess("apache", [shutil.which("apache2", path="/usr/sbin:/usr/bin"), "-f", conf,
                                      "-DFOREGROUND"], site.path("log", "apache-stdout.log"), site.config,
                           port=site.port)
    return server.start()


STARTERS = {"lighttpd": start_lighttpd, "apache": start_apache}


@contextlib.contextmanager
def serving(name, binary, configure=None, **server_options):
    """A server (STARTERS[name]) running `binary` on a site of its own, for
    the `with` block; stopped and removed afterwards."""
    site = Site(f"si-bench-{name}-", free_port())
    if configure:
        configure(site)
    server = STARTERS[name](site, binary, **server_options)
    try:
        yield site
    finally:
        server.stop()
        server.cleanup()
        for pid in processes(site.config, binary):
            os.kill(pid, signal.SIGKILL)
        site.remove()


def with_server(name, binary, body, configure=None, **server_options):
    with serving(name, binary, configure, **server_options) as site:
        return body(site)


# The longest warm-up: mod_fcgid starts processes on demand, about one a
# second once past its spawn score, so 32 take 20-odd seconds.
WARM_UP_AT_MOST_S = 40


def warm(args, site, workdir, binary=None):
    """Untimed page requests until the server has started the processes it
    will run (given `binary`: until a round starts no more of them), so that
    each row measures the server as it runs, not while it is still starting."""
    script = lua_script(workdir, "report")
    wrk(args, site.page_url, script, duration=args.warmup)
    if binary is None:
        return
    deadline = time.monotonic() + WARM_UP_AT_MOST_S
    running = len(processes(site.config, binary))
    while time.monotonic() < deadline:
        wrk(args, site.page_url, script, duration=args.warmup)
        now = len(processes(site.config, binary))
        if now <= running:
            return
        running = now


def server_rows(args, name, floor, program, workdir):
    """Rows 1-4 through one server. The floor runs on a server of its own
    beside the program's (each idle while the other is measured), before
    and after every program row: floor, page, floor, callback, floor,
    webhook, floor. A row's ratios are against the mean of the floor runs
    just before and after it (its "vs_floor"), so that a machine that
    drifts over the minutes of a sequence (a shared host's neighbours) moves
    the row and its reference together; the floor row itself is the mean of
    its runs, each kept in "runs". Every measured run follows a short
    untimed round on its server (args.warmup seconds of page requests), so
    that neither starts from caches the other has just used."""
    report = lua_script(workdir, "report")
    replay = lua_script(workdir, "replay")
    floor_runs, floor_before, rows = [], {}, {}
    with serving(name, floor) as floor_site, serving(name, program) as site:
        warm(args, floor_site, workdir, floor)
        warm(args, site, workdir, program)

        def run_floor():
            wrk(args, floor_site.page_url, report, duration=args.warmup)
            floor_runs.append(measured(args, floor_site, floor, lambda: wrk(args, floor_site.page_url, report)))

        def run_program(key, url, script, script_args=()):
            wrk(args, site.page_url, report, duration=args.warmup)
            rows[key] = measured(args, site, program, lambda: wrk(args, url, script, script_args))
            floor_before[key] = len(floor_runs) - 1  # index into the floor's runs

        run_floor()
        run_program("page", site.page_url, report)
        path, count = mint(args, site, workdir, args.duration * 1.5)
        run_floor()
        run_program("callback", site.callback_url, replay, [path])
        rows["callback"]["prepared"] = count
        events = max(20000, int(rows["page"]["rps"] * args.duration * 2))
        hooks = webhook_events(args, site, workdir, events, f"{name}{os.getpid()}")
        run_floor()
        run_program("webhook", site.webhook_url, replay, [hooks])
        rows["webhook"]["prepared"] = events
        run_floor()
    for key, before in floor_before.items():
        rows[key]["vs_floor"] = floor_reference(floor_runs, before)
    rows["floor"] = floor_summary(floor_runs)
    return rows


def floor_reference(floor_runs, before):
    """What a program row is compared with: the mean of the floor run before
    it (index `before`) and the one after it."""
    runs = floor_runs[before:before + 2]
    mean = floor_summary(runs)
    return {"rps": mean["rps"], "p99_ms": mean["p99_ms"], "floor_runs": [before + 1 + i for i in range(len(runs))]}


def floor_summary(runs):
    """The floor row: the mean of its runs' rates and latencies, the sum of
    their requests and errors, the largest RSS; each run in "runs"."""
    mean = lambda key: sum(r[key] for r in runs) / len(runs)  # noqa: E731
    return {"rps": round(mean("rps"), 1), "p50_ms": round(mean("p50_ms"), 2), "p99_ms": round(mean("p99_ms"), 2),
            "max_ms": max(r["max_ms"] for r in runs), "requests": sum(r["requests"] for r in runs),
            "seconds": round(sum(r["seconds"] for r in runs), 2), "errors": sum(r["errors"] for r in runs),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "peak_private_mb": max(r["peak_private_mb"] for r in runs),
            "processes": max(r["processes"] for r in runs), "runs": runs}


# --- PostgreSQL -------------------------------------------------------------------

def postgres_missing():
    """Why a private cluster cannot be started here, or None."""
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "PostgreSQL is not installed (apt-get install postgresql)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user to run the cluster as (apt-get install postgresql)"
    return None


class PgCluster:
    """tests/pg/pg-cluster.sh start in a temporary folder; on leaving, stop
    it and remove the folder, whatever happened (a failed start included)."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="si-bench-pg-")
        try:
            done = subprocess.run([PG_CLUSTER, "start", self.dir], capture_output=True, text=True, timeout=180)
            if done.returncode != 0:
                raise RuntimeError(f"the private cluster did not start: {done.stderr.strip()[-800:]}")
            self.conninfo = done.stdout.strip().splitlines()[-1]
            with open(os.path.join(self.dir, "password")) as f:
                self.password = f.read().strip()
            self.bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                 key=lambda p: [int(n) for n in re.findall(r"\d+", p)])[-1]
            version = subprocess.run([os.path.join(self.bindir, "postgres"), "--version"], capture_output=True,
                                     text=True).stdout.strip()
            match = re.search(r"\(PostgreSQL\) (\S+)", version)
            self.version = f"PostgreSQL {match.group(1)}" if match else version
            return self
        except BaseException:
            self.__exit__()
            raise

    def scalar(self, sql):
        """One value, read through the cluster's own socket as its owner."""
        with open(os.path.join(self.dir, "port")) as f:
            port = f.read().strip()
        psql = os.path.join(self.bindir, "psql")
        done = subprocess.run(["runuser", "-u", "postgres", "--", psql, "-h", self.dir, "-p", port, "-U", "si",
                               "-d", "si", "-qAtX", "-c", sql], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"psql: {done.stderr.strip()}")
        return done.stdout.strip()

    def __exit__(self, *exc):
        try:
            subprocess.run([PG_CLUSTER, "stop", self.dir], capture_output=True, timeout=120)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# lighttpd's max-procs for row 3b: what docs/multi-host.md recommends.
POSTGRES_MAX_PROCS = 2


def postgres_rows(args, program, workdir, results):
    """Row 3b through lighttpd + FastCGI: the callback row (same server
    configuration, same wrk parameters, states minted the same way) with the
    program's database in a private PostgreSQL cluster. Returns the row, or
    None with a note in results["notes"]."""
    if not args.postgres:
        results["notes"].append("3b. callback (PostgreSQL): skipped on purpose (BENCH_POSTGRES=0)")
        return None
    missing = postgres_missing()
    if missing:
        results["notes"].append(f"3b. callback (PostgreSQL): skipped: {missing} (BENCH_POSTGRES=0 to skip "
                                "it on purpose)")
        return None
    rows = {}
    try:
        with PgCluster() as cluster:
            def configure(site):
                password_file = site.path("conf", "pg-password")
                with open(password_file, "w") as f:
                    f.write(cluster.password + "\n")
                os.chown(password_file, 0, site.user.pw_gid)
                os.chmod(password_file, 0o640)
                write_config(site.root, redirect_uri=site.callback_url, extra={
                    "database.connector": "postgresql", "database.connection": cluster.conninfo,
                    "database.password_file": password_file})

            def body(site):
                warm(args, site, workdir)
                path, count = mint(args, site, workdir, args.duration * 1.5)
                replay = lua_script(workdir, "replay")
                rows["callback"] = measured(args, site, program, lambda: wrk(
                    args, site.callback_url, replay, [path]))
                rows["callback"]["prepared"] = count

            # As docs/multi-host.md sets it up: each process holds one
            # connection, so more than one process.
            with_server("lighttpd", program, body, configure, max_procs=POSTGRES_MAX_PROCS)
            rows["callback"]["postgresql"] = cluster.version
            # The figures are PostgreSQL's: the installs are in the cluster.
            row = rows["callback"]
            row["installs_in_postgresql"] = int(cluster.scalar("SELECT count(*) FROM installs"))
        results["notes"].append(
            f"3b. callback (PostgreSQL): {row['postgresql']}, a private cluster on 127.0.0.1 over TCP "
            f"(scram-sha-256, fsync=off), lighttpd max-procs {POSTGRES_MAX_PROCS} as docs/multi-host.md sets it; "
            f"{row['installs_in_postgresql']:,} installs recorded in it")
    except Exception as e:  # noqa: BLE001 - an optional row: say why, keep the others
        print(f"bench: callback (PostgreSQL) failed: {e}", file=sys.stderr, flush=True)
        results["notes"].append(f"3b. callback (PostgreSQL): FAILED: {e}")
        return None
    return rows["callback"]


# --- plain CGI ----------------------------------------------------------------------

def cgi_row(args, program, cgi_floor, workdir):
    site_dir = tempfile.mkdtemp(prefix="si-bench-cgi-", dir=workdir)
    from si_harness import write_config
    database = os.path.join(site_dir, "installs.db")
    config = write_config(site_dir, redirect_uri="http://127.0.0.1/stripe/callback", database=database)
    env = dict(os.environ, GATEWAY_INTERFACE="CGI/1.1", REQUEST_METHOD="GET", SCRIPT_NAME="/stripe",
               PATH_INFO="/", QUERY_STRING="", SERVER_NAME="127.0.0.1", SERVER_PORT="80", HTTP_HOST="127.0.0.1",
               REMOTE_ADDR="127.0.0.1", SERVER_PROTOCOL="HTTP/1.1", STRIPE_INSTALL_CONFIG=config)
    env.pop("STRIPE_INSTALL_THREADS", None)

    def once(command):
        """One request, checked, with its peak RSS (the first creates the database)."""
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        out, err = process.communicate()
        status = out.split(b"\r\n", 1)[0].decode("latin-1")
        if process.returncode != 0 or "200" not in status:
            raise RuntimeError(f"{command[0]} as CGI answered {status!r}: {err.decode()[-500:]}")

    for command in ([program], [cgi_floor, database]):
        once(command)
    peak_rss = os.path.join(os.path.dirname(cgi_floor), "peak-rss")
    rss = {}
    for key, command in (("program", [program]), ("floor", [cgi_floor, database])):
        done = subprocess.run([peak_rss, *command], env=env, capture_output=True, text=True, check=True)
        rss[key] = round(int(done.stdout.strip()) / 1024, 1)
    export = os.path.join(workdir, "hyperfine.json")
    subprocess.run(["hyperfine", "-N", "--style", "none", "--warmup", "10", "--runs", str(args.cgi_runs),
                    "--export-json", export, "-n", "program", program, "-n", "floor",
                    f"{cgi_floor} {database}"], env=env, check=True, stdout=subprocess.DEVNULL)
    with open(export) as f:
        results = {r["command"]: r for r in json.load(f)["results"]}

    def summary(key):
        r = results[key]
        times = sorted(r["times"])
        return {"runs": len(times), "mean_ms": round(r["mean"] * 1000, 2), "stddev_ms": round(r["stddev"] * 1000, 2),
                "median_ms": round(r["median"] * 1000, 2), "p99_ms": round(times[int(0.99 * (len(times) - 1))] * 1000, 2),
                "rps": round(1 / r["mean"], 1), "peak_rss_mb": rss[key], "errors": 0}

    return {"program": summary("program"), "floor": summary("floor")}


# --- the table ------------------------------------------------------------------------

def ratio(a, b):
    return round(a / b, 2) if b else None


def sound(row):
    """A row whose figures mean something: enough requests, under 1 % errors."""
    return row["requests"] >= 100 and row["errors"] <= 0.01 * row["requests"]


def reference(rows, key):
    """The floor figures row `key` is compared with: the floor runs beside
    it (server_rows), or, for a row without them (3b, run on a server of
    its own afterwards), the floor row."""
    return rows[key].get("vs_floor", rows["floor"])


def targets(results):
    checks = []
    for server, rows in results["servers"].items():
        for name in ["page", "callback"]:
            r = ratio(rows[name]["rps"], reference(rows, name)["rps"])
            checks.append({"target": f"{server} {name} req/s ≥ 50 % of floor", "value": r,
                           "met": sound(rows[name]) and r is not None and r >= 0.5})
        for name in ["page", "callback", "webhook"]:
            r = ratio(rows[name]["p99_ms"], reference(rows, name)["p99_ms"])
            checks.append({"target": f"{server} {name} p99 ≤ 2× floor p99", "value": r,
                           "met": sound(rows[name]) and r is not None and r <= 2})
        peak = max(rows[n]["peak_rss_mb"] for n in ["page", "callback", "webhook"])
        checks.append({"target": f"{server} ≤ 10 MB RSS per FastCGI process", "value": peak, "met": peak <= 10})
    if "cgi" in results:
        r = ratio(results["cgi"]["program"]["mean_ms"], results["cgi"]["floor"]["mean_ms"])
        checks.append({"target": "plain CGI cold request ≤ 1.5× CGI floor", "value": r, "met": r is not None and r <= 1.5})
    return checks


def table(results):
    m = results["machine"]
    lines = [f"stripe-install benchmark, {results['date']}",
             f"machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}; load average before: {m['load_before']:.2f}",
             f"compiler: {m['compiler']}; build type: {m['build_type']}; {m['wrk']} -t{results['params']['threads']} "
             f"-c{results['params']['connections']} -d{results['params']['duration']}s; {m['hyperfine']}",
             "",
             "| server | row | req/s | p50 ms | p99 ms | errors | peak RSS/process MB (private) | vs floor req/s | vs floor p99 |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    labels = {"floor": "1. floor (hello FastCGI)", "page": "2. install page", "callback": "3. callback (full path)",
              "callback_postgresql": "3b. callback (PostgreSQL)", "webhook": "4. webhook"}
    for server, rows in results["servers"].items():
        for key in ["floor", "page", "callback", "callback_postgresql", "webhook"]:
            if key not in rows:
                continue
            r = rows[key]
            label = labels[key] + (f", mean of {len(r['runs'])} runs" if key == "floor" and "runs" in r else "")
            versus = "" if key == "floor" else reference(rows, key)
            lines.append(f"| {server} | {label} | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | "
                         f"{r['peak_rss_mb']} ({r['peak_private_mb']}), {r['processes']} proc | "
                         f"{'' if key == 'floor' else format(ratio(r['rps'], versus['rps']), '.2f')} | "
                         f"{'' if key == 'floor' else format(ratio(r['p99_ms'], versus['p99_ms']), '.2f')} |")
    if "cgi" in results:
        c = results["cgi"]
        for key, label in (("floor", "5. CGI floor (C + SQLite insert)"), ("program", "5. plain CGI cold request")):
            r = c[key]
            lines.append(f"| exec (hyperfine -N, {r['runs']} runs) | {label} | {r['rps']:,.0f} | {r['median_ms']} "
                         f"(mean {r['mean_ms']} ± {r['stddev_ms']}) | {r['p99_ms']} | {r['errors']} | {r['peak_rss_mb']} | | "
                         f"{'' if key == 'floor' else format(ratio(r['mean_ms'], c['floor']['mean_ms']), '.2f') + '× floor time'} |")
    lines.append("")
    for server, rows in results["servers"].items():
        runs = rows["floor"].get("runs")
        if runs:
            lines.append(f"{server} floor runs, in order (req/s, p99 ms): " + "; ".join(
                f"{i}: {r['rps']:,.0f}, {r['p99_ms']}" for i, r in enumerate(runs, 1)) +
                "; each program row is compared with the runs just before and after it (" + ", ".join(
                f"{key} {'+'.join(map(str, rows[key]['vs_floor']['floor_runs']))}"
                for key in ("page", "callback", "webhook") if "vs_floor" in rows.get(key, {})) + ")")
    if results.get("notes"):
        lines.extend(results["notes"])
    lines.append("")
    for check in results["targets"]:
        lines.append(f"{'met  ' if check['met'] else 'UNMET'} {check['target']}: {check['value']}")
    return "\n".join(lines)


# --- soak -----------------------------------------------------------------------------

def soak(args, program, workdir):
    """Through args.soak_server (lighttpd + FastCGI, or Apache + mod_fcgid,
    where the processes share one writer): page (minting), callback and
    webhook rounds until args.soak requests; RSS and open fds of every
    program process after each round."""
    samples = []

    def body(site):
        total, round_number = 0, 0
        replay = lua_script(workdir, "replay")
        while total < args.soak:
            round_number += 1
            path, count = mint(args, site, workdir, args.duration)
            done = wrk(args, site.callback_url, replay, [path])
            hooks = webhook_events(args, site, workdir, max(5000, count), f"soak{round_number}x{os.getpid()}")
            hooked = wrk(args, site.webhook_url, replay, [hooks])
            total += count + done["requests"] + hooked["requests"]
            pids = sorted(processes(site.config, program))
            sample = {"requests": total, "round": round_number,
                      "rss_kb": {p: status_kb(p, "VmRSS") for p in pids}, "fds": {p: open_fds(p) for p in pids},
                      "errors": done["errors"] + hooked["errors"]}
            samples.append(sample)
            print(f"soak: {total:,} requests; RSS kB {list(sample['rss_kb'].values())}; "
                  f"fds {list(sample['fds'].values())}; errors this round {sample['errors']}", flush=True)

    with_server(args.soak_server, program, body)
    return samples


# --- main ------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(SOURCE_DIR, "build-bench"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--cgi-runs", type=int, default=300)
    parser.add_argument("--servers", default="lighttpd,apache")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    parser.add_argument("--postgres", type=int, default=int(os.environ.get("BENCH_POSTGRES", "1") or "1"),
                        help="1: row 3b, the callback with the database in a private PostgreSQL cluster "
                             "(lighttpd only); 0: skip it")
    parser.add_argument("--soak", type=int, default=0, help="soak instead: this many requests")
    parser.add_argument("--soak-server", default="lighttpd", choices=sorted(STARTERS),
                        help="the server the soak runs through (default lighttpd)")
    args = parser.parse_args()

    if os.geteuid() != 0:
        sys.exit("bench: run as root (the servers hand the program to www-data)")
    program = os.path.join(args.build, "stripe-install")
    floor = os.path.join(args.build, "bench", "bench-floor-fcgi")
    cgi_floor = os.path.join(args.build, "bench", "cgi-floor")
    for path in (program, floor, cgi_floor):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {path} is not built (make bench builds it)")
    # A SIGTERM (a runner's timeout) leaves through every `finally`: servers
    # and the PostgreSQL cluster are stopped.
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    workdir = tempfile.mkdtemp(prefix="si-bench-")
    os.chmod(workdir, 0o755)
    try:
        if args.soak:
            samples = soak(args, program, workdir)
            out = os.path.join(os.path.dirname(args.out), "soak.json")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "w") as f:
                json.dump({"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                           "machine": machine(args.build), "samples": samples}, f, indent=1)
            first, last = samples[min(1, len(samples) - 1)], samples[-1]
            print(f"soak: after round {first['round']}: RSS kB {list(first['rss_kb'].values())}, fds "
                  f"{list(first['fds'].values())}; at the end ({last['requests']:,} requests): RSS kB "
                  f"{list(last['rss_kb'].values())}, fds {list(last['fds'].values())} (written to {out})")
            return
        results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "machine": machine(args.build),
                   "params": {"threads": args.threads, "connections": args.connections, "duration": args.duration},
                   "servers": {}, "notes": []}
        servers = [s for s in args.servers.split(",") if s]
        for name in servers:
            print(f"bench: {name} …", file=sys.stderr, flush=True)
            results["servers"][name] = server_rows(args, name, floor, program, workdir)
            if name == "lighttpd":
                print("bench: lighttpd, callback with PostgreSQL …", file=sys.stderr, flush=True)
                row = postgres_rows(args, program, workdir, results)
                if row is not None:
                    results["servers"][name]["callback_postgresql"] = row
        if args.postgres and "lighttpd" not in servers:
            results["notes"].append("3b. callback (PostgreSQL): not run (it runs through lighttpd only)")
        if args.cgi_runs > 0:
            print("bench: plain CGI …", file=sys.stderr, flush=True)
            results["cgi"] = cgi_row(args, program, cgi_floor, workdir)
        results["targets"] = targets(results)
        results["table"] = table(results)
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
        print(results["table"])
        print(f"\n(written to {os.path.relpath(args.out)})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
