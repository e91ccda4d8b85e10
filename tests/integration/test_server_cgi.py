"""Drop-in deployment as plain CGI: lighttpd's mod_cgi variant
(lighttpd/stripe-install-cgi.conf, rendered only for port and paths) runs
the wrapper cgi-bin/stripe-install.cgi, which sets STRIPE_INSTALL_CONFIG and
execs the program: one process per request. Checks the install flow, replay,
webhook revocation and healthz through it; concurrent CGI requests; that
the wrapper also works with no web server at all (GATEWAY_INTERFACE set by
hand, as a CGI host would); and that no program process remains."""
import concurrent.futures
import signal
import subprocess

from servers import (ServerProcess, Site, check_install_flow, check_no_orphans, free_port, one_flow, program_binary,
                     program_processes, render, require_executables, wait_until)
from si_harness import Browser, Tally

t = Tally("plain CGI (lighttpd mod_cgi)")
LIGHTTPD, = require_executables("lighttpd")
BINARY = program_binary()


def test_flow(site):
    check_install_flow(t, site, "cgi", "acct_CgiFlow00000001")
    t.check(wait_until(lambda: not program_processes(site.config), 5), "no program process outlives its request",
            program_processes(site.config))
    for path in ["/stripe-install.ini", "/stripe/../stripe-install.ini"]:
        got = Browser(site.base).get(site.base + path)
        t.check(got.status in (400, 403, 404) and b"absec_" not in got.body, f"{path} is not served", got.status)


def test_concurrent(site):
    def flow(i):
        return one_flow(site, f"acct_CgiConc{i:06d}")[2].status

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(flow, range(24)))
    t.check(statuses.count(200) == len(statuses), "24 flows from 6 clients at once all succeed",
            {s: statuses.count(s) for s in set(statuses)})
    rows = {r["account_id"] for r in site.installs()}
    t.check(all(f"acct_CgiConc{i:06d}" in rows for i in range(24)), "every concurrent CGI install recorded")


def test_wrapper_without_server(site, wrapper):
    """What a CGI host does: the environment of RFC 3875, the wrapper run
    directly (as www-data, like the server would)."""
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
           "SCRIPT_NAME": "/cgi-bin/stripe-install.cgi", "PATH_INFO": "/healthz", "QUERY_STRING": "",
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
           "REMOTE_ADDR": "127.0.0.1"}
    result = subprocess.run([wrapper], env=env, capture_output=True, timeout=30, user="www-data", group="www-data", extra_groups=[])
    t.check(result.returncode == 0 and result.stdout.startswith(b"Status: 200"),
            "the wrapper answers one CGI request from the environment", result.stdout[:200] + result.stderr[-300:])
    # RFC 3875 §4.4: a query without "=" may reach the program as argv words;
    # a query "installs" must not run the "installs" command.
    page = subprocess.run([BINARY, "installs"], env=dict(env, PATH_INFO="/", QUERY_STRING="installs",
                                                         STRIPE_INSTALL_CONFIG=site.config),
                          capture_output=True, timeout=30, user="www-data", group="www-data", extra_groups=[])
    t.check(page.stdout.startswith(b"Status: 200") and b"/cgi-bin/stripe-install.cgi/assets/style.css" in page.stdout,
            "under CGI argv words are ignored (query \"installs\" is the page); links use SCRIPT_NAME",
            page.stdout[:200])
    other = subprocess.run([wrapper], env=dict(env, STRIPE_INSTALL_CONFIG="/nonexistent/stripe-install.ini"),
                           capture_output=True, timeout=30, user="www-data", group="www-data", extra_groups=[])
    t.check(other.stdout.startswith(b"Status: 500") and b"absec_" not in other.stdout,
            "a STRIPE_INSTALL_CONFIG set by the server wins over the wrapper's path (500 when it is wrong)",
            other.stdout[:200])


def main():
    site = Site("si-cgi-", free_port())
    site.mkdir("cgi-bin")
    values = site.values(BINARY)
    wrapper = render("cgi-bin/stripe-install.cgi", site.path("cgi-bin", "stripe-install.cgi"), values, mode=0o755)
    conf = render("lighttpd/stripe-install-cgi.conf", site.path("conf", "lighttpd-cgi.conf"), values)
    server = ServerProcess("lighttpd", [LIGHTTPD, "-D", "-f", conf], site.path("log", "lighttpd-stdout.log"),
                           site.config, port=site.port)
    try:
        checked = subprocess.run([LIGHTTPD, "-tt", "-f", conf], capture_output=True, text=True, timeout=30)
        t.check(checked.returncode == 0, "lighttpd -tt accepts the rendered stripe-install-cgi.conf",
                checked.stdout + checked.stderr)
        server.start()
        t.run(test_flow, site)
        t.run(test_concurrent, site)
        t.run(test_wrapper_without_server, site, wrapper)
        t.check(server.stop(signal.SIGINT), "lighttpd stops on SIGINT")
        check_no_orphans(t, site.config, "cgi")
    finally:
        server.cleanup()
        if t.failed:
            print(site.log_tail())
        site.remove()
    t.finish()


if __name__ == "__main__":
    main()
