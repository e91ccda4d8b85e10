"""The install flow end to end over real HTTP against `stripe-install serve`
(issue 3): page, state cookie, consent stand-in, callback, replay, other
browser, expiry, tampering, livemode policy, return_url, ref, XSS, and 32
concurrent identical callbacks."""
import base64
import concurrent.futures
import contextlib
import hashlib
import os
import re
import secrets
import sqlite3
import time
import urllib.parse

from si_harness import (APP_ID, APP_SECRET, PREVIOUS_APP_SECRET, Browser, Server, Tally, callback_query,
                        free_port, install_link_from_page, installs, query_of, remove_dir, temp_dir,
                        write_config)

t = Tally("install flow")
XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg/onload=alert(1)>",
       "javascript:alert(1)", "</title><script>x</script>"]


def reflected(payload, page):
    """True when `payload` comes back where it could act: raw markup, or a
    javascript: URL in an attribute."""
    if "javascript:" in payload:
        return 'href="javascript:' in page.text.lower() or "src=\"javascript:" in page.text.lower()
    return payload in page.text


def begin(browser):
    page = browser.get("/")
    link = install_link_from_page(page.text)
    return query_of(link)["state"], link, page


def test_install_page(server):
    browser = Browser(server.base)
    state, link, page = begin(browser)
    t.check(page.status == 200, "install page answers 200")
    t.check(link.startswith(f"{server.base}/_dev/marketplace/apps/install/link/{APP_ID}?redirect_uri="),
            "the --dev link points at the local stand-in", link)
    t.check(query_of(link)["redirect_uri"] == f"{server.base}/callback", "redirect_uri is the configured one")
    t.check(re.fullmatch(r"[A-Za-z0-9_-]{43}", state) is not None, "state is 32 bytes, base64url (43 characters)", state)
    cookie = page.header("Set-Cookie") or ""
    t.check("HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie,
            "binding cookie is HttpOnly, SameSite=Lax, scoped", cookie)
    t.check("Secure" not in cookie, "no Secure flag over plain HTTP")
    state2, _, _ = begin(browser)
    t.check(state2 != state, "each view mints a fresh state")
    for name, expected in [("Content-Security-Policy", "frame-ancestors 'none'"),
                           ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                           ("Cache-Control", "no-store")]:
        t.check(expected in (page.header(name) or ""), f"install page has {name}: {expected}")
    t.check("Read your invoices" in page.text and "Shipment Invoicing" in page.text,
            "page shows app name and permissions")
    css = browser.get("/assets/style.css")
    t.check(css.status == 200 and "text/css" in (css.header("Content-Type") or ""), "stylesheet served same-origin")


def test_full_flow_through_stand_in(server, database):
    browser = Browser(server.base)
    state, link, _ = begin(browser)
    consent = browser.get(link)
    t.check(consent.status == 200 and "stand-in" in consent.text.lower(), "stand-in consent page shown")
    decided = browser.post_form("/_dev/marketplace/decide", {
        "account_id": "acct_1DevDemoShop0001", "state": state,
        "redirect_uri": f"{server.base}/callback", "decision": "install"})
    t.check(decided.status == 303, "Install redirects back", decided.status)
    location = decided.header("Location")
    q = query_of(location)
    t.check(q.get("livemode") == "false" and q.get("state") == state and "install_signature" in q,
            "redirect carries state, signature, livemode=false", location)
    done = browser.get(location)
    t.check(done.status == 200, "callback succeeds", done.status)
    t.check("acct_1DevDemoShop0001" in done.text, "success page names the account")
    rows = [r for r in installs(database) if r["account_id"] == "acct_1DevDemoShop0001"]
    t.check(len(rows) == 1 and rows[0]["livemode"] == 0 and rows[0]["user_id"] == "usr_DevDemoUser01",
            "one test-mode install row recorded", rows)
    replay = browser.get(location)
    t.check(replay.status == 400 and "already been used" in replay.text, "replay refused", replay.status)
    rows = [r for r in installs(database) if r["account_id"] == "acct_1DevDemoShop0001"]
    t.check(len(rows) == 1, "still one install row after the replay")
    t.check("state_already_used" in server.log_text(), "log names the replay")


def test_cancel(server):
    browser = Browser(server.base)
    state, _, _ = begin(browser)
    decided = browser.post_form("/_dev/marketplace/decide", {
        "account_id": "acct_1DevDemoShop0001", "state": state,
        "redirect_uri": f"{server.base}/callback", "decision": "cancel"})
    location = decided.header("Location")
    t.check("error=access_denied" in location, "Cancel redirects with error=access_denied")
    page = browser.get(location)
    t.check(page.status == 200 and "cancelled" in page.text.lower(), "cancellation page, not an error status")
    for payload in XSS:
        page = browser.get("/callback?" + urllib.parse.urlencode({"error": "access_denied",
                                                                   "error_description": payload}))
        t.check(not reflected(payload, page) and page.status < 500, f"error_description escaped: {payload!r}")


