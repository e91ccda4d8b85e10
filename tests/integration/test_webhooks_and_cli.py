"""Webhooks posted over HTTP to the running program (every case in
shared/vectors/webhook-events.json, checked through `installs show/list`),
the out-of-order case, the 64 KiB limit, wrong method, malformed JSON with a
valid signature; then the admin command line (installs, link, check,
migrate, purge) and a scan of every log and page for secrets (issue 4)."""
import json
import os
import shutil
import subprocess
import time

from si_harness import (APP_SECRET, BINARY, PREVIOUS_APP_SECRET, SHARED_DIR, SOURCE_DIR, Browser, Server, Tally,
                        callback_query, free_port, install_link_from_page, query_of, remove_dir, stripe_signature,
                        temp_dir, write_config)

t = Tally("webhooks and CLI")
VECTORS = json.load(open(os.path.join(SHARED_DIR, "vectors", "webhook-events.json")))["cases"]
VECTOR_SECRET = VECTORS[0]["secret"]
VECTOR_NOW = VECTORS[0]["now"]
EVENT_CREATED = json.loads(VECTORS[0]["body"])["created"]
seen_output = []  # every page, log and command output, scanned for secrets at the end


def cli(config, *args, env=None):
    result = subprocess.run([BINARY, *args, "--config", config], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, **(env or {})))
    seen_output.extend([result.stdout, result.stderr])
    return result


def show(config, account):
    result = cli(config, "installs", "show", account, "--format", "json")
    return json.loads(result.stdout) if result.returncode == 0 else []


def install_at(config, port, accounts, unix_time):
    """Test-mode installs through the real flow, as of `unix_time`."""
    offset = str(unix_time - int(time.time()))
    with Server(config, port, dev=False, env={"STRIPE_INSTALL_CLOCK_OFFSET": offset}) as server:
        browser = Browser(server.base)
        for account in accounts:
            state = query_of(install_link_from_page(browser.get("/").text))["state"]
            page = browser.get("/callback?" + callback_query(state, account_id=account, timestamp=unix_time,
                                                             livemode=False))
            t.check(page.status == 200, f"given: {account} installed at {unix_time}", page.status)
        seen_output.append(server.log_text())


def post(browser, body, signature=None, headers=None):
    all_headers = {"Content-Type": "application/json"}
    if signature:
        all_headers["Stripe-Signature"] = signature
    all_headers.update(headers or {})
    return browser.request("POST", "/webhook", body=body.encode() if isinstance(body, str) else body,
                           headers=all_headers)


def test_vectors(config, port):
    by_name = {v["name"]: v for v in VECTORS}
    install_at(config, port, ["acct_db92b7985e7b56cc", "acct_729e95cab764f95a"], EVENT_CREATED - 100)
    install_at(config, port, ["acct_3d84cc685b0f7399"], EVENT_CREATED + 4)
    offset = str(VECTOR_NOW - int(time.time()))
    with Server(config, port, dev=False, env={"STRIPE_INSTALL_CLOCK_OFFSET": offset}) as server:
        browser = Browser(server.base)
        for vector in VECTORS:
            reply = post(browser, vector["body"], vector["stripe_signature"] or None)
            seen_output.append(reply.text)
            expected = 200 if vector["expect"]["valid"] else 400
            t.check(reply.status == expected, f"{vector['name']}: HTTP {expected}", f"{reply.status} {reply.text}")
            if not vector["expect"]["valid"]:
                t.check(json.loads(reply.text).get("error", {}).get("message", "").startswith(
                    vector["expect"]["reason"]), f"{vector['name']}: JSON error gives Stripe's reason", reply.text)
            if vector["name"].startswith("deauthorized: the app"):
                rows = show(config, "acct_db92b7985e7b56cc")
                t.check(len(rows) == 1 and rows[0]["status"] == "revoked" and rows[0]["revoked_by"] == "webhook"
                        and rows[0]["revoke_event_id"] == "evt_15cfa09334adc3cc0056fb9a",
                        "deauthorized: install marked revoked with the event id", rows)
                first_revocation = rows[0]["revoked_at"]
            if vector["name"].startswith("the same delivery again"):
                rows = show(config, "acct_db92b7985e7b56cc")
                t.check(rows[0]["revoked_at"] == first_revocation and '"duplicate"' in reply.text,
                        "retried delivery changes nothing", reply.text)
        seen_output.append(server.log_text())
        log = server.log_text()
    t.check(show(config, "acct_b076771faf8d6847")[:1] and show(config, "acct_b076771faf8d6847")[0]["status"] == "active"
            and show(config, "acct_b076771faf8d6847")[0]["source"] == "webhook",
            "authorized: install recorded from the webhook")
    rows = show(config, "acct_729e95cab764f95a")
    t.check(rows and rows[0]["status"] == "revoked", "apps.install.deleted: revoked")
    rows = show(config, "acct_3d84cc685b0f7399")
    t.check(rows and rows[0]["status"] == "active", "late deauthorize does not revoke the newer install", rows)
    t.check(show(config, "acct_418afd6b7beb63fe") == [], "unhandled event type changes nothing")
    t.check("evt_15cfa09334adc3cc0056fb9a" in log and "account.application.deauthorized" in log
            and "outcome=revoked" in log, "one log line per delivery: event, type, outcome")
    t.check("bad_json" not in log, "no JSON error for the vector deliveries")
    del by_name


