"""The network module (stripe-install-net.so) is loaded lazily, and its
absence is an error that names the file, never a failed install.

With the module in place, a plain-CGI page request loads neither it nor
OpenSSL (LD_DEBUG=files lists every object the loader opens). Without it
(STRIPE_INSTALL_MODULE_DIR naming an empty folder): `api`, `installs sync`,
`serve` and `notify flush` (with [notify] url) exit 1 naming the file; a
plain-CGI install still succeeds, its success page without the account's
name, and the log says why (account_name_disabled).
"""
import os
import subprocess
import urllib.parse

from si_harness import (BINARY, Tally, callback_query, free_port, install_link_from_page, installs, query_of,
                        remove_dir, temp_dir, write_config)

MODULE = "stripe-install-net.so"
t = Tally("network module")


def cgi(config, path, query="", cookie="", env=None):
    """One plain-CGI request: (status, headers as (name, value) list, body, stderr)."""
    environment = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
                   "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "STRIPE_INSTALL_CONFIG": config}
    if cookie:
        environment["HTTP_COOKIE"] = cookie
    environment.update(env or {})
    result = subprocess.run([BINARY], env=environment, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head.decode().split("\r\n") if ":" in line]
    status = int(dict(headers).get("Status", "200").split()[0])
    return status, headers, body.decode(errors="replace"), result.stderr.decode(errors="replace")


def install_through_cgi(config, account, env=None):
    """The install page, then Stripe's signed redirect: (status, body, log of both requests)."""
    status, headers, body, log = cgi(config, "/", env=env)
    t.check(status == 200, "the install page answers", status)
    cookie = "; ".join(value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie")
    state = query_of(install_link_from_page(body))["state"]
    status, _, body, more = cgi(config, "/callback", callback_query(state, account_id=account), cookie, env=env)
    return status, body, log + more


def test_page_loads_no_network_code(config):
    status, _, _, log = cgi(config, "/", env={"LD_DEBUG": "files"})
    opened = [line for line in log.splitlines() if "file=" in line]
    t.check(status == 200 and opened, "a page request under LD_DEBUG=files", status)
    for name in [MODULE, "libssl.so", "libcrypto.so", "libPocoNet.so", "libPocoUtil.so"]:
        t.check(not any(name in line for line in opened), f"a page request does not load {name}")


def test_commands_name_the_missing_file(config, empty):
    env = dict(os.environ, STRIPE_INSTALL_MODULE_DIR=empty)
    expected = f"{MODULE} was not found ({empty}/{MODULE})"
    runs = {
        "api": [BINARY, "api", "GET", "/v1/accounts/acct_Net0000000001", "--config", config],
        "installs sync": [BINARY, "installs", "sync", "--config", config],
        "serve": [BINARY, "serve", "--listen", f"127.0.0.1:{free_port()}", "--config", config],
    }
    for name, command in runs.items():
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        t.check(result.returncode == 1 and expected in result.stderr and "Network support is not installed" in result.stderr,
                f"{name} without the module: exit 1, naming {MODULE}", (result.returncode, result.stderr))


def test_install_without_the_module(config, empty, database):
    env = {"STRIPE_INSTALL_MODULE_DIR": empty}
    account = "acct_NetMissing000001"
    status, body, log = install_through_cgi(config, account, env)
    t.check(status == 200 and account in body, "the install succeeds without the module", (status, body[-300:]))
    t.check(any(row["account_id"] == account for row in installs(database)), "the install is recorded")
    t.check("account_name_disabled" in log and MODULE in log, "the log says why no name is shown", log[-600:])


def test_notify_flush_without_the_module(directory, empty):
    config = write_config(directory, port=8080, extra={
        "notify.url": "http://127.0.0.1:9/hook", "notify.secret": "whsec_notify_net_module_test",
        "database.connection": os.path.join(directory, "notify.db")})
    result = subprocess.run([BINARY, "notify", "flush", "--config", config], capture_output=True, text=True,
                            timeout=60, env=dict(os.environ, STRIPE_INSTALL_MODULE_DIR=empty))
    t.check(result.returncode == 1 and "cannot set up delivery" in result.stderr and MODULE in result.stderr,
            "notify flush with [notify] url and no module: exit 1, naming the file", (result.returncode, result.stderr))


def main():
    directory = temp_dir("si-net-module-")
    empty = os.path.join(directory, "no-modules")
    os.makedirs(empty)
    try:
        database = os.path.join(directory, "installs.db")
        # An API key makes the success page look the account's name up; the
        # base is a closed port (nothing must be reached in these tests).
        config = write_config(directory, port=8080, database=database, extra={
            "stripe.api_key": "sk_test_NetModuleIntegration", "stripe.api_base": "http://127.0.0.1:9"})
        t.run(test_page_loads_no_network_code, config)
        t.run(test_commands_name_the_missing_file, config, empty)
        t.run(test_install_without_the_module, config, empty, database)
        notify = os.path.join(directory, "notify")
        os.makedirs(notify)
        t.run(test_notify_flush_without_the_module, notify, empty)
    finally:
        remove_dir(directory)
    t.finish()


if __name__ == "__main__":
    main()
