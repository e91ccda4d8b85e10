"""kill -9 of FastCGI processes in the middle of load, behind lighttpd
(`make stress`). Install flows run back to back on several connections while,
every 2 s, one program process is killed with SIGKILL. Afterwards: lighttpd
still runs and has started new processes, the database passes
integrity_check, every callback answered 200 has its install row, no install
row is partial, and consumed states equal install rows (a state and its
install commit together, or neither). Requests in flight on a killed process
may fail (lighttpd answers 5xx for them); nothing already stored may be lost.

SI_STRESS_SECONDS (default 20) sets the length; SI_STRESS_PROCS the
max-procs (default 4); SI_STRESS_THREADS the threads per process (default
8, as shipped; 1 makes the processes share one writer, src/store/SharedWriter.h,
whose leader is then among those killed)."""
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from servers import (RUN_AS, FlowLoop, ServerProcess, Site, install_guards, program_binary,  # noqa: E402
                     program_processes, python_for, render, require_executables, set_lighttpd_max_procs,
                     wait_until)
from si_harness import Browser, Tally, free_port  # noqa: E402

SECONDS = float(os.environ.get("SI_STRESS_SECONDS", "20"))
PROCS = min(int(os.environ.get("SI_STRESS_PROCS", "4")), 8)
THREADS = int(os.environ.get("SI_STRESS_THREADS", "8"))

t = Tally("kill_under_load")
LIGHTTPD, = require_executables("lighttpd")
install_guards(seconds=int(SECONDS) + 180)
BINARY = program_binary()


def query_db(site, sql):
    code = ("import json, sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], timeout=30)\n"
            "print(json.dumps([list(r) for r in db.execute(sys.argv[2])]))\n")
    result = subprocess.run([python_for(RUN_AS), "-c", code, site.database, sql], user=RUN_AS, group=RUN_AS,
                            extra_groups=[], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"reading {site.database} as {RUN_AS} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def main():
    site = Site("si-kill-", free_port())
    conf = site.path("conf", "lighttpd.conf")
    render("lighttpd/stripe-install.conf", conf, site.values(BINARY))
    set_lighttpd_max_procs(conf, PROCS)
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace('"STRIPE_INSTALL_THREADS" => "8"', f'"STRIPE_INSTALL_THREADS" => "{THREADS}"'))
    server = ServerProcess("lighttpd", [LIGHTTPD, "-D", "-f", conf], site.path("log", "lighttpd-stdout.log"),
                           site.config, port=site.port)
    killed = []
    try:
        server.start()
        Browser(site.base).get(site.healthz_url)
        with FlowLoop(site, "Kill", threads=8) as loop:
            deadline = time.time() + SECONDS
            while time.time() < deadline:
                time.sleep(2.0)
                running = sorted(program_processes(site.config))
                if running:
                    victim = random.choice(running)
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
            time.sleep(1.0)
        outcomes = loop.snapshot()
        statuses = collections.Counter(status for _, _, status in outcomes)
        print(f"     {len(outcomes)} flows, {len(killed)} processes killed, outcomes {dict(statuses)}, "
              f"{PROCS} processes of {THREADS} threads")
        t.check(len(killed) >= 3, f"killed {len(killed)} program processes with SIGKILL under load")
        t.check(server.process.poll() is None, "lighttpd is still running")
        respawned = wait_until(lambda: set(program_processes(site.config)) - set(killed), 10)
        t.check(bool(respawned), "lighttpd started new program processes after the kills", respawned)
        after = Browser(site.base).get(site.healthz_url)
        t.check(after.status == 200, "healthz answers 200 after the kills", after.status)

        ok = [account for _, account, status in outcomes if status == 200]
        t.check(len(ok) > 0, "install flows succeeded during the kills", dict(statuses))
        rows = {account for account, in query_db(site, "SELECT account_id FROM installs")}
        missing = [a for a in ok if a not in rows]
        t.check(not missing, f"each of the {len(ok)} callbacks answered 200 has its install row", missing[:10])
        integrity = query_db(site, "PRAGMA integrity_check")[0][0]
        t.check(integrity == "ok", "integrity_check is ok", integrity)
        partial = query_db(site, "SELECT COUNT(*) FROM installs WHERE account_id = '' OR user_id = ''"
                                 " OR installed_at IS NULL")[0][0]
        t.check(partial == 0, "no partial install row", partial)
        consumed, recorded = query_db(site, "SELECT (SELECT COUNT(*) FROM install_states WHERE consumed_at IS NOT "
                                            "NULL), (SELECT COUNT(*) FROM installs WHERE source = 'callback')")[0]
        t.check(consumed == recorded, "consumed states = install rows (committed together or not at all)",
                f"consumed {consumed}, installs {recorded}")
        if THREADS == 1:
            log = ""
            for name in ["lighttpd-error.log", "lighttpd-stdout.log"]:  # the program's stderr is in one of them
                if os.path.exists(site.path("log", name)):
                    with open(site.path("log", name), encoding="utf-8", errors="replace") as f:
                        log += f.read()
            leaders = log.count("shared_writer_started")
            unknown = log.count("may or may not be stored")
            print(f"     shared writer: {leaders} leaders over the run, {unknown} writes left unknown by a killed one")
            t.check(leaders >= 1, "the processes shared a writer", leaders)
        t.check(server.stop(signal.SIGINT), "lighttpd stops on SIGINT")
    finally:
        server.cleanup()
        if t.failed:
            print(site.log_tail())
        site.remove()
    t.finish()


if __name__ == "__main__":
    main()
