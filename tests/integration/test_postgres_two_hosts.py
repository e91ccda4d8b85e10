"""Two "hosts" behind one load balancer sharing one PostgreSQL database:
two lighttpd servers on different ports, each starting the program with
[database] connector = postgresql (password from password_file), and both
configured with the same app secret and the same public redirect_uri, as
docs/multi-host.md describes. A private cluster is started for the test
(tests/pg/pg-cluster.sh) and stopped at the end.

Checks: a state minted via host A is completed via host B; the replay via
host A is refused; a webhook delivered to both hosts at once applies once;
many identical callbacks racing over both hosts have exactly one winner;
both hosts' healthz answer; the password never reaches a log."""
import json
import os
import signal
import subprocess
import tempfile
import threading

from servers import (ServerProcess, Site, check_no_orphans, deauthorize_event, free_port, program_binary, render,
                     require_executables, skip)
from si_harness import (SOURCE_DIR, WEBHOOK_SECRET, Browser, Tally, callback_query, install_link_from_page, query_of,
                        remove_dir, stripe_signature, write_config)

t = Tally("postgres-two-hosts")
PG_CLUSTER = os.path.join(SOURCE_DIR, "tests", "pg", "pg-cluster.sh")


class Cluster:
    """A private PostgreSQL cluster in a temporary folder."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="si-pg-two-hosts-")
        self.started = False
        self.conninfo = None
        self.password = None

    def start(self):
        result = subprocess.run([PG_CLUSTER, "start", self.dir], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"pg-cluster.sh start failed: {result.stderr.strip()}")
        self.started = True
        self.conninfo = result.stdout.strip()
        with open(os.path.join(self.dir, "password")) as f:
            self.password = f.read().strip()

    def query(self, sql):
        """Rows of `sql` as JSON values (one per line of psql's output)."""
        env = dict(os.environ, PGPASSWORD=self.password)
        result = subprocess.run(["psql", self.conninfo, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql], env=env,
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def installs(self, account_id):
        return self.query(f"SELECT row_to_json(i) FROM installs i WHERE account_id = '{account_id}'")

    def stop(self):
        if self.started:
            subprocess.run([PG_CLUSTER, "stop", self.dir], timeout=60)
        remove_dir(self.dir)


def make_host(name, cluster, public_callback, binary):
    """One host: a site folder, its configuration on the shared database,
    and lighttpd rendered from the shipped lighttpd/stripe-install.conf.
    `public_callback`: the redirect_uri every host sends (None: its own)."""
    site = Site(f"si-pg-{name}-", free_port())
    password_file = site.path("pg-password")
    with open(password_file, "w") as f:
        f.write(cluster.password + "\n")
    write_config(site.root, redirect_uri=public_callback or site.callback_url, database=cluster.conninfo,
                 extra={"database.connector": "postgresql", "database.password_file": password_file})
    for path in (site.config, password_file):
        os.chown(path, 0, site.user.pw_gid)
        os.chmod(path, 0o640)
    conf = render("lighttpd/stripe-install.conf", site.path("conf", "lighttpd.conf"), site.values(binary))
    server = ServerProcess(f"lighttpd {name}", [LIGHTTPD, "-D", "-f", conf], site.path("log", "lighttpd-stdout.log"),
                           site.config, port=site.port)
    return site, server


def post_webhook(site, body):
    return Browser(site.base).request("POST", site.webhook_url, body=body, headers={
        "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET)})


def test_minted_on_a_completed_on_b(a, b, cluster):
    browser = Browser(a.base)  # one cookie jar: the load balancer's one public host name
    page = browser.get(a.page_url)
    t.check(page.status == 200, "host A: install page → 200", page.status)
    link = install_link_from_page(page.text)
    state = query_of(link)["state"]
    t.check(query_of(link).get("redirect_uri") == a.callback_url, "the install link carries the public redirect_uri")
    t.check(cluster.query("SELECT COUNT(*) FROM install_states") == [1], "the state is in the shared database")

    query = callback_query(state, account_id="acct_TwoHosts000001", livemode=False)
    done = browser.get(b.callback_url + "?" + query)
    t.check(done.status == 200, "host B: the callback for host A's state → 200 success",
            f"{done.status} {done.text[:300]}")
    rows = cluster.installs("acct_TwoHosts000001")
    t.check(len(rows) == 1 and rows[0]["revoked_at"] is None and rows[0]["source"] == "callback",
            "one active install row in PostgreSQL", rows)

    replay = browser.get(a.callback_url + "?" + query)
    t.check(replay.status == 400, "host A: the same callback again → 400 (replay refused)", replay.status)
    replay_b = browser.get(b.callback_url + "?" + query)
    t.check(replay_b.status == 400, "host B: the same callback again → 400", replay_b.status)
    t.check(len(cluster.installs("acct_TwoHosts000001")) == 1, "the replays recorded nothing")


def test_webhook_applies_once(a, b, cluster):
    body = deauthorize_event("acct_TwoHosts000001")
    event_id = json.loads(body)["id"]
    answers = [None] * 8
    hosts = [a, b] * 4

    def deliver(i):
        answers[i] = post_webhook(hosts[i], body).status

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(hosts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    t.check(answers == [200] * len(hosts), "the same webhook delivered 8 times over both hosts at once → 200 each",
            answers)
    events = cluster.query(f"SELECT row_to_json(e) FROM webhook_events e WHERE event_id = '{event_id}'")
    t.check(len(events) == 1 and events[0]["effect"] == "revoked", "the event is recorded once, as revoked", events)
    rows = cluster.installs("acct_TwoHosts000001")
    t.check(len(rows) == 1 and rows[0]["revoked_at"] is not None and rows[0]["revoke_event_id"] == event_id,
            "the install is revoked by that event", rows)
    again = post_webhook(b, body)
    t.check(again.status == 200, "a later redelivery via host B → 200 (a duplicate, nothing changes)", again.status)
    t.check(cluster.installs("acct_TwoHosts000001") == rows, "the redelivery changed nothing")


def test_racing_callbacks_over_both_hosts(a, b, cluster):
    browser = Browser(a.base)
    page = browser.get(a.page_url)
    state = query_of(install_link_from_page(page.text))["state"]
    query = callback_query(state, account_id="acct_TwoHostsRace01", livemode=False)
    hosts = [a, b] * 6
    statuses = [None] * len(hosts)
    gate = threading.Barrier(len(hosts))

    def complete(i):
        gate.wait()
        statuses[i] = browser.get(hosts[i].callback_url + "?" + query).status

    threads = [threading.Thread(target=complete, args=(i,)) for i in range(len(hosts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    t.check(statuses.count(200) == 1 and statuses.count(400) == len(hosts) - 1,
            f"{len(hosts)} identical callbacks racing over both hosts: exactly one succeeds", statuses)
    t.check(len(cluster.installs("acct_TwoHostsRace01")) == 1, "one install row for the race")


def test_module_loaded_lazily(a, binary):
    """PostgreSQL support is the module stripe-install-postgresql.so: the
    program itself does not link libpq; without the module, connector =
    postgresql fails naming the file."""
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30).stdout
    t.check("libpq" not in ldd and "krb5" not in ldd, "the program does not link libpq (nor Kerberos)", ldd)
    empty = tempfile.mkdtemp(prefix="si-no-module-")
    try:
        result = subprocess.run([binary, "check", "--config", a.config], capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, STRIPE_INSTALL_MODULE_DIR=empty))
    finally:
        os.rmdir(empty)
    out = result.stdout + result.stderr
    t.check(result.returncode != 0, "check fails without the PostgreSQL module", result.returncode)
    t.check("PostgreSQL support is not installed" in out and "stripe-install-postgresql.so" in out,
            "the error says PostgreSQL support is not installed and names the module", out)


def test_health_and_logs(a, b, cluster):
    for name, site in (("A", a), ("B", b)):
        health = Browser(site.base).get(site.healthz_url)
        t.check(health.status == 200, f"host {name}: healthz → 200 (PostgreSQL answers)", health.status)
    for site in (a, b):
        for name in os.listdir(site.path("log")):
            with open(site.path("log", name), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            t.check(cluster.password not in text, f"the database password is not in {name}")


def main():
    global LIGHTTPD
    LIGHTTPD, = require_executables("lighttpd")
    if not os.path.isdir("/usr/lib/postgresql"):
        skip("PostgreSQL is not installed (apt-get install postgresql; see scripts/debian-packages.txt)")
    binary = program_binary()
    cluster = Cluster()
    sites, servers = [], []
    try:
        cluster.start()
        print(f"     cluster: {cluster.conninfo}")
        a, server_a = make_host("a", cluster, None, binary)
        sites.append(a)
        servers.append(server_a)
        # Both hosts are reached through one public address: both send
        # Stripe's redirect to it (here: host A's callback URL).
        b, server_b = make_host("b", cluster, a.callback_url, binary)
        sites.append(b)
        servers.append(server_b)
        for server in servers:
            server.start()
        t.run(test_minted_on_a_completed_on_b, a, b, cluster)
        t.run(test_webhook_applies_once, a, b, cluster)
        t.run(test_racing_callbacks_over_both_hosts, a, b, cluster)
        t.run(test_health_and_logs, a, b, cluster)
        t.run(test_module_loaded_lazily, a, binary)
        for server in servers:
            t.check(server.stop(signal.SIGINT), f"{server.name} stops on SIGINT")
        for site in sites:
            check_no_orphans(t, site.config, "lighttpd")
    finally:
        for server in servers:
            server.cleanup()
        if t.failed:
            for site in sites:
                print(site.log_tail())
        for site in sites:
            site.remove()
        cluster.stop()
    t.finish()


if __name__ == "__main__":
    main()