def test_other_browser(server):
    alice, mallory = Browser(server.base), Browser(server.base)
    state, _, _ = begin(alice)
    mallory.get("/")  # has a binding cookie of its own
    page = mallory.get("/callback?" + callback_query(state))
    t.check(page.status == 400 and "same browser" in page.text, "state from another browser refused", page.status)
    nocookie = Browser(server.base).get("/callback?" + callback_query(state))
    t.check(nocookie.status == 400, "no cookie at all refused")
    ok = alice.get("/callback?" + callback_query(state))
    t.check(ok.status == 200, "the right browser still completes (refusal did not consume)", ok.status)


def test_signature_failures(server, database):
    browser = Browser(server.base)
    state, _, _ = begin(browser)
    before = len(installs(database))
    cases = {
        "account_id tampered": callback_query(state, tamper={"account_id": "acct_Evil0000000001"}),
        "user_id tampered": callback_query(state, tamper={"user_id": "usr_Evil"}),
        "state tampered": callback_query(state, tamper={"state": state[:-1] + ("A" if state[-1] != "A" else "B")}),
        "wrong secret": callback_query(state, secret="absec_wrong"),
        "too old": callback_query(state, timestamp=1_000_000_000),
        "missing signature": urllib.parse.urlencode({"user_id": "usr_1", "account_id": "acct_1", "state": state}),
        "missing account": urllib.parse.urlencode({"user_id": "usr_1", "state": state, "install_signature": "t=1,v1=a"}),
    }
    for name, query in cases.items():
        page = browser.get("/callback?" + query)
        t.check(page.status == 400, f"{name}: 400", page.status)
    t.check(len(installs(database)) == before, "nothing recorded by any refused callback")
    ok = browser.get("/callback?" + callback_query(state, secret=PREVIOUS_APP_SECRET))
    t.check(ok.status == 200, "a signature by the previous (rotated) secret is accepted", ok.status)
    log = server.log_text()
    t.check("no_match" in log and "too_old" in log and "no_signature" in log, "log names the exact causes")


def test_xss_everywhere(server):
    browser = Browser(server.base)
    for payload in XSS:
        for query in [callback_query(payload), callback_query("s", user_id=payload),
                      callback_query("s", account_id=payload),
                      urllib.parse.urlencode({"state": payload, "user_id": payload, "account_id": payload,
                                              "install_signature": payload, "livemode": payload}),
                      urllib.parse.urlencode({"ref": payload})]:
            for path in ["/callback", "/start", "/", "/nothing-here"]:
                page = browser.get(path + "?" + query)
                t.check(not reflected(payload, page) and page.status < 500, f"{path} does not reflect {payload!r}")


def test_ref_round_trip_and_start(server, database):
    browser = Browser(server.base)
    start = browser.get("/start?ref=" + urllib.parse.quote("order 42/é"))
    t.check(start.status == 303, "/start answers 303", start.status)
    link = start.header("Location")
    t.check(link.startswith(f"{server.base}/_dev/marketplace/apps/install/link/"), "to the install link")
    state = query_of(link)["state"]
    ok = browser.get("/callback?" + callback_query(state, account_id="acct_RefRoundTrip01"))
    t.check(ok.status == 200, "callback after /start succeeds", ok.status)
    rows = [r for r in installs(database) if r["account_id"] == "acct_RefRoundTrip01"]
    t.check(len(rows) == 1 and rows[0]["ref"] == "order 42/é", "ref kept on the install", rows)
    t.check(browser.get("/start?ref=" + "x" * 201).status == 400, "ref over 200 characters refused")
    t.check(browser.get("/start?ref=a%0Ab").status == 400, "ref with a control character refused")
    t.check(browser.get("/start?ref=a&ref=b").status == 400, "repeated ref refused as ambiguous")


def test_routes(server):
    browser = Browser(server.base)
    health = browser.get("/healthz")
    t.check(health.status == 200 and '"ok"' in health.text, "healthz 200 JSON")
    t.check(browser.get("/nope").status == 404, "unknown path 404")
    t.check(browser.request("POST", "/callback", body="", headers={"Content-Length": "0"}).status == 405,
            "POST /callback 405")
    t.check(browser.request("DELETE", "/").status == 405, "DELETE / 405")
    t.check(browser.get("/?" + "a" * 9000).status == 414, "query over 8 KiB 414")


def test_concurrent_identical_callbacks(server, database):
    browser = Browser(server.base)
    state, _, _ = begin(browser)
    query = callback_query(state, account_id="acct_Concurrent0001")
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())

    def attempt(_):
        return Browser(server.base).get("/callback?" + query, headers={"Cookie": cookie}).status

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(attempt, range(32)))
    t.check(statuses.count(200) == 1 and statuses.count(400) == 31, "32 identical callbacks: exactly one success",
            statuses)
    rows = [r for r in installs(database) if r["account_id"] == "acct_Concurrent0001"]
    t.check(len(rows) == 1, "exactly one install row")


def state_rows(database):
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        return [row[0] for row in db.execute("SELECT token_hash FROM install_states")]


