"""Drop-in deployment behind Apache 2.4 + mod_fcgid, both shipped layouts in
one Apache (apache/httpd-test.conf.in, rendered only for ports and paths):

  * apache/httpd-vhost-fcgid.conf on PORT: Alias /stripe → the program,
    FcgidInitialEnv for the configuration, up to 32 processes;
  * apache/.htaccess in DOCROOT/stripe/ on SHARED_PORT: the shared-hosting
    layout (FcgidWrapper = cgi-bin/stripe-install.cgi, mod_rewrite pretty
    addresses, configuration and database outside the web root, *.ini/*.db
    refused).

Checks the install flow, replay, webhook revocation and healthz through
both; several processes under concurrent load; `apache2 -k graceful` under
a loop of install flows losing no recorded install; and no program process
left once Apache stopped. Apache refuses to run as root: User www-data."""
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import time

from servers import (FlowLoop, ServerProcess, Site, check_install_flow, check_no_orphans, check_restart_outcomes,
                     free_port, one_flow, process_user, program_binary, program_processes, render,
                     require_executables, skip)
from si_harness import Browser, Tally

t = Tally("apache mod_fcgid")
APACHE, = require_executables("apache2")
MODULES = "/usr/lib/apache2/modules"
if not os.path.exists(os.path.join(MODULES, "mod_fcgid.so")):
    skip("mod_fcgid is not installed (libapache2-mod-fcgid)")
BINARY = program_binary()


def apache(conf, *words):
    return subprocess.run([APACHE, "-f", conf, *words], capture_output=True, text=True, timeout=30)


def prepare():
    """The two sites; returns (vhost site, shared-hosting site, httpd.conf)."""
    vhost = Site("si-apache-", free_port())
    shared = Site("si-apache-shared-", free_port(), page_path="/stripe/install")
    vhost.mkdir("run", "fcgid", owner=True)
    vhost_conf = render("apache/httpd-vhost-fcgid.conf", vhost.path("conf", "httpd-vhost-fcgid.conf"),
                        vhost.values(BINARY))
    with open(vhost.path("htdocs", "stripe-install.ini"), "w") as f:
        f.write("[stripe]\napp_secrets = absec_decoy\n")  # a stray copy in the vhost's web root
    # Shared hosting: the wrapper outside the web root, .htaccess in htdocs/stripe/.
    shared.mkdir("cgi-bin")
    render("cgi-bin/stripe-install.cgi", shared.path("cgi-bin", "stripe-install.cgi"),
           shared.values(BINARY), mode=0o755)
    shared.mkdir("htdocs", "stripe")
    render("apache/.htaccess", shared.path("htdocs", "stripe", ".htaccess"), shared.values(BINARY))
    # A careless copy of the secrets and the database into the web folder.
    shutil.copy(shared.config, shared.path("htdocs", "stripe", "stripe-install.ini"))
    with open(shared.path("htdocs", "stripe", "installs.db"), "wb") as f:
        f.write(b"SQLite format 3\0")
    for name in ["stripe-install.ini", "installs.db"]:
        os.chmod(shared.path("htdocs", "stripe", name), 0o644)
    conf = render("apache/httpd-test.conf.in", vhost.path("conf", "httpd.conf"),
                  vhost.values(BINARY, SHARED_PORT=shared.port, VHOST_CONF=vhost_conf,
                               DOCROOT=shared.path("htdocs")))
    return vhost, shared, conf, vhost_conf


def test_configuration(conf, vhost_conf):
    checked = apache(conf, "-t")
    t.check(checked.returncode == 0, "apache2 -t accepts the rendered configuration", checked.stderr)
    with open(vhost_conf) as f:
        match = re.search(r"^\s*FcgidMaxProcessesPerClass\s+(\d+)", f.read(), re.M)
    t.check(match is not None and int(match.group(1)) >= 4, "the vhost allows ≥ 4 processes per class",
            match and match.group(0))


def test_vhost_flow(site):
    check_install_flow(t, site, "apache vhost", "acct_ApacheVhost0001")
    t.check(Browser(site.base).get(site.base + "/stripefoo").status == 404, "/stripefoo is not the program")
    stray = Browser(site.base).get(site.base + "/stripe-install.ini")
    t.check(stray.status == 403 and b"absec_" not in stray.body,
            "vhost: a .ini copied into its DocumentRoot is refused (403)", stray.status)
    users = {process_user(pid) for pid in program_processes(site.config)}
    t.check(users == {"www-data"}, "mod_fcgid runs the program as www-data", users)


