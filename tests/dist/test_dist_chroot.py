"""The `make dist` tarball on a host with no compiler and no Poco.

A minimal Debian root (`debootstrap --variant=minbase bookworm`, from the
mirror this machine's apt already uses) is built once and cached under
/var/cache/stripe-install-test/ (override with SI_DIST_CACHE). Each run
checks the root has no Poco and no compiler, unpacks the tarball into
ROOT/srv/stripe-install, writes a configuration inside the root and, with
`chroot`, answers plain CGI requests: the install page (200, the
browser-binding cookie, the install link), /healthz, `--version`, and a
signed callback whose install row is then read from outside the chroot.

Usage: python3 tests/dist/test_dist_chroot.py [TARBALL]
  TARBALL (or SI_DIST_TARBALL): default the newest
  dist/stripe-install-*-ARCH.tar.gz, running `make dist` if there is none.
  SI_DEBIAN_MIRROR overrides the mirror; SI_DIST_REBUILD=1 rebuilds the root.

Needs root (debootstrap, chroot). Takes minutes the first time (debootstrap),
seconds once the root is cached, hence `make test-dist`, not `make test`.
Standard library only; prints each check, the step timings and
"N passed, M failed"; exits non-zero on failure. If debootstrap cannot reach
a mirror it prints "SKIPPED: ..." with the error and exits 0.
"""
import contextlib
import fcntl
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "../.."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests/integration"))
from si_harness import Tally, callback_query, install_link_from_page, installs, query_of, write_config  # noqa: E402

SUITE = "bookworm"
CACHE = os.environ.get("SI_DIST_CACHE", "/var/cache/stripe-install-test")
ROOT = os.path.join(CACHE, f"{SUITE}-minbase")
MARKER = ROOT + ".ok"  # written only after a complete, verified debootstrap
REDIRECT_URI = "http://127.0.0.1:8080/callback"
ACCOUNT = "acct_DistChroot000001"
UNREACHABLE = re.compile(r"Failed getting release file|Couldn't download|Could not resolve|Temporary failure"
                         r"|Connection refused|Network is unreachable|No route to host|timed out|Unable to connect",
                         re.I)

t = Tally("dist tarball in a debootstrap chroot")
timings = []


@contextlib.contextmanager
def step(name):
    start = time.monotonic()
    print(f"--- {name}", flush=True)
    try:
        yield
    finally:
        timings.append((name, time.monotonic() - start))


def print_timings():
    print("timings:")
    for name, seconds in timings:
        print(f"  {seconds:8.2f}s  {name}")
    print(f"  {sum(s for _, s in timings):8.2f}s  total")


def skip(reason):
    print(f"SKIPPED: {reason}")
    print_timings()
    sys.exit(0)


def run(argv, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(argv, **kwargs)


def apt_mirror():
    """The Debian mirror apt is configured with (a URI serving `bookworm`,
    not the security archive), from the files apt reads."""
    if os.environ.get("SI_DEBIAN_MIRROR"):
        return os.environ["SI_DEBIAN_MIRROR"]
    files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")
                                               + glob.glob("/etc/apt/sources.list.d/*.sources"))
    candidates = []  # (uri, suites)
    for path in files:
        try:
            text = open(path).read()
        except OSError:
            continue
        if path.endswith(".sources"):
            for stanza in re.split(r"\n\s*\n", text):
                fields = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line or line[:1].isspace():
                        continue
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.split()
                if "deb" not in fields.get("types", []) or fields.get("enabled", ["yes"])[0].lower() == "no":
                    continue
                for uri in fields.get("uris", []):
                    candidates.append((uri, fields.get("suites", [])))
        else:
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    candidates.append((words[1], [words[2]]))
    for uri, suites in candidates:
        if SUITE in suites and uri.startswith(("http://", "https://")):
            return uri
    return None