def test_endpoint_limits(config, port):
    with Server(config, port, dev=False) as server:
        browser = Browser(server.base)
        body = json.dumps({"id": "evt_big", "type": "charge.succeeded", "account": "acct_x", "created": 1,
                           "pad": "x" * (64 * 1024)})
        reply = post(browser, body, stripe_signature(body, VECTOR_SECRET))
        t.check(reply.status == 413 and "64 KiB" in reply.text, "body over 64 KiB: 413 JSON", reply.status)
        bad = "{not json"
        reply = post(browser, bad, stripe_signature(bad, VECTOR_SECRET))
        t.check(reply.status == 400 and "bad_json" in reply.text, "valid signature, malformed JSON: 400", reply.text)
        t.check(browser.get("/webhook").status == 405, "GET /webhook: 405")
        reply = post(browser, "{}", "t=1,v1=00")
        t.check(reply.status == 400 and reply.header("Content-Type") == "application/json",
                "bad signature: 400 JSON")
        seen_output.append(server.log_text())


def test_cli(config, directory):
    listing = cli(config, "installs", "list", "--format", "json")
    rows = json.loads(listing.stdout)
    t.check(listing.returncode == 0 and len(rows) == 4, "installs list --format json", listing.stdout)
    t.check(all(set(r) >= {"account_id", "livemode", "status", "user_id", "ref", "installed_at", "revoked_at"}
                for r in rows), "JSON has the documented keys")
    revoked = json.loads(cli(config, "installs", "list", "--revoked", "--format", "json").stdout)
    active = json.loads(cli(config, "installs", "list", "--active", "--format", "json").stdout)
    t.check(len(revoked) == 2 and len(active) == 2, "--revoked / --active filter")
    t.check(json.loads(cli(config, "installs", "list", "--livemode", "live", "--format", "json").stdout) == [],
            "--livemode live filter (all test-mode here)")
    csv = cli(config, "installs", "list", "--format", "csv").stdout.splitlines()
    t.check(csv[0].startswith("account_id,livemode,status") and len(csv) == 5, "CSV with a header row")
    table = cli(config, "installs", "list").stdout
    t.check("ACCOUNT" in table and "acct_3d84cc685b0f7399" in table, "table output")
    revoke = cli(config, "installs", "revoke", "acct_3d84cc685b0f7399")
    t.check(revoke.returncode == 0, "installs revoke", revoke.stderr)
    rows = show(config, "acct_3d84cc685b0f7399")
    t.check(rows[0]["status"] == "revoked" and rows[0]["revoked_by"] == "cli", "revoked by hand, recorded as cli")
    t.check(cli(config, "installs", "revoke", "acct_3d84cc685b0f7399").returncode == 1, "revoking twice: exit 1")
    t.check(cli(config, "installs", "show", "acct_nobody").returncode == 1, "show unknown account: exit 1")
    t.check(cli(config, "installs", "frobnicate").returncode == 2, "unknown action: exit 2")
    for command in ["installs", "link", "check", "migrate", "purge", "serve", "verify-callback"]:
        help_run = subprocess.run([BINARY, command, "--help"], capture_output=True, text=True, timeout=30)
        t.check(help_run.returncode == 0 and "Usage" in help_run.stdout, f"{command} --help")
    link = cli(config, "link", "--state", "abc")
    t.check(link.stdout.strip().endswith("?redirect_uri=http%3A%2F%2F127.0.0.1%3A" + link.stdout.split("%3A")[2].split("%2F")[0]
                                         + "%2Fcallback&state=abc"), "link --state prints the install link", link.stdout)
    t.check(cli(config, "migrate").returncode == 0, "migrate")
    purge = cli(config, "purge")
    t.check(purge.returncode == 0 and purge.stdout.startswith("purged "), "purge reports a count", purge.stdout)