def test_state_keys(server, database):
    """The database holds each state under its time prefix + SHA-256, never in clear."""
    before_ms = int(time.time() * 1000) - 2000
    state, _, _ = begin(Browser(server.base))
    after_ms = int(time.time() * 1000) + 2000
    minted_ms = int.from_bytes(base64.urlsafe_b64decode(state + "=")[:6], "big")
    t.check(before_ms <= minted_ms <= after_ms, "a state's first 6 bytes are its minting time in ms",
            (before_ms, minted_ms, after_ms))
    key = f"{minted_ms:012x}" + hashlib.sha256(state.encode()).hexdigest()
    rows = state_rows(database)
    t.check(key in rows, "stored under 12 hex digits of that time + sha256(state)", key)
    t.check(not any(state in row for row in rows), "no state is stored in clear")


def test_state_minted_before_time_ordered_keys(server, database):
    """A state stored by an older version (key = sha256(state) alone) still completes, once."""
    browser = Browser(server.base)
    begin(browser)  # for the binding cookie
    binding = next(iter(browser.cookies.values()))
    state = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    now = int(time.time())
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        db.execute("INSERT INTO install_states (token_hash, browser_hash, ref, created_at, expires_at)"
                   " VALUES (?, ?, '', ?, ?)", (hashlib.sha256(state.encode()).hexdigest(),
                                                 hashlib.sha256(binding.encode()).hexdigest(), now, now + 600))
        db.commit()
    query = callback_query(state, account_id="acct_LegacyKey0001")
    t.check(browser.get("/callback?" + query).status == 200, "a state under the old key installs")
    t.check(len([r for r in installs(database) if r["account_id"] == "acct_LegacyKey0001"]) == 1,
            "one install row for it")
    replay = browser.get("/callback?" + query)
    t.check(replay.status == 400 and "state_already_used" in server.log_text(), "its replay is refused as used",
            replay.status)


def test_reinstall_updates_row(server, database):
    browser = Browser(server.base)
    for user in ["usr_First", "usr_Second"]:
        state, _, _ = begin(browser)
        t.check(browser.get("/callback?" + callback_query(state, user_id=user, account_id="acct_Reinstall001")).status == 200,
                f"install as {user}")
    rows = [r for r in installs(database) if r["account_id"] == "acct_Reinstall001"]
    t.check(len(rows) == 1 and rows[0]["user_id"] == "usr_Second", "a re-install updates the one row", rows)


def test_expired_state(directory):
    port = free_port()
    config = write_config(directory, port, database=os.path.join(directory, "expiry.db"),
                          extra={"site.state_ttl": "60"})
    browser = Browser(f"http://127.0.0.1:{port}")
    with Server(config, port):
        state, _, _ = begin(browser)
    # The same database 61 s later, as far as the program can tell.
    with Server(config, port, env={"STRIPE_INSTALL_CLOCK_OFFSET": "61"}) as later:
        import time
        page = browser.get("/callback?" + callback_query(state, timestamp=int(time.time()) + 61))
        t.check(page.status == 400 and "expired" in page.text, "a state past its TTL is refused as expired",
                page.status)
        t.check("state_expired" in later.log_text(), "log names the expiry")


def test_livemode_policy_and_return_url(directory):
    port = free_port()
    config = write_config(directory, port, database=os.path.join(directory, "policy.db"),
                          extra={"site.livemode": "live",
                                 "site.return_url": "https://app.example.com/welcome?from=stripe"})
    with Server(config, port) as server:
        browser = Browser(server.base)
        state, _, _ = begin(browser)
        test_mode = browser.get("/callback?" + callback_query(state, livemode=False))
        t.check(test_mode.status == 400 and "mode" in test_mode.text, "test-mode install refused when live only")
        live = browser.get("/callback?" + callback_query(state, account_id="acct_LiveReturn001"))
        t.check(live.status == 303, "success redirects to return_url", live.status)
        location = live.header("Location") or ""
        t.check(location == "https://app.example.com/welcome?from=stripe&account_id=acct_LiveReturn001&livemode=true",
                "return_url gets account_id and livemode", location)


def main():
    directory = temp_dir("si-flow-")
    try:
        port = free_port()
        database = os.path.join(directory, "installs.db")
        config = write_config(directory, port, database=database)
        with Server(config, port) as server:
            t.run(test_install_page, server)
            t.run(test_full_flow_through_stand_in, server, database)
            t.run(test_cancel, server)
            t.run(test_other_browser, server)
            t.run(test_signature_failures, server, database)
            t.run(test_xss_everywhere, server)
            t.run(test_ref_round_trip_and_start, server, database)
            t.run(test_routes, server)
            t.run(test_concurrent_identical_callbacks, server, database)
            t.run(test_reinstall_updates_row, server, database)
            t.run(test_state_keys, server, database)
            t.run(test_state_minted_before_time_ordered_keys, server, database)
            log = server.log_text()
        t.run(test_expired_state, directory)
        t.run(test_livemode_policy_and_return_url, directory)
        t.check(APP_SECRET not in log and PREVIOUS_APP_SECRET not in log, "no secret in the log")
    finally:
        remove_dir(directory)
    t.finish()


if __name__ == "__main__":
    main()
