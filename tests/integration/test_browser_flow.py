"""The install flow in a real browser: starts `stripe-install serve --dev` on a
temporary configuration and database, runs tests/browser/install-flow.mjs
(playwright-core driving Debian's Chromium: mouse, cancel and keyboard-only runs,
plus an axe-core audit of every page), then checks the database holds exactly
one test-mode install row, for the account the browser chose.

Skips visibly (exit 0) when Chromium, Node.js, playwright-core or axe-core is
not installed (scripts/install-deps.sh installs them). Screenshots go to
browser-screenshots/ beside the binary, or to $SI_SCREENSHOT_DIR.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

from si_harness import BINARY, SOURCE_DIR, Server, Tally, free_port, installs, remove_dir, temp_dir, write_config

CHROMIUM = "/usr/bin/chromium"
SCRIPT = os.path.join(SOURCE_DIR, "tests", "browser", "install-flow.mjs")
NODE_MODULES = os.path.join(SOURCE_DIR, "tests", "node", "node_modules")
SCRIPT_TIMEOUT = 120  # seconds; the script's own watchdog fires at 85
DEV_USER_ID = "usr_DevDemoUser01"

t = Tally("browser flow")


def missing_prerequisite():
    """Why the test cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (Debian package chromium)"
    if shutil.which("node") is None:
        return "node is not on PATH"
    for package in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(NODE_MODULES, package)):
            return f"{package} is not in {NODE_MODULES} (run npm ci in tests/node)"
    return None


def screenshot_dir():
    directory = os.environ.get("SI_SCREENSHOT_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(BINARY)), "browser-screenshots")
    os.makedirs(directory, exist_ok=True)
    for old in glob.glob(os.path.join(directory, "*.png")) + glob.glob(os.path.join(directory, "report.json")):
        os.remove(old)
    return directory


def run_script(base, shots):
    """Runs the browser script; returns (exit code, its report or None)."""
    command = ["node", SCRIPT, base, shots]
    print("running: " + " ".join(command))
    try:
        completed = subprocess.run(command, cwd=SOURCE_DIR, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or b""
        print(output.decode("utf-8", "replace") if isinstance(output, bytes) else output)
        t.check(False, f"browser script finished within {SCRIPT_TIMEOUT} s")
        return None, None
    result = None
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT_JSON "):
            result = json.loads(line[len("RESULT_JSON "):])
        else:
            print("  | " + line)
    for line in completed.stderr.splitlines():
        print("  ! " + line)
    return completed.returncode, result


def test_browser_flow(directory):
    port = free_port()
    database = os.path.join(directory, "installs.db")
    config = write_config(directory, port, database=database)
    shots = screenshot_dir()
    print(f"screenshots: {shots}")
    with Server(config, port) as server:
        code, result = run_script(server.base, shots)
        log = server.log_text()
    t.check(code == 0, "browser script exits 0", f"exit code {code}")
    if not t.check(result is not None, "browser script printed its RESULT_JSON report"):
        print(log[-4000:])
        return
    t.check(result["failed"] == 0 and result["passed"] > 0,
            f"browser checks: {result['passed']} passed, {result['failed']} failed",
            "; ".join(result["failures"]))
    for name, audit in sorted(result["axe"].items()):
        for violation in audit["violations"]:
            for target in violation["targets"]:
                print(f"     axe {name}: {violation['id']} ({violation['impact']}) at {target}")
    t.check(len(result["axe"]) == 4, "axe audited four pages", sorted(result["axe"]))
    pngs = [path for path in result["screenshots"] if os.path.isfile(path)]
    t.check(len(pngs) >= 6 and len(pngs) == len(result["screenshots"]), f"{len(pngs)} screenshots written to {shots}")

    chosen = set(result["chosen_accounts"])
    if not t.check(len(chosen) == 1, "every run chose the same account", result["chosen_accounts"]):
        return
    account = chosen.pop()
    rows = installs(database)
    mine = [row for row in rows if row["account_id"] == account]
    t.check(len(mine) == 1, f"exactly one install row for {account}", rows)
    t.check(len(rows) == len(mine), "no row for any other account (the cancel recorded nothing)", rows)
    if mine:
        t.check(mine[0]["livemode"] == 0, "the row is test mode (livemode 0)", mine[0])
        t.check(mine[0]["user_id"] == DEV_USER_ID, f"the row's user is {DEV_USER_ID}", mine[0])
    t.check("install_cancelled" in log, "the server logged the cancelled install")


def main():
    why = missing_prerequisite()
    if why:
        print(f"SKIPPED: {why}")
        sys.exit(0)
    directory = temp_dir("si-browser-")
    try:
        t.run(test_browser_flow, directory)
    finally:
        remove_dir(directory)
    t.finish()


if __name__ == "__main__":
    main()
