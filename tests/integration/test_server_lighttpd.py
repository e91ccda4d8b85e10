"""Drop-in deployment behind lighttpd (mod_fastcgi): the shipped
lighttpd/stripe-install.conf, rendered only for port and paths, starts the
program itself (bin-path, max-procs 1, 8 threads). Checks the install
flow, replay, webhook revocation and healthz through lighttpd; that the
program runs as www-data; that lighttpd starts a new process when its one
process is killed; a graceful restart (SIGUSR1) and a stop/start (SIGINT)
under a loop of install flows losing no recorded install; and no program
process left once lighttpd stopped."""
import os
import re
import signal
import subprocess
import time

from servers import (FlowLoop, ServerProcess, Site, check_install_flow, check_no_orphans, check_restart_outcomes,
                     free_port, process_user, program_binary, program_processes, render, require_executables,
                     wait_until)
from si_harness import Browser, Tally

t = Tally("lighttpd")
LIGHTTPD, = require_executables("lighttpd")
BINARY = program_binary()
MAX_PROCS = 1


def test_configuration(conf):
    checked = subprocess.run([LIGHTTPD, "-tt", "-f", conf], capture_output=True, text=True, timeout=30)
    t.check(checked.returncode == 0, "lighttpd -tt accepts the rendered stripe-install.conf",
            checked.stdout + checked.stderr)
    with open(conf) as f:
        text = f.read()
    t.check(re.search(r'"check-local"\s*=>\s*"disable"', text) is not None, "check-local is disabled")


def test_flow(site):
    check_install_flow(t, site, "lighttpd", "acct_LighttpdFlow0001")
    other = Browser(site.base).get(site.base + "/stripefoo")
    t.check(other.status == 404, "/stripefoo is not sent to the program", other.status)
    secret = Browser(site.base).get(site.base + "/stripe-install.ini")
    t.check(secret.status in (403, 404), "a .ini under the web root is refused", secret.status)


def test_processes(site):
    Browser(site.base).get(site.page_url)
    processes = program_processes(site.config)
    t.check(len(processes) == MAX_PROCS, f"lighttpd runs max-procs = {MAX_PROCS} program processes", processes)
    users = {process_user(pid) for pid in processes}
    t.check(users == {"www-data"}, "the program runs as www-data, not root", users)


def test_a_killed_process_is_replaced(site):
    before = program_processes(site.config)
    killed_at = time.time()
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    statuses = []

    def answers():
        status = Browser(site.base).get(site.page_url).status
        statuses.append(status)
        return status == 200

    back = wait_until(answers, 15)
    after = program_processes(site.config)
    print(f"     killed {before}; the page answered again after {time.time() - killed_at:.1f} s"
          f" (statuses meanwhile {sorted(set(statuses))}), processes now {after}")
    t.check(back, "after kill -9 of the program lighttpd starts a new process and the page answers 200", statuses)
    t.check(len(after) == MAX_PROCS and not set(after) & set(before), "a new process replaced the killed one",
            f"before {before} after {after}")


def test_restart_under_load(site, server):
    with FlowLoop(site, "LighttpdLoad") as loop:
        time.sleep(1.5)
        before = set(program_processes(site.config))
        restarted_at = time.time()
        server.send(signal.SIGUSR1)  # graceful restart: finish requests, reload, keep the port
        time.sleep(2.5)
        t.check(server.process.poll() is None, "lighttpd is still running after SIGUSR1 (graceful restart)")
        settled = wait_until(lambda: 0 < len(program_processes(site.config)) <= MAX_PROCS, 10)
        now = set(program_processes(site.config))
        t.check(settled, f"after the graceful restart at most max-procs = {MAX_PROCS} program processes run",
                f"before {sorted(before)} now {sorted(now)}")
        print(f"     processes before SIGUSR1 {sorted(before)}, after {sorted(now)}")
        stopped = server.restart(signal.SIGINT)  # graceful stop, then start again
        t.check(stopped, "lighttpd stops gracefully on SIGINT while flows run")
        second = time.time()
        time.sleep(2.0)
        t.check(wait_until(lambda: len(program_processes(site.config)) <= MAX_PROCS, 10),
                "after SIGINT and a new start no process of the old lighttpd remains", program_processes(site.config))
    check_restart_outcomes(t, site, "lighttpd SIGUSR1 + SIGINT/start", loop.snapshot(), max(restarted_at, second))


def main():
    site = Site("si-lighttpd-", free_port())
    conf = render("lighttpd/stripe-install.conf", site.path("conf", "lighttpd.conf"), site.values(BINARY))
    server = ServerProcess("lighttpd", [LIGHTTPD, "-D", "-f", conf], site.path("log", "lighttpd-stdout.log"),
                           site.config, port=site.port)
    try:
        t.run(test_configuration, conf)
        server.start()
        t.run(test_flow, site)
        t.run(test_processes, site)
        t.run(test_a_killed_process_is_replaced, site)
        t.run(test_restart_under_load, site, server)
        t.run(check_install_flow, t, site, "lighttpd after restarts", "acct_LighttpdFlow0002")
        t.check(server.stop(signal.SIGINT), "lighttpd stops on SIGINT")
        check_no_orphans(t, site.config, "lighttpd")
    finally:
        server.cleanup()
        if t.failed:
            print(site.log_tail())
        site.remove()
    t.finish()


if __name__ == "__main__":
    main()
