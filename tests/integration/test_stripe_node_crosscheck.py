#!/usr/bin/env python3
"""Cross-checks install_signature against Stripe's own Node library.

(a) stripe-node signs JSON.stringify({state, user_id, account_id}) for ~200
    random callbacks whose states hold arbitrary Unicode (BMP and astral),
    quotes, backslashes, control characters, U+2028/U+2029, / + & = # % and
    HTML; the redirect query is built with urllib.parse.urlencode, and
    `stripe-install verify-callback` must accept every one and print the same
    fields. A tampered copy of each (one field or the signature changed) must
    be refused by both verify-callback and stripe-node.
(b) the other way: `stripe-install sign-callback` makes the URL; Python parses
    it, rebuilds the payload with json.dumps(..., separators=(',', ':'),
    ensure_ascii=False), and stripe-node's verifyHeader must accept it; Node's
    JSON.stringify of the same object must equal those payload bytes.
(c) the clock: the same signature at ages around the tolerance gets the same
    verdict from both.

All Node work runs in one `node tests/node/stripe-oracle.js` process per
batch. Skips visibly (exit 0, "SKIPPED: …") when node or the stripe package is
not installed (scripts/install-deps.sh installs them).

Environment: SI_BINARY, SI_SOURCE_DIR; SI_SEED picks another random seed.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import urllib.parse

BINARY = os.environ.get("SI_BINARY", "build/stripe-install")
SOURCE = os.environ.get("SI_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NODE_DIR = os.path.join(SOURCE, "tests", "node")
ORACLE = os.path.join(NODE_DIR, "stripe-oracle.js")
SEED = int(os.environ.get("SI_SEED", "20251129"))
COUNT = 200
NOW = 1764395301
TOLERANCE = 300
SECRET = "absec_c8fb5ca538097fbf5f8edd3c0cd96a44"
PREVIOUS_SECRET = "absec_265a3c428c50786b8d23907e0c7ca64d"
NO_MATCH = "No signatures found matching the expected signature for payload"

passed = 0
failed = 0
failures_shown = 0


def check(condition, what, detail=""):
    """Counts a check; prints failures (the first 20 in full), passes in summary."""
    global passed, failed, failures_shown
    if condition:
        passed += 1
        return True
    failed += 1
    failures_shown += 1
    if failures_shown <= 20:
        print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))
    return False


def section(title, before):
    print(f"ok   {title}: {passed - before[0]} checks passed, {failed - before[1]} failed")


def counts():
    return passed, failed


def oracle(cases):
    """Runs a batch of cases through stripe-oracle.js; one result per case."""
    proc = subprocess.run(["node", ORACLE], input=json.dumps({"cases": cases}).encode(),
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"stripe-oracle.js exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    reply = json.loads(proc.stdout.decode("utf-8"))
    if len(reply["results"]) != len(cases):
        raise RuntimeError("stripe-oracle.js answered a different number of cases")
    for result in reply["results"]:
        if "error" in result:
            raise RuntimeError(f"stripe-oracle.js could not run a case: {result['error']}")
    return reply["stripe_version"], reply["results"]


def run(*args):
    env = {k: v for k, v in os.environ.items() if k != "STRIPE_APP_SECRETS"}
    proc = subprocess.run([BINARY, *args], capture_output=True, env=env, timeout=30)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", errors="replace")


def log_safe(text, max_length=4096):
    """What verify-callback prints for a field (si::logSafe)."""
    out = ""
    for byte in text.encode("utf-8"):
        if len(out) >= max_length:
            return out + "…"
        out += chr(byte) if 0x20 <= byte < 0x7F and byte not in (0x5C, 0x22) else f"\\x{byte:02x}"
    return out


def printed_fields(stdout):
    return dict(line.split(": ", 1) for line in stdout.splitlines()[1:] if ": " in line)


# ---- random inputs -------------------------------------------------------

SPECIALS = ['"', "\\", "/", " ", "+", "&", "=", "#", "?", "%", ";", ",", "'", "<", ">", "\u2028", "\u2029",
            "\u007f", "\u0085", "\u00a0", "\ufeff", "\ufffd", "\uffff", "\u0301", "\u200d", "é", "日", "😀", "🚀",
            "👩‍💻", "𝄞", "\U0010ffff", "%20", "%00", "&amp;", "</script>", "<b>", "--", "\r\n"]
HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;&amp;&#x27;", "\"'><!--", "{{state}}"]


def random_char(rng):
    kind = rng.random()
    if kind < 0.25:
        return chr(rng.randint(0x20, 0x7E))
    if kind < 0.40:
        return chr(rng.randint(0x01, 0x1F))
    if kind < 0.60:
        return rng.choice(SPECIALS)
    if kind < 0.80:  # anywhere in the BMP but the surrogates (not valid UTF-8 alone)
        c = rng.randint(0x80, 0xFFFD)
        return chr(c) if not 0xD800 <= c <= 0xDFFF else "\u2028"
    if kind < 0.90:
        return chr(rng.choice([rng.randint(0x1F300, 0x1FAFF), rng.randint(0x10000, 0x10FFFF)]))
    return rng.choice(HTML)


def random_text(rng, max_length):
    return "".join(random_char(rng) for _ in range(rng.randint(0, max_length)))


def random_id(rng, prefix):
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ident = prefix + "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 24)))
    if rng.random() < 0.15:  # ids are opaque to us: odd ones must work too
        ident += random_text(rng, 6) or "+"
    return ident


FIXED_STATES = ["", " ", "+", "null", "--help", "-", "a=b&c=d", "%41%", "\\u0041", "\u2028\u2029",
                "\u0001\u001f", "😀" * 60, "x" * 2000, "日本語テキスト", "\"quoted\"", "line1\r\nline2"]


def random_fields(rng, index):
    fields = {"user_id": random_id(rng, "usr_"), "account_id": random_id(rng, "acct_")}
    if index < len(FIXED_STATES):
        fields["state"] = FIXED_STATES[index]
    elif rng.random() < 0.9:  # sometimes no state at all
        fields["state"] = random_text(rng, 40)
    return fields


def callback_query(fields, header, livemode_false):
    pairs = [("user_id", fields["user_id"]), ("account_id", fields["account_id"])]
    if "state" in fields:
        pairs.append(("state", fields["state"]))
    pairs.append(("install_signature", header))
    if livemode_false:
        pairs.append(("livemode", "false"))
    return urllib.parse.urlencode(pairs)


def python_payload(fields):
    return json.dumps({"state": fields.get("state"), "user_id": fields["user_id"],
                       "account_id": fields["account_id"]}, separators=(",", ":"), ensure_ascii=False)


def verify_cpp(query, at=NOW, tolerance=TOLERANCE, secrets=(SECRET,)):
    args = [a for s in secrets for a in ("--secret", s)]
    return run("verify-callback", *args, "--at", str(at), "--tolerance", str(tolerance), query)


def coverage(cases):
    """Says which kinds of character the random states held, and checks each kind came up."""
    states = [c["fields"].get("state") for c in cases]
    kinds = {
        "no state": lambda s: s is None,
        "empty": lambda s: s == "",
        "astral (emoji etc.)": lambda s: s and any(ord(ch) > 0xFFFF for ch in s),
        "other non-ASCII": lambda s: s and any(0x80 <= ord(ch) <= 0xFFFF for ch in s),
        "U+0001..U+001F": lambda s: s and any(ord(ch) < 0x20 for ch in s),
        "U+2028/U+2029": lambda s: s and ("\u2028" in s or "\u2029" in s),
        "quote or backslash": lambda s: s and ('"' in s or "\\" in s),
        "+ & = / or space": lambda s: s and any(ch in s for ch in "+&=/ "),
        "HTML": lambda s: s and "<" in s,
    }
    tally = {name: sum(1 for s in states if test(s)) for name, test in kinds.items()}
    print("states: " + ", ".join(f"{n} {name}" for name, n in tally.items()))
    for name, n in tally.items():
        check(n > 0, f"the random states include {name}")


# ---- (a) stripe-node signs, C++ verifies ----------------------------------

def tamper(rng, fields, header):
    """A copy with one thing changed; returns (fields, header, what changed)."""
    fields = dict(fields)
    choice = rng.randrange(5)
    if choice == 0:
        fields["user_id"] += "x"
        return fields, header, "user_id"
    if choice == 1:
        fields["account_id"] = fields["account_id"][:-1] + ("0" if fields["account_id"][-1] != "0" else "1")
        return fields, header, "account_id"
    if choice == 2:
        if "state" in fields:
            fields["state"] = fields["state"] + "\u2028" if rng.random() < 0.5 else "tampered"
        else:
            fields["state"] = "x"  # a state added to a URL that had none
        return fields, header, "state"
    if choice == 3:
        digit = header[-1]
        return fields, header[:-1] + ("0" if digit != "0" else "1"), "signature"
    t, rest = header.split(",", 1)
    return fields, f"t={int(t[2:]) + 1},{rest}", "timestamp"


def node_signs_cpp_verifies(rng):
    before = counts()
    cases = []
    for i in range(COUNT):
        fields = random_fields(rng, i)
        secret = SECRET if rng.random() < 0.8 else PREVIOUS_SECRET
        cases.append({"fields": fields, "secret": secret, "t": NOW - rng.randint(-TOLERANCE, TOLERANCE),
                      "livemode_false": rng.random() < 0.5})
    coverage(cases)
    version, signed = oracle([{"op": "sign", "fields": c["fields"], "secret": c["secret"], "timestamp": c["t"]}
                              for c in cases])
    print(f"stripe-node {version} (tests/node), seed {SEED}")

    tampered = []
    for case, result in zip(cases, signed):
        fields, payload, header = case["fields"], result["payload"], result["header"]
        label = f"node-signed {json.dumps(fields)[:120]}"
        if "state" in fields:  # JS drops an absent state; ours writes null
            check(payload == python_payload(fields), f"{label}: JSON.stringify == json.dumps",
                  f"{payload!r} vs {python_payload(fields)!r}")
        query = callback_query(fields, header, case["livemode_false"])
        code, out, err = verify_cpp(query, secrets=(SECRET, PREVIOUS_SECRET))
        got = printed_fields(out)
        want = {"state": log_safe(fields["state"]) if "state" in fields else "(none)",
                "user_id": log_safe(fields["user_id"]), "account_id": log_safe(fields["account_id"]),
                "livemode": "false" if case["livemode_false"] else "true", "signed_at": str(case["t"]),
                "secret": "current" if case["secret"] == SECRET else "previous #1"}
        check(code == 0 and out.startswith("valid\n") and {k: got.get(k) for k in want} == want,
              f"{label}: verify-callback accepts it with the same fields",
              f"exit {code}, query {query!r}\n     stdout {out!r} stderr {err!r}")

        bad_fields, bad_header, what = tamper(rng, fields, header)
        bad_query = callback_query(bad_fields, bad_header, case["livemode_false"])
        code, out, err = verify_cpp(bad_query, secrets=(SECRET, PREVIOUS_SECRET))
        check(code == 1 and out.startswith("invalid: " + NO_MATCH),
              f"{label}: verify-callback refuses it with {what} tampered",
              f"exit {code}, query {bad_query!r}\n     stdout {out!r}")
        bad_payload = json.dumps({k: bad_fields[k] for k in ("state", "user_id", "account_id") if k in bad_fields},
                                 separators=(",", ":"), ensure_ascii=False)
        tampered.append({"op": "verify", "payload": bad_payload, "header": bad_header, "secret": case["secret"],
                         "tolerance": TOLERANCE, "received_at": NOW, "what": what, "label": label})
    _, verdicts = oracle(tampered)
    for case, verdict in zip(tampered, verdicts):
        check(not verdict["valid"] and verdict["reason"].startswith(NO_MATCH),
              f"{case['label']}: stripe-node also refuses the {case['what']}-tampered copy", str(verdict))
    section(f"(a) {COUNT} callbacks signed by stripe-node: verify-callback accepts each, refuses each tampered copy",
            before)


# ---- (b) C++ signs, stripe-node verifies ----------------------------------

def cpp_signs_node_verifies(rng):
    before = counts()
    verify_cases, stringify_cases, labels = [], [], []
    for i in range(COUNT):
        fields = random_fields(rng, i)
        at = NOW - rng.randint(0, TOLERANCE)
        test_mode = rng.random() < 0.5
        args = ["--secret", SECRET, "--user-id", fields["user_id"], "--account-id", fields["account_id"],
                "--at", str(at)]
        if "state" in fields:
            args += ["--state", fields["state"]]
        if test_mode:
            args.append("--test-mode")
        label = f"C++-signed {json.dumps(fields)[:120]}"
        code, out, err = run("sign-callback", *args)
        if not check(code == 0 and out.endswith("\n") and out.count("\n") == 1,
                     f"{label}: sign-callback prints one line", f"exit {code}, stdout {out!r}, stderr {err!r}"):
            continue
        query = out.rstrip("\n")
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=True, errors="strict")
        except (ValueError, UnicodeDecodeError) as e:
            check(False, f"{label}: the query parses as a form", f"{e}: {query!r}")
            continue
        names = [name for name, _ in pairs]
        want_names = ["user_id", "account_id"] + (["state"] if "state" in fields else []) + \
                     ["install_signature"] + (["livemode"] if test_mode else [])
        check(names == want_names, f"{label}: parameters in Stripe's order", f"{names}")
        parsed = dict(pairs)
        rebuilt = {k: parsed[k] for k in ("state", "user_id", "account_id") if k in parsed}
        check(rebuilt == fields, f"{label}: the query carries the fields unchanged", f"{rebuilt!r} vs {fields!r}")
        check(query == urllib.parse.urlencode(pairs),
              f"{label}: encoded exactly as urllib.parse.urlencode (form encoding) would",
              f"{query!r}\n     vs {urllib.parse.urlencode(pairs)!r}")
        if test_mode:
            check(parsed.get("livemode") == "false", f"{label}: --test-mode gives livemode=false")
        header = parsed.get("install_signature", "")
        check(header.startswith(f"t={at},v1="), f"{label}: signed at --at", header)
        payload = python_payload(rebuilt)
        verify_cases.append({"op": "verify", "payload": payload, "header": header, "secret": SECRET,
                             "tolerance": TOLERANCE, "received_at": NOW})
        stringify_cases.append({"op": "stringify", "fields": dict(rebuilt, state=rebuilt.get("state"))})
        labels.append((label, payload))
    _, verdicts = oracle(verify_cases + stringify_cases)
    for (label, payload), verdict, js in zip(labels, verdicts[:len(labels)], verdicts[len(labels):]):
        check(verdict.get("valid") is True, f"{label}: stripe-node verifyHeader accepts it", str(verdict))
        check(js["json"] == payload, f"{label}: JSON.stringify of the fields equals our payload bytes",
              f"{js['json']!r}\n     vs {payload!r}")
    section(f"(b) {COUNT} callbacks signed by sign-callback: stripe-node verifies each; JSON.stringify agrees", before)


# ---- (c) the clock ---------------------------------------------------------

def clock_agrees():
    """Ages at and around the tolerance, past side: both must agree. (Stripe's
    libraries never refuse a future-dated signature; ours refuses one dated more
    than the tolerance ahead, by design. Only printed, not judged here.)"""
    before = counts()
    fields = {"state": "clock", "user_id": "usr_clock", "account_id": "acct_clock"}
    ages = [-TOLERANCE, -1, 0, 1, TOLERANCE - 1, TOLERANCE, TOLERANCE + 1, 10 * TOLERANCE]
    _, signed = oracle([{"op": "sign", "fields": fields, "secret": SECRET, "timestamp": NOW - age} for age in ages])
    for tolerance in (TOLERANCE, 0):
        cases = [{"op": "verify", "payload": s["payload"], "header": s["header"], "secret": SECRET,
                  "tolerance": tolerance, "received_at": NOW} for s in signed]
        _, verdicts = oracle(cases)
        for age, s, verdict in zip(ages, signed, verdicts):
            code, out, _ = verify_cpp(callback_query(fields, s["header"], False), tolerance=tolerance)
            cpp_valid = code == 0
            check(cpp_valid == verdict["valid"] and (cpp_valid or out.startswith("invalid: " + verdict["reason"])),
                  f"age {age}s, tolerance {tolerance}: same verdict as stripe-node",
                  f"stripe-node {verdict}, verify-callback exit {code} {out!r}")
    far = NOW + 10 * TOLERANCE
    _, (future,) = oracle([{"op": "sign", "fields": fields, "secret": SECRET, "timestamp": far}])
    _, (node_verdict,) = oracle([{"op": "verify", "payload": future["payload"], "header": future["header"],
                                  "secret": SECRET, "tolerance": TOLERANCE, "received_at": NOW}])
    code, out, _ = verify_cpp(callback_query(fields, future["header"], False))
    print(f"note dated {10 * TOLERANCE}s ahead: stripe-node valid={node_verdict['valid']}; "
          f"verify-callback: {out.splitlines()[0] if out else code} (stricter by design)")
    section("(c) ages around the tolerance: verify-callback and stripe-node agree", before)


def main():
    if shutil.which("node") is None:
        print("SKIPPED: node is not installed (scripts/install-deps.sh installs nodejs); "
              "nothing was cross-checked against stripe-node")
        return 0
    if not os.path.isfile(os.path.join(NODE_DIR, "node_modules", "stripe", "package.json")):
        print(f"SKIPPED: {NODE_DIR}/node_modules/stripe is missing (run scripts/install-deps.sh, "
              "or npm ci in tests/node); nothing was cross-checked against stripe-node")
        return 0
    if not os.path.exists(BINARY):
        print(f"stripe-install not found at {BINARY} (set SI_BINARY)")
        return 1
    rng = random.Random(SEED)
    node_signs_cpp_verifies(rng)
    cpp_signs_node_verifies(rng)
    clock_agrees()
    if failures_shown > 20:
        print(f"… and {failures_shown - 20} more failures not shown")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