def test_check(directory, port):
    good = write_config(directory, port, database=os.path.join(directory, "check.db"))
    manifest = os.path.join(SHARED_DIR, "reference", "stripe-app.example.json")
    result = cli(good, "check")
    t.check(result.returncode == 0 and "everything is fine" in result.stdout, "check: good configuration", result.stdout)

    def expect_problem(name, text, **kwargs):
        sub = os.path.join(directory, name)
        os.makedirs(sub, exist_ok=True)
        config = write_config(sub, port, **kwargs)
        outcome = cli(config, "check", *(["--manifest", kwargs.pop("manifest")] if "manifest" in kwargs else []))
        t.check(outcome.returncode == 1 and text in outcome.stdout, f"check finds: {name}", outcome.stdout)

    expect_problem("no-webhook-secret", "no webhook secret", extra={"stripe.webhook_secrets": None})
    expect_problem("no-app-secret", "app_secrets", extra={"stripe.app_secrets": None})
    broken = os.path.join(directory, "broken-templates")
    shutil.copytree(os.path.join(SOURCE_DIR, "templates"), broken)
    with open(os.path.join(broken, "success.html"), "a") as f:
        f.write("{{#unclosed}}")
    expect_problem("bad-template", "success.html", templates=broken)
    # (As root, permissions do not stop writes; a folder that does not exist does.)
    expect_problem("db-not-writable", "database", database=os.path.join(directory, "missing-folder", "x.db"))

    sub = os.path.join(directory, "manifest")
    os.makedirs(sub)
    config = write_config(sub, port, redirect_uri="https://example.com/stripe/callback")
    outcome = cli(config, "check", "--manifest", manifest)
    t.check(outcome.returncode == 0 and "app_id matches" in outcome.stdout
            and "is in the manifest's allowed_redirect_uris" in outcome.stdout and "uses HTTPS" in outcome.stdout,
            "check --manifest: listed HTTPS redirect_uri and matching id accepted", outcome.stdout)
    config = write_config(sub, port, redirect_uri="http://shop.example.com/callback",
                          extra={"stripe.app_id": "com.example.other"})
    outcome = cli(config, "check", "--manifest", manifest)
    t.check(outcome.returncode == 1 and "not in the manifest" in outcome.stdout and "must use HTTPS" in outcome.stdout
            and "manifest's id" in outcome.stdout, "check --manifest: unlisted, non-HTTPS, wrong app id", outcome.stdout)


def main():
    directory = temp_dir("si-webhooks-")
    try:
        port = free_port()
        config = write_config(directory, port, extra={"stripe.webhook_secrets": VECTOR_SECRET})
        t.run(test_vectors, config, port)
        t.run(test_endpoint_limits, config, port)
        t.run(test_cli, config, directory)
        t.run(test_check, directory, port)
        leaked = [s for s in [APP_SECRET, PREVIOUS_APP_SECRET, VECTOR_SECRET] if any(s in out for out in seen_output)]
        t.check(not leaked and len(seen_output) > 20, "no secret in any log, page or command output", leaked)
    finally:
        remove_dir(directory)
    t.finish()


if __name__ == "__main__":
    main()
