"""Concurrency: several FastCGI processes on one SQLite database, behind
lighttpd (the shipped configuration with max-procs raised to 8, 4 threads
each). Many connections for SI_STRESS_SECONDS (default 8) mix install-page
views, valid callbacks, replays of used callbacks and signed webhooks.
Checks: no 5xx, no "database is locked" in the log, every callback answered
with success has exactly one install row, every state was consumed at most
once (and state and install commit together), every replay was refused; and
32 parallel replays of one valid callback, spread over the processes, give
exactly one success.

`make test` runs the short version; `make stress` (mk/stress.mk) runs it
for 60 s with 64 connections: SI_STRESS_SECONDS, SI_STRESS_CONNECTIONS and
SI_STRESS_PROCS set the size."""
import collections
import json
import os
import random
import re
import subprocess
import threading
import time

from servers import (RUN_AS, ServerProcess, Site, install_guards, program_binary, program_processes, python_for,
                     render, require_executables, set_lighttpd_max_procs, wait_until)
from si_harness import (WEBHOOK_SECRET, Browser, Tally, callback_query, free_port, install_link_from_page, query_of,
                        stripe_signature)

SECONDS = float(os.environ.get("SI_STRESS_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("SI_STRESS_CONNECTIONS", "16"))
PROCS = int(os.environ.get("SI_STRESS_PROCS", "8"))
REPLAY_FAN = 32
REPLAY_ROUNDS = 3 if SECONDS < 30 else 10

t = Tally("concurrency")
LIGHTTPD, = require_executables("lighttpd")
install_guards(seconds=int(SECONDS) + 240)
BINARY = program_binary()


def query_db(site, sql):
    """Rows of `sql`, read as www-data (see servers.py: a root-owned -shm
    would lock the program out)."""
    code = ("import json, sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], timeout=30)\n"
            "print(json.dumps([list(r) for r in db.execute(sys.argv[2])]))\n")
    result = subprocess.run([python_for(RUN_AS), "-c", code, site.database, sql], user=RUN_AS, group=RUN_AS,
                            extra_groups=[], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"reading {site.database} as {RUN_AS} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def webhook_body(kind, account):
    event_type = {"revoke": "account.application.deauthorized", "create": "apps.install.created"}[kind]
    return json.dumps({"id": f"evt_{kind}_{account}_{random.getrandbits(48):x}", "object": "event",
                       "type": event_type, "account": account, "created": int(time.time()), "livemode": False,
                       "data": {"object": {}}}, separators=(",", ":"))


class Load:
    """CONNECTIONS threads, each looping over a mix of requests until the
    deadline. Records every status by kind and every successful callback."""

    def __init__(self, site):
        self.site = site
        self.lock = threading.Lock()
        self.statuses = collections.Counter()
        self.errors = collections.Counter()
        self.callback_ok = {}  # account → state
        self.state_successes = collections.Counter()
        self.replays_ok = 0
        self.counter = 0

    def next_account(self):
        with self.lock:
            self.counter += 1
            return f"acct_Load{self.counter:07d}"

    def record(self, kind, status):
        with self.lock:
            self.statuses[(kind, status)] += 1

    def one_round(self, rng):
        site = self.site
        choice = rng.random()
        if choice < 0.25:
            self.record("page", Browser(site.base).get(site.page_url).status)
            return
        if choice < 0.85:
            account = self.next_account()
            browser = Browser(site.base)
            page = browser.get(site.page_url)
            self.record("page", page.status)
            if page.status != 200:
                return
            state = query_of(install_link_from_page(page.text))["state"]
            query = callback_query(state, account_id=account, livemode=False)
            done = browser.get(site.callback_url + "?" + query)
            self.record("callback", done.status)
            if done.status == 200:
                with self.lock:
                    self.callback_ok[account] = state
                    self.state_successes[state] += 1
            if rng.random() < 0.5:
                again = browser.get(site.callback_url + "?" + query)
                self.record("replay", again.status)
                if again.status == 200:
                    with self.lock:
                        self.state_successes[state] += 1
                        self.replays_ok += 1
            return
        with self.lock:
            known = list(self.callback_ok)
        if known and choice < 0.95:
            body = webhook_body("revoke", rng.choice(known))
        else:
            body = webhook_body("create", f"acct_Hook{rng.getrandbits(40):x}")
        hook = Browser(site.base).request("POST", site.webhook_url, body=body, headers={
            "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET)})
        self.record("webhook", hook.status)

    def run(self, seconds, connections):
        deadline = time.time() + seconds

        def worker(seed):
            rng = random.Random(seed)
            while time.time() < deadline:
                try:
                    self.one_round(rng)
                except Exception as e:  # noqa: BLE001 - counted and reported
                    with self.lock:
                        self.errors[type(e).__name__] += 1
        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)


def test_mixed_load(site):
    load = Load(site)
    started = time.time()
    load.run(SECONDS, CONNECTIONS)
    elapsed = time.time() - started
    total = sum(load.statuses.values())
    print(f"     {total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s) over {CONNECTIONS} connections, "
          f"{PROCS} processes")
    print(f"     statuses: {dict(sorted(load.statuses.items()))}")
    server_errors = {k: v for k, v in load.statuses.items() if k[1] >= 500}
    t.check(total > 0 and len(load.callback_ok) > 0, "mixed load: install flows succeeded", total)
    t.check(not server_errors, "mixed load: zero 5xx answers", server_errors)
    t.check(not load.errors, "mixed load: no connection errors or timeouts", dict(load.errors))
    unexpected = {k: v for k, v in load.statuses.items()
                  if (k[0] in ("page", "callback", "webhook") and k[1] != 200) or (k[0] == "replay" and k[1] != 400)}
    t.check(not unexpected, "mixed load: pages, callbacks and webhooks 200; every replay 400", unexpected)
    t.check(load.replays_ok == 0 and max(load.state_successes.values(), default=0) <= 1,
            "mixed load: no state succeeded twice", load.replays_ok)

    rows = query_db(site, "SELECT account_id, COUNT(*) FROM installs WHERE account_id LIKE 'acct_Load%' "
                          "GROUP BY account_id")
    counts = {account: n for account, n in rows}
    missing = [a for a in load.callback_ok if counts.get(a, 0) != 1]
    t.check(not missing, f"mixed load: each of the {len(load.callback_ok)} successful callbacks has exactly one "
            "install row", missing[:10])
    consumed, callback_rows, load_rows = query_db(
        site, "SELECT (SELECT COUNT(*) FROM install_states WHERE consumed_at IS NOT NULL),"
              " (SELECT COUNT(*) FROM installs WHERE source = 'callback'),"
              " (SELECT COUNT(*) FROM installs WHERE source = 'callback' AND account_id LIKE 'acct_Load%')")[0]
    t.check(consumed == callback_rows, "consumed states = install rows from callbacks (they commit together)",
            f"consumed {consumed}, rows {callback_rows}")
    t.check(load_rows == len(load.callback_ok), "mixed load: install rows from the load = successful callbacks",
            f"rows {load_rows}, successes {len(load.callback_ok)}")
    integrity = query_db(site, "PRAGMA integrity_check")[0][0]
    t.check(integrity == "ok", "mixed load: integrity_check is ok", integrity)


def test_parallel_replays(site):
    """One valid callback sent REPLAY_FAN times at once: exactly one wins."""
    for round_number in range(REPLAY_ROUNDS):
        account = f"acct_Replay{round_number:04d}"
        browser = Browser(site.base)
        page = browser.get(site.page_url)
        state = query_of(install_link_from_page(page.text))["state"]
        url = site.callback_url + "?" + callback_query(state, account_id=account, livemode=False)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        barrier = threading.Barrier(REPLAY_FAN)
        results = []
        lock = threading.Lock()

        def fire():
            client = Browser(site.base)
            barrier.wait(timeout=30)
            try:
                status = client.get(url, headers={"Cookie": cookie}).status
            except Exception as e:  # noqa: BLE001
                status = type(e).__name__
            with lock:
                results.append(status)
        threads = [threading.Thread(target=fire) for _ in range(REPLAY_FAN)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        counts = collections.Counter(results)
        t.check(counts.get(200) == 1 and counts.get(400) == REPLAY_FAN - 1,
                f"{REPLAY_FAN} parallel replays of one callback (round {round_number + 1}): exactly one 200, "
                f"{REPLAY_FAN - 1} × 400", dict(counts))
        rows = query_db(site, f"SELECT COUNT(*) FROM installs WHERE account_id = '{account}'")[0][0]
        t.check(rows == 1, f"parallel replays round {round_number + 1}: one install row", rows)


def test_log(site):
    text = ""
    for name in os.listdir(site.path("log")):
        with open(site.path("log", name), "rb") as f:
            text += f.read().decode("utf-8", "replace")
    locked = [line for line in text.splitlines() if "database is locked" in line]
    t.check(not locked, "no \"database is locked\" in any log", locked[:3])
    errors = [line for line in text.splitlines() if re.search(r"stripe-install\[\d+\] error ", line)]
    t.check(not errors, "no error line from the program", errors[:3])
    pids = set(re.findall(r"stripe-install\[(\d+)\] info (?:install_recorded|start)", text))
    served = set(re.findall(r"stripe-install\[(\d+)\] ", text))
    print(f"     {len(served)} program processes logged")
    t.check(len(served) >= min(PROCS, 2), f"requests were spread over several processes ({len(served)})", pids)


def main():
    site = Site("si-concurrency-", free_port())
    conf_path = site.path("conf", "lighttpd.conf")
    render("lighttpd/stripe-install.conf", conf_path, site.values(BINARY))
    replaced = set_lighttpd_max_procs(conf_path, PROCS)
    server = ServerProcess("lighttpd", [LIGHTTPD, "-D", "-f", conf_path], site.path("log", "lighttpd-stdout.log"),
                           site.config, port=site.port)
    try:
        t.check(replaced == 1, f"the shipped lighttpd configuration sets max-procs (raised to {PROCS})")
        server.start()
        time.sleep(0.5)
        Browser(site.base).get(site.healthz_url)
        # lighttpd 1.4.69 starts some of max-procs and adds the rest under load.
        running = wait_until(lambda: program_processes(site.config), 10) or {}
        t.check(0 < len(running) <= PROCS, f"lighttpd runs program processes (at most {PROCS}): {len(running)}",
                running)
        t.run(test_parallel_replays, site)
        t.run(test_mixed_load, site)
        t.run(test_log, site)
        after = program_processes(site.config)
        print(f"     {len(after)} program processes running after the load")
        t.check(len(after) <= PROCS, f"never more than max-procs = {PROCS} processes", len(after))
        t.check(server.process.poll() is None, "lighttpd is still running")
    finally:
        server.stop()
        server.cleanup()
        if t.failed:
            print(site.log_tail())
        site.remove()
    t.finish()


if __name__ == "__main__":
    main()
