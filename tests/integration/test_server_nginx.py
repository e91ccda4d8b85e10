"""Drop-in deployment behind nginx + spawn-fcgi: the server block
nginx/stripe-install.conf, rendered only for port and paths, inside a
minimal nginx.conf written here (as Debian's nginx.conf would include it),
and the program started by the spawn-fcgi command line documented in that
file's comments (a Unix socket, www-data, 4 threads). Checks the install
flow, replay, webhook revocation and healthz through nginx; concurrent flows
without 502/504; SIGTERM to the program under a loop of install flows (then
spawn-fcgi again) losing no recorded install; and no program process left
once everything stopped."""
import concurrent.futures
import os
import shlex
import signal
import subprocess
import time

from servers import (FlowLoop, ServerProcess, Site, check_install_flow, check_no_orphans, check_restart_outcomes,
                     documented_command, free_port, one_flow, process_user, program_binary, program_processes,
                     render, require_executables, wait_until)
from si_harness import Browser, Tally

t = Tally("nginx + spawn-fcgi")
NGINX, SPAWN_FCGI = require_executables("nginx", "spawn-fcgi")
BINARY = program_binary()
SPAWN_MARKER = "The spawn-fcgi command line:"

MAIN_CONF = """# TEST ONLY: the smallest nginx.conf around the shipped server block.
user www-data;
worker_processes 2;
pid @ROOT@/run/nginx.pid;
error_log @ROOT@/log/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log @ROOT@/log/nginx-access.log;
    client_body_temp_path @ROOT@/run/nginx-client-body;
    proxy_temp_path @ROOT@/run/nginx-proxy;
    fastcgi_temp_path @ROOT@/run/nginx-fastcgi;
    uwsgi_temp_path @ROOT@/run/nginx-uwsgi;
    scgi_temp_path @ROOT@/run/nginx-scgi;
    include @ROOT@/conf/stripe-install.conf;
}
"""


class SpawnedProgram(ServerProcess):
    """The documented spawn-fcgi line; -n makes the program replace
    spawn-fcgi, so the pid is the program's."""

    def __init__(self, site, command):
        super().__init__("spawn-fcgi", shlex.split(command), site.path("log", "spawn-fcgi.log"), site.config)
        self.socket = site.path("run", "stripe-install.sock")

    def start(self, timeout=15.0):
        if os.path.exists(self.socket):
            os.unlink(self.socket)  # spawn-fcgi refuses to replace a socket
        super().start()
        if not wait_until(lambda: os.path.exists(self.socket) or self.process.poll() is not None, timeout):
            raise RuntimeError("spawn-fcgi created no socket")
        if self.process.poll() is not None:
            raise RuntimeError(f"spawn-fcgi exited with {self.process.returncode}")
        return self


def nginx_args(site, conf, *more):
    return [NGINX, "-p", site.root, "-c", conf, "-e", site.path("log", "nginx-error.log"), *more]


def test_spawn_command(command):
    t.check("spawn-fcgi -n" in command and "-u www-data" in command and "STRIPE_INSTALL_CONFIG=" in command,
            "the documented spawn-fcgi line runs in the foreground as www-data with the configuration", command)


def test_flow(site, program):
    users = {process_user(pid) for pid in program_processes(site.config)}
    t.check(users == {"www-data"}, "spawn-fcgi runs the program as www-data", users)
    t.check(program.process.pid in program_processes(site.config), "with -n the program replaced spawn-fcgi")
    check_install_flow(t, site, "nginx", "acct_NginxFlow000001")
    moved = Browser(site.base).get(site.base + "/stripe")
    t.check(moved.status == 301 and (moved.header("Location") or "").endswith("/stripe/"),
            "/stripe redirects to /stripe/", moved.status)
    secret = Browser(site.base).get(site.base + "/stripe-install.ini")
    t.check(secret.status == 403, "a .ini under the web root is refused", secret.status)


def test_concurrent(site):
    def flow(i):
        return one_flow(site, f"acct_NginxConc{i:06d}")[2].status

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(flow, range(60)))
    t.check(statuses.count(200) == len(statuses), "60 flows from 12 clients at once all succeed (no 502/504)",
            {s: statuses.count(s) for s in set(statuses)})


def test_program_restart_under_load(site, program):
    with FlowLoop(site, "NginxLoad", threads=3) as loop:
        time.sleep(1.5)
        started = time.time()
        stopped = program.stop(signal.SIGTERM, timeout=5)
        t.check(stopped, "SIGTERM stops the program within 5 s while requests flow",
                f"{time.time() - started:.1f} s")
        program.start()
        restarted_at = time.time()
        time.sleep(2.0)
    check_restart_outcomes(t, site, "nginx, program SIGTERM + spawn-fcgi again", loop.snapshot(), restarted_at)


def main():
    site = Site("si-nginx-", free_port())
    values = site.values(BINARY)
    render("nginx/stripe-install.conf", site.path("conf", "stripe-install.conf"), values)
    conf = site.path("conf", "nginx.conf")
    with open(conf, "w") as f:
        f.write(MAIN_CONF.replace("@ROOT@", site.root))
    command = documented_command("nginx/stripe-install.conf", SPAWN_MARKER, values)
    program = SpawnedProgram(site, command)
    server = ServerProcess("nginx", nginx_args(site, conf, "-g", "daemon off;"), site.path("log", "nginx.log"),
                           site.config, port=site.port)
    try:
        t.run(test_spawn_command, command)
        checked = subprocess.run(nginx_args(site, conf, "-t"), capture_output=True, text=True, timeout=30)
        t.check(checked.returncode == 0, "nginx -t accepts the rendered server block", checked.stderr)
        program.start()
        server.start()
        t.run(test_flow, site, program)
        t.run(test_concurrent, site)
        t.run(test_program_restart_under_load, site, program)
        t.run(check_install_flow, t, site, "nginx after the program restarted", "acct_NginxFlow000002")
        t.check(server.stop(signal.SIGQUIT), "nginx stops gracefully on SIGQUIT")
        started = time.time()
        stopped = program.stop(signal.SIGTERM, timeout=5)
        t.check(stopped and time.time() - started < 2, "the idle program (4 threads in accept) stops on SIGTERM "
                "within 2 s", f"{time.time() - started:.1f} s")
        check_no_orphans(t, site.config, "nginx + spawn-fcgi")
    finally:
        server.cleanup()
        program.cleanup()
        if t.failed:
            print(site.log_tail())
        site.remove()
    t.finish()


if __name__ == "__main__":
    main()