def test_shared_flow(site):
    check_install_flow(t, site, "apache .htaccess", "acct_ApacheShared0001")
    page = Browser(site.base).get(site.base + "/stripe/")
    t.check(page.status == 200 and "apps/install/link/" in page.text, "/stripe/ is the install page too",
            page.status)
    for name in ["stripe-install.ini", "installs.db", "STRIPE-INSTALL.INI", ".htaccess"]:
        got = Browser(site.base).get(f"{site.base}/stripe/{name}")
        t.check(got.status == 403 and b"absec_" not in got.body and b"SQLite" not in got.body,
                f".htaccess layout: GET /stripe/{name} is denied (403)", got.status)
    for path in ["/stripe/../stripe-install.ini", "/var/installs.db", "/stripe-install.ini",
                 "/cgi-bin/stripe-install.cgi"]:
        got = Browser(site.base).get(site.base + path)
        t.check(got.status in (400, 403, 404) and b"absec_" not in got.body,
                f".htaccess layout: the real files outside the web root are unreachable ({path})", got.status)
    listing = Browser(site.base).get(site.base + "/stripe/stripe-install.fcgi/")
    t.check(listing.status == 200, "the script address the page links to works as well", listing.status)


def shared_writer_lines(site):
    """The program's log lines about the shared writer (src/store/SharedWriter.h)
    and any request whose write was left unknown by a leader that vanished."""
    with open(site.path("log", "apache-error.log"), encoding="utf-8", errors="replace") as f:
        return [line.strip() for line in f if "shared_writer" in line or "may or may not be stored" in line]


def test_several_processes(site):
    """Concurrent flows make mod_fcgid start more than one process. It spawns
    only when requests queue, which a fast program on a busy 2-core machine
    may avoid for a while, so the burst is repeated (up to 4 rounds) until a
    second process shows; every flow of every round must succeed."""
    seen = set()

    def flow(i):
        _, _, done, _ = one_flow(site, f"acct_ApacheConc{i:06d}")
        seen.update(program_processes(site.config))
        return done.status

    statuses = []
    for round_number in range(4):
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses += list(pool.map(flow, range(round_number * 48, (round_number + 1) * 48)))
        if len(seen) >= 2:
            break
    t.check(statuses.count(200) == len(statuses), f"{len(statuses)} concurrent flows all succeed",
            {s: statuses.count(s) for s in set(statuses)})
    t.check(len(seen) >= 2, f"mod_fcgid ran several processes ({len(seen)})", sorted(seen))
    rows = {r["account_id"] for r in site.installs()}
    t.check(all(f"acct_ApacheConc{i:06d}" in rows for i in range(48)), "every concurrent install recorded")
    # One process per database writes for the others: this site's and the
    # .htaccess site's (test_shared_flow), in one log.
    lines = shared_writer_lines(site)
    started = [line for line in lines if "shared_writer_started" in line]
    t.check(1 <= len(started) <= 2, "one process per database leads the shared writer", lines)
    t.check(len(lines) == len(started), "no shared-writer warning", lines)


def test_graceful_under_load(site, conf):
    with FlowLoop(site, "ApacheLoad", threads=3) as loop:
        time.sleep(1.5)
        restarted_at = time.time()
        first = apache(conf, "-k", "graceful")
        t.check(first.returncode == 0, "apache2 -k graceful (same -f) succeeds", first.stderr)
        time.sleep(2.0)
        second = apache(conf, "-k", "graceful")
        t.check(second.returncode == 0, "a second graceful restart succeeds", second.stderr)
        restarted_at = max(restarted_at, time.time())
        time.sleep(2.5)
        running = program_processes(site.config)
        # Three clients keep about three processes busy: were the two old
        # generations still running, there would be more than eight.
        t.check(len(running) <= 8, "after two graceful restarts at most 8 processes run for 3 clients: the old "
                "generations exited", sorted(running))
    check_restart_outcomes(t, site, "apache graceful ×2", loop.snapshot(), restarted_at)
    # The old generations' leaders answered every write they took before
    # exiting; the new generation elected its own.
    lines = shared_writer_lines(site)
    t.check(not [line for line in lines if "may or may not be stored" in line],
            "no write left unknown by a leader that exited", lines)
    t.check(sum("shared_writer_started" in line for line in lines) >= 3,
            "a new leader after the graceful restarts", lines)


def main():
    vhost, shared, conf, vhost_conf = prepare()
    server = ServerProcess("apache2", [APACHE, "-f", conf, "-DFOREGROUND"], vhost.path("log", "apache-stdout.log"),
                           [vhost.config, shared.config], port=vhost.port)
    try:
        t.run(test_configuration, conf, vhost_conf)
        server.start()
        t.run(test_vhost_flow, vhost)
        t.run(test_shared_flow, shared)
        t.run(test_several_processes, vhost)
        t.run(test_graceful_under_load, vhost, conf)
        t.run(check_install_flow, t, vhost, "apache vhost after graceful", "acct_ApacheVhost0002")
        t.run(check_install_flow, t, shared, "apache .htaccess after graceful", "acct_ApacheShared0002")
        t.check(server.stop(signal.SIGTERM, timeout=20), "apache2 stops on SIGTERM")
        check_no_orphans(t, vhost.config, "apache vhost")
        check_no_orphans(t, shared.config, "apache .htaccess")
    finally:
        server.cleanup()
        if t.failed:
            print(vhost.log_tail())
            print(shared.log_tail())
        vhost.remove()
        shared.remove()
    t.finish()


if __name__ == "__main__":
    main()
