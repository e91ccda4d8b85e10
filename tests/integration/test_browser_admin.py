"""The admin page in a real browser: starts `stripe-install serve` with an admin
password, seeds installs (active, revoked, test mode) and funnel counts over
HTTP, then runs tests/browser/admin.mjs (playwright-core driving Debian's
Chromium: a keyboard-only sign-in, open and revoke; an axe-core audit of the
login page, the overview and an install's page), and checks the database.

Skips visibly (exit 0) when Chromium, Node.js, playwright-core or axe-core is
not installed. Screenshots go to browser-screenshots/admin/ beside the binary,
or to $SI_SCREENSHOT_DIR/admin.
"""
import glob
import json
import os
import subprocess
import sys

from si_harness import BINARY, SOURCE_DIR, Browser, Server, Tally, callback_query, free_port, installs, \
    install_link_from_page, query_of, remove_dir, temp_dir, write_config
from test_admin import ITERATIONS, PASSWORD, csrf_of, install_via_browser, login
from test_browser_flow import missing_prerequisite

SCRIPT = os.path.join(SOURCE_DIR, "tests", "browser", "admin.mjs")
SCRIPT_TIMEOUT = 120  # seconds; the script's own watchdog fires at 85
t = Tally("admin in a browser")


def screenshot_dir():
    root = os.environ.get("SI_SCREENSHOT_DIR") or os.path.join(os.path.dirname(os.path.abspath(BINARY)),
                                                               "browser-screenshots")
    directory = os.path.join(root, "admin")
    os.makedirs(directory, exist_ok=True)
    for old in glob.glob(os.path.join(directory, "*.png")):
        os.remove(old)
    return directory


def password_hash():
    result = subprocess.run([BINARY, "admin", "set-password", "--password-stdin", "--iterations", ITERATIONS],
                            input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    t.check(result.returncode == 0, "admin set-password made a hash", result.stderr)
    return result.stdout.strip().split(" = ", 1)[1]


def seed(server):
    for account, ref, live in (("acct_AdminActive0001", "newsletter", True), ("acct_AdminSecond0001", "", False),
                               ("acct_AdminRevoked001", "blog", True)):
        response = install_via_browser(server, account, ref=ref or None, livemode=live)
        t.check(response.status == 200, f"seeded {account}", response.status)
    admin = Browser(server.base)
    login(admin)
    detail = admin.get("/admin/installs/acct_AdminRevoked001")
    done = admin.post_form("/admin/installs/acct_AdminRevoked001/revoke",
                           {"csrf_token": csrf_of(detail.text), "confirm": "yes"})
    t.check(done.status == 303, "seeded a revoked install", done.status)
    # A failure and a cancel, so every bar of the chart has something.
    visitor = Browser(server.base)
    state = query_of(install_link_from_page(visitor.get("/").text))["state"]
    visitor.get("/callback?" + callback_query(state, secret="absec_wrong_secret_000"))
    visitor.get("/callback?error=access_denied&state=" + state)


def test_browser_admin(directory):
    port = free_port()
    database = os.path.join(directory, "installs.db")
    config = write_config(directory, port, database=database,
                          extra={"admin.password_hash": password_hash()})
    shots = screenshot_dir()
    print(f"screenshots: {shots}")
    with Server(config, port, dev=False) as server:
        seed(server)
        command = ["node", SCRIPT, server.base, shots]
        print("running: " + " ".join(command))
        try:
            completed = subprocess.run(command, cwd=SOURCE_DIR, input=PASSWORD + "\n", capture_output=True,
                                       text=True, timeout=SCRIPT_TIMEOUT)
        except subprocess.TimeoutExpired:
            t.check(False, f"browser script finished within {SCRIPT_TIMEOUT} s")
            return
    result = None
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT_JSON "):
            result = json.loads(line[len("RESULT_JSON "):])
        else:
            print("  | " + line)
    for line in completed.stderr.splitlines():
        print("  ! " + line)
    t.check(completed.returncode == 0, "browser script exits 0", completed.returncode)
    if not t.check(result is not None, "browser script printed its RESULT_JSON report"):
        return
    t.check(result["failed"] == 0 and result["passed"] > 0,
            f"browser checks: {result['passed']} passed, {result['failed']} failed", "; ".join(result["failures"]))
    t.check(len(result["axe"]) == 4 and all(not a["violations"] for a in result["axe"].values()),
            "axe audited the login page, the overview and two install pages: no violations", sorted(result["axe"]))
    pngs = [p for p in result["screenshots"] if os.path.isfile(p)]
    t.check(len(pngs) == 5, f"{len(pngs)} screenshots written to {shots}")
    rows = {r["account_id"]: r for r in installs(database)}
    revoked = rows.get(result.get("revoked_account") or "")
    t.check(revoked is not None and revoked["revoked_by"] == "admin",
            "the keyboard revocation reached the database (revoked_by admin)", revoked)
    t.check(rows["acct_AdminSecond0001"]["revoked_at"] is None, "the other installs were left alone")


def main():
    why = missing_prerequisite()
    if why:
        print(f"SKIPPED: {why}")
        sys.exit(0)
    directory = temp_dir("si-browser-admin-")
    try:
        t.run(test_browser_admin, directory)
    finally:
        remove_dir(directory)
    t.finish()


if __name__ == "__main__":
    main()