def ensure_debootstrap():
    if shutil.which("debootstrap"):
        return
    got = run(["apt-get", "install", "-y", "debootstrap"], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if got.returncode != 0:
        run(["apt-get", "update"])
        got = run(["apt-get", "install", "-y", "debootstrap"], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if not shutil.which("debootstrap"):
        skip("cannot install debootstrap: " + (got.stderr or got.stdout).strip()[-600:])


def root_is_valid():
    return (os.path.exists(MARKER) and os.path.isfile(os.path.join(ROOT, "usr/bin/env"))
            and os.path.isfile(os.path.join(ROOT, "etc/debian_version")))


def build_root(mirror):
    """debootstrap into ROOT.tmp, then rename: an interrupted run leaves no
    half-built root that a later run would take for a cached one."""
    temporary = ROOT + ".tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    shutil.rmtree(ROOT, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(MARKER)
    argv = ["debootstrap", "--variant=minbase", SUITE, temporary, mirror]
    print("$ " + " ".join(argv), flush=True)
    got = run(argv)
    if got.returncode != 0:
        output = (got.stdout + got.stderr).strip()
        errors = "\n".join(line for line in output.splitlines() if line.startswith(("E:", "W:"))) or output[-1500:]
        shutil.rmtree(temporary, ignore_errors=True)
        if UNREACHABLE.search(output):
            skip(f"debootstrap cannot reach {mirror}:\n{errors}")
        t.check(False, "debootstrap builds the minimal root", f"exit {got.returncode}:\n{errors}")
        t.finish()
    os.rename(temporary, ROOT)
    with open(MARKER, "w") as f:
        f.write(f"{SUITE} minbase from {mirror} at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")


def find_tarball():
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SI_DIST_TARBALL")
    if given:
        return os.path.abspath(given)
    pattern = os.path.join(SOURCE_DIR, "dist", f"stripe-install-*-{platform.machine()}.tar.gz")
    if not glob.glob(pattern):
        got = run(["make", "-C", SOURCE_DIR, "dist"])
        if got.returncode != 0:
            print((got.stdout + got.stderr)[-3000:])
    found = sorted(glob.glob(pattern), key=os.path.getmtime)
    return found[-1] if found else None


def cgi(program, config, path, query="", cookie=None, argv=()):
    """One plain CGI request inside the chroot, with only the CGI variables."""
    env = ["GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=GET", f"PATH_INFO={path}", "SCRIPT_NAME=",
           f"QUERY_STRING={query}", "SERVER_NAME=127.0.0.1", "SERVER_PORT=8080", "SERVER_PROTOCOL=HTTP/1.1",
           "REMOTE_ADDR=127.0.0.1", f"STRIPE_INSTALL_CONFIG={config}"]
    if cookie:
        env.append(f"HTTP_COOKIE={cookie}")
    got = subprocess.run(["chroot", ROOT, "/usr/bin/env", "-i", *env, program, *argv], capture_output=True,
                         timeout=60)
    head, _, body = got.stdout.partition(b"\r\n\r\n")
    if not _:
        head, _, body = got.stdout.partition(b"\n\n")
    headers = [line.split(":", 1) for line in head.decode("latin-1").splitlines() if ":" in line]
    headers = [(k.strip().lower(), v.strip()) for k, v in headers]
    return got, headers, body.decode("utf-8", "replace")


def header(headers, name):
    return [v for k, v in headers if k == name]


mounted = []


def main():
    try:
        checks()
    finally:
        for path in reversed(mounted):
            run(["umount", path])
    print_timings()
    t.finish()


def checks():
    if os.geteuid() != 0:
        skip("needs root (debootstrap and chroot); run `sudo make test-dist`")
    os.makedirs(CACHE, exist_ok=True)
    lock = open(os.path.join(CACHE, ".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # one run at a time uses the cached root

    with step("debootstrap available"):
        ensure_debootstrap()
    with step("minimal Debian root (cached)"):
        mirror = apt_mirror()
        if os.environ.get("SI_DIST_REBUILD") == "1" or not root_is_valid():
            if not mirror:
                skip("no http(s) Debian mirror for bookworm in /etc/apt/sources.list{,.d/*.list,.d/*.sources}")
            build_root(mirror)
            print(f"built {ROOT} from {mirror}")
        else:
            print(f"reusing {ROOT} ({open(MARKER).read().strip()})")
    with step("root has no Poco and no compiler"):
        libdir = os.path.join(ROOT, "usr/lib/x86_64-linux-gnu")
        poco = [n for n in os.listdir(libdir) if "poco" in n.lower()] if os.path.isdir(libdir) else ["<no libdir>"]
        t.check(not poco, "no Poco library in ROOT/usr/lib/x86_64-linux-gnu", poco)
        anywhere = run(["find", ROOT, "-xdev", "-path", os.path.join(ROOT, "srv"), "-prune", "-o", "-iname", "*poco*",
                        "-print"]).stdout.split()
        t.check(not anywhere, "no file named *poco* anywhere in the root", anywhere[:10])
        compilers = [c for c in ["g++", "gcc", "c++", "cc", "clang", "clang++"]
                     if os.path.lexists(os.path.join(ROOT, "usr/bin", c))]
        t.check(not compilers, "no compiler (g++, gcc, c++, cc, clang) in ROOT/usr/bin", compilers)

    with step("tarball (make dist if absent)"):
        tarball = find_tarball()
        t.check(bool(tarball) and os.path.isfile(tarball), "the dist tarball exists", tarball)
        if not tarball or not os.path.isfile(tarball):
            return
        print(f"tarball {tarball}")

    with step("unpack into ROOT/srv/stripe-install and write the config"):
        srv = os.path.join(ROOT, "srv")
        for name in ["stripe-install", "data", "config"]:
            shutil.rmtree(os.path.join(srv, name), ignore_errors=True)
            os.makedirs(os.path.join(srv, name))
        got = run(["tar", "-xzf", tarball, "-C", os.path.join(srv, "stripe-install")])
        t.check(got.returncode == 0, "tar unpacks the tarball", got.stderr)
        top = sorted(os.listdir(os.path.join(srv, "stripe-install")))
        t.check(len(top) == 1 and top[0].startswith("stripe-install-"), "one top folder stripe-install-VERSION-ARCH",
                top)
        bundle = f"/srv/stripe-install/{top[0]}"
        program = f"{bundle}/stripe-install"
        bundled = os.listdir(ROOT + bundle + "/lib") if os.path.isdir(ROOT + bundle + "/lib") else []
        t.check(any("poco" in n.lower() for n in bundled), "the bundle's lib/ carries the Poco libraries", bundled)
        write_config(os.path.join(srv, "config"), redirect_uri=REDIRECT_URI, templates=f"{bundle}/templates",
                     database="/srv/data/installs.db")
        config = "/srv/config/stripe-install.ini"

    with step("libraries resolve inside the chroot (ldd)"):
        got = run(["chroot", ROOT, "/usr/bin/ldd", program])
        t.check(got.returncode == 0 and "not found" not in got.stdout,
                "every library resolves in the chroot", got.stdout + got.stderr)
        poco_lines = [line.split("=>")[1].split()[0] for line in got.stdout.splitlines() if "Poco" in line and "=>" in line]
        t.check(bool(poco_lines) and all(p.startswith(f"{bundle}/lib/") for p in poco_lines),
                "Poco is loaded from the bundle's lib/ ($ORIGIN/lib)", poco_lines)

    with step("without /proc: the loader cannot expand $ORIGIN (note only)"):
        got = subprocess.run(["chroot", ROOT, "/usr/bin/env", "-i", program, "--version"], capture_output=True,
                             text=True, timeout=60)
        print("note: with no /proc in the chroot, " + (
            "the program still starts" if got.returncode == 0 else
            "ld.so cannot read /proc/self/exe to expand DT_RPATH $ORIGIN: " + got.stderr.strip()[:200]))
    with step("mount /proc in the root"):
        proc = os.path.join(ROOT, "proc")
        if not os.path.ismount(proc):
            got = run(["mount", "-t", "proc", "proc", proc])
            t.check(got.returncode == 0, "mount -t proc proc ROOT/proc (a real host always has /proc)", got.stderr)
            if got.returncode == 0:
                mounted.append(proc)

    with step("--version in the chroot"):
        got = subprocess.run(["chroot", ROOT, "/usr/bin/env", "-i", program, "--version"], capture_output=True,
                             text=True, timeout=60)
        t.check(got.returncode == 0 and got.stdout.startswith("stripe-install "),
                "`stripe-install --version` runs in the chroot", (got.stdout + got.stderr)[:400])
        print(f"     {got.stdout.strip().splitlines()[0] if got.stdout.strip() else ''}")

    with step("PostgreSQL module: bundled, resolves and loads in the chroot"):
        module = f"{bundle}/lib/stripe-install-postgresql.so"
        got = run(["chroot", ROOT, "/usr/bin/ldd", program])
        t.check("libpq" not in got.stdout, "the program itself does not link libpq", got.stdout)
        got = run(["chroot", ROOT, "/usr/bin/ldd", module])
        pq = [line.split("=>")[1].split()[0] for line in got.stdout.splitlines() if "libpq" in line and "=>" in line]
        t.check(got.returncode == 0 and "not found" not in got.stdout and bool(pq) and pq[0].startswith(f"{bundle}/lib/"),
                "lib/stripe-install-postgresql.so resolves in the chroot, libpq from the bundle ($ORIGIN)",
                got.stdout + got.stderr)
        pg_dir = os.path.join(ROOT, "srv", "config-pg")
        os.makedirs(pg_dir, exist_ok=True)
        write_config(pg_dir, redirect_uri=REDIRECT_URI, templates=f"{bundle}/templates",
                     database="host=127.0.0.1 port=1 dbname=installs connect_timeout=2",
                     extra={"database.connector": "postgresql"})
        got = subprocess.run(["chroot", ROOT, "/usr/bin/env", "-i", program, "check", "--config",
                              "/srv/config-pg/stripe-install.ini"], capture_output=True, text=True, timeout=60)
        out = got.stdout + got.stderr
        t.check("could not connect to the PostgreSQL server" in out and "not installed" not in out,
                "connector = postgresql loads the module (no server there: \"could not connect\")", out[-600:])

    with step("CGI GET / (install page)"):
        got, headers, body = cgi(program, config, "/")
        t.check(got.stdout.startswith(b"Status: 200"), "GET / answers Status: 200",
                (got.stdout[:300] + got.stderr[-500:]).decode("utf-8", "replace"))
        cookies = [c for c in header(headers, "set-cookie") if c.startswith("stripe_install_browser=")]
        t.check(bool(cookies), "a Set-Cookie with stripe_install_browser", header(headers, "set-cookie"))
        cookie = cookies[0].split(";", 1)[0] if cookies else ""
        try:
            link = install_link_from_page(body)
        except AssertionError:
            link = ""
        t.check("apps/install/link/" in link, "the page carries the install link", body[:300])
        state = query_of(link).get("state", "")
        t.check(bool(state) and query_of(link).get("redirect_uri") == REDIRECT_URI,
                "the install link carries a state and the configured redirect_uri", link)

    with step("CGI GET /healthz"):
        got, headers, body = cgi(program, config, "/healthz")
        try:
            health = json.loads(body)
        except ValueError:
            health = None
        t.check(got.stdout.startswith(b"Status: 200") and health is not None, "GET /healthz answers 200 with JSON",
                (got.stdout[:300] + got.stderr[-300:]).decode("utf-8", "replace"))

    with step("CGI GET /callback (signed, with the cookie)"):
        query = callback_query(state, account_id=ACCOUNT, livemode=False)
        got, headers, body = cgi(program, config, "/callback", query=query, cookie=cookie)
        t.check(got.stdout.startswith(b"Status: 200"), "the signed callback with the cookie answers 200",
                (got.stdout[:400] + got.stderr[-400:]).decode("utf-8", "replace"))
        database = os.path.join(ROOT, "srv/data/installs.db")
        rows = [r for r in installs(database) if r["account_id"] == ACCOUNT] if os.path.exists(database) else []
        t.check(len(rows) == 1 and rows[0].get("revoked_at") is None,
                "the SQLite file in ROOT/srv/data has the install row (read from outside the chroot)", rows)


if __name__ == "__main__":
    main()
