#!/usr/bin/env python3
"""`stripe-install verify-callback` and `sign-callback` against the shared
install_signature vectors (produced with stripe-node, so each verdict there is
Stripe's own).

verify-callback: every case's callback_query, verified with the case's secrets,
clock and tolerance, must give the vector's verdict: exit 0 and the same fields,
or exit 1 and "invalid: " + stripe-node's reason. Then the command line itself:
usage errors exit 2, STRIPE_APP_SECRETS, --help, a full URL with a #fragment.

sign-callback: for every case that is one plain Stripe signature over our
canonical payload, signing the same fields at the same time must print the
vector's callback_query byte for byte; plus its own command line.

Environment: SI_BINARY (the built stripe-install), SI_SHARED_DIR (shared/).
"""
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time

BINARY = os.environ.get("SI_BINARY", "build/stripe-install")
SHARED = os.environ.get("SI_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
VECTORS = os.path.join(SHARED, "vectors", "install-signature.json")

passed = 0
failed = 0


def check(condition, what, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))


def run(*args, env_secrets=None):
    """Runs the program; STRIPE_APP_SECRETS is removed unless given."""
    env = {k: v for k, v in os.environ.items() if k != "STRIPE_APP_SECRETS"}
    if env_secrets is not None:
        env["STRIPE_APP_SECRETS"] = env_secrets
    proc = subprocess.run([BINARY, *args], capture_output=True, env=env, timeout=30)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def log_safe(text, max_length=4096):
    """What the CLI prints for a field: si::logSafe (printable ASCII but \\ and
    " kept, every other byte as \\xNN, cut at max_length with an ellipsis)."""
    out = ""
    for byte in text.encode("utf-8"):
        if len(out) >= max_length:
            return out + "…"
        if 0x20 <= byte < 0x7F and byte not in (0x5C, 0x22):
            out += chr(byte)
        else:
            out += f"\\x{byte:02x}"
    return out


def printed_fields(stdout):
    lines = stdout.splitlines()
    return dict(line.split(": ", 1) for line in lines[1:] if ": " in line)


def canonical_payload(fields):
    """Our signed JSON: {"state":…,"user_id":…,"account_id":…}, null state when absent."""
    return json.dumps({"state": fields.get("state"), "user_id": fields["user_id"],
                       "account_id": fields["account_id"]}, separators=(",", ":"), ensure_ascii=False)


def hmac_hex(secret, text):
    return hmac.new(secret.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_vectors(cases):
    print(f"== verify-callback: {len(cases)} vectors from {VECTORS}")
    for case in cases:
        name = case["name"]
        args = [a for s in case["secrets"] for a in ("--secret", s)]
        args += ["--at", str(case["now"]), "--tolerance", str(case["tolerance"]), case["callback_query"]]
        code, out, err = run("verify-callback", *args)
        if not case["expect"]["valid"]:
            expected = "invalid: " + case["expect"]["reason"]
            check(code == 1 and out.startswith(expected),
                  f"vector '{name}': exit 1, {expected!r}", f"exit {code}, stdout {out!r}, stderr {err!r}")
            continue
        fields = printed_fields(out)
        want = {
            "state": log_safe(case["fields"]["state"]) if "state" in case["fields"] else "(none)",
            "user_id": log_safe(case["fields"]["user_id"]),
            "account_id": log_safe(case["fields"]["account_id"]),
            "livemode": "false" if "livemode=false" in case["callback_query"] else "true",
            "signed_at": re.search(r"t=(\d+)", case["install_signature"]).group(1),
        }
        got = {k: fields.get(k) for k in want}
        check(code == 0 and out.startswith("valid\n") and got == want,
              f"vector '{name}': exit 0, valid, fields as signed",
              f"exit {code}, stdout {out!r}, stderr {err!r}, want {want}")
        # Which secret matched: the one whose HMAC is in the header.
        t = want["signed_at"]
        for index, secret in enumerate(case["secrets"]):
            digest = hmac_hex(secret, f"{t}.{case['signed_payload_example']}")
            if digest in case["install_signature"]:
                label = "current" if index == 0 else f"previous #{index}"
                check(fields.get("secret") == label, f"vector '{name}': reports secret {label}",
                      f"printed {fields.get('secret')!r}")
                break


def verify_command_line(case):
    print("== verify-callback: command line")
    secret = case["secrets"][0]
    at = ["--at", str(case["now"]), "--tolerance", str(case["tolerance"])]
    query = case["callback_query"]

    usage = {
        "no arguments": [],
        "no URL": ["--secret", secret],
        "two URLs": ["--secret", secret, query, query],
        "unknown option": ["--secret", secret, "--bogus", query],
        "--secret without a value": [query, "--secret"],
        "empty --secret": ["--secret", "", query],
        "--at not a number": ["--secret", secret, "--at", "soon", query],
        "--at with trailing junk": ["--secret", secret, "--at", "12x", query],
        "--tolerance not a number": ["--secret", secret, "--tolerance", "5m", query],
    }
    for what, args in usage.items():
        code, out, err = run("verify-callback", *args)
        check(code == 2 and out == "" and "verify-callback" in err and err.strip(),
              f"usage error exits 2 with a message on stderr: {what}", f"exit {code}, stdout {out!r}, stderr {err!r}")

    code, out, err = run("verify-callback", "--help")
    options = ["--secret", "--at", "--tolerance", "--help", "STRIPE_APP_SECRETS"]
    check(code == 0 and all(o in out for o in options),
          f"--help exits 0 and mentions {', '.join(options)}", f"exit {code}, stdout {out!r}")

    code, out, _ = run("verify-callback", *at, query, env_secrets=secret)
    check(code == 0 and out.startswith("valid\n"), "STRIPE_APP_SECRETS alone is used", out)
    code, out, _ = run("verify-callback", *at, query, env_secrets=f" absec_new_one , {secret} ")
    check(code == 0 and printed_fields(out).get("secret") == "previous #1",
          "STRIPE_APP_SECRETS is a comma-separated list; the second matches as 'previous #1'", out)
    code, out, _ = run("verify-callback", "--secret", "absec_wrong", *at, query, env_secrets=secret)
    check(code == 1 and out.startswith("invalid: No signatures found matching"),
          "--secret takes precedence over STRIPE_APP_SECRETS", out)
    code, out, _ = run("verify-callback", *at, query)
    check(code != 0 and "No signing secret is configured" in out + _,
          "no secret at all: refused, saying no signing secret is configured", f"exit {code}, {out!r}")

    url = "https://example.com/callback/stripe?" + query + "#section-2"
    code, out, _ = run("verify-callback", "--secret", secret, *at, url)
    check(code == 0 and out.startswith("valid\n"), "a full URL with a #fragment is accepted", out)
    code, out, _ = run("verify-callback", f"--secret={secret}", f"--at={case['now']}", url)
    check(code == 0 and out.startswith("valid\n"), "--name=value option forms work", out)

    code, out, _ = run("verify-callback", "--secret", secret, *at,
                       "error=access_denied&error_description=The%20user%20denied%20your%20request")
    check(code == 1 and out.startswith("invalid: the user cancelled"), "a cancelled install is invalid (exit 1)", out)
    code, out, _ = run("verify-callback", "--secret", secret, *at, "user_id=u&install_signature=t%3D1")
    check(code == 1 and out.startswith("invalid: ") and "account_id" in out, "a callback without account_id is invalid", out)
    code, out, _ = run("verify-callback", "--secret", secret, *at, query + "&state=dup")
    check(code == 1 and "more than once" in out, "a repeated parameter is refused as ambiguous", out)

    stale = ["--at", str(case["now"] + 10_000)]
    code, out, _ = run("verify-callback", "--secret", secret, *stale, query)
    check(code == 1 and out.startswith("invalid: Timestamp outside the tolerance zone"), "an old URL is invalid by default", out)
    code, out, _ = run("verify-callback", "--secret", secret, *stale, "--tolerance", "0", query)
    check(code == 0, "--tolerance 0 turns the age check off", out)


def plain_signature_over_canonical(case):
    """The secret that made this valid vector when it is one `t=…,v1=…` over our
    canonical payload (so sign-callback must reproduce it exactly), else None."""
    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", case["install_signature"])
    if not case["expect"]["valid"] or not match:
        return None
    if case["signed_payload_example"] != canonical_payload(case["fields"]):
        return None
    for secret in case["secrets"]:
        if hmac_hex(secret, f"{match.group(1)}.{case['signed_payload_example']}") == match.group(2):
            return secret, int(match.group(1))
    return None


def sign_vectors(cases):
    reproducible = [(c, plain_signature_over_canonical(c)) for c in cases]
    reproducible = [(c, s) for c, s in reproducible if s]
    print(f"== sign-callback: reproduces {len(reproducible)} vectors byte for byte")
    for case, (secret, t) in reproducible:
        f = case["fields"]
        args = ["--secret", secret, "--user-id", f["user_id"], "--account-id", f["account_id"], "--at", str(t)]
        if "state" in f:
            args += ["--state", f["state"]]
        if "livemode=false" in case["callback_query"]:
            args.append("--test-mode")
        code, out, err = run("sign-callback", *args)
        check(code == 0 and out == case["callback_query"] + "\n",
              f"sign-callback reproduces vector '{case['name']}'",
              f"exit {code}\n     got  {out!r}\n     want {case['callback_query']!r}\n     stderr {err!r}")
    check(len(reproducible) >= 10, f"enough vectors were reproducible ({len(reproducible)})")


def sign_command_line(case):
    print("== sign-callback: command line")
    secret = case["secrets"][0]
    f = case["fields"]
    base = ["--user-id", f["user_id"], "--account-id", f["account_id"], "--at", str(case["now"])]
    usage = {
        "no arguments": [],
        "no secret (and no STRIPE_APP_SECRETS)": base,
        "no --user-id": ["--secret", secret, "--account-id", "a"],
        "no --account-id": ["--secret", secret, "--user-id", "u"],
        "empty --user-id": ["--secret", secret, "--user-id", "", "--account-id", "a"],
        "empty --secret": ["--secret", "", *base],
        "--secret twice": ["--secret", secret, "--secret", "other", *base],
        "--state without a value": ["--secret", secret, *base, "--state"],
        "unknown option": ["--secret", secret, *base, "--bogus"],
        "a stray argument": ["--secret", secret, *base, "extra"],
        "--at not a number": ["--secret", secret, *base, "--at", "now"],
        "--at negative": ["--secret", secret, *base, "--at", "-5"],
        "empty --base": ["--secret", secret, *base, "--base", ""],
    }
    for what, args in usage.items():
        code, out, err = run("sign-callback", *args)
        check(code == 2 and out == "" and "sign-callback" in err,
              f"usage error exits 2 with a message on stderr: {what}", f"exit {code}, stdout {out!r}, stderr {err!r}")

    code, out, _ = run("sign-callback", "--help")
    options = ["--secret", "--user-id", "--account-id", "--state", "--at", "--test-mode", "--base", "--help",
               "STRIPE_APP_SECRETS"]
    check(code == 0 and all(o in out for o in options),
          f"--help exits 0 and mentions {', '.join(options)}", f"exit {code}, stdout {out!r}")
    code, out, _ = run("--help")
    check(code == 0 and "sign-callback" in out and "verify-callback" in out,
          "the program's --help lists sign-callback", out)

    code, with_flag, _ = run("sign-callback", "--secret", secret, *base)
    code2, with_env, _ = run("sign-callback", *base, env_secrets=f"{secret},absec_other")
    check(code == 0 and code2 == 0 and with_flag == with_env,
          "without --secret, the first of STRIPE_APP_SECRETS signs", f"{with_flag!r} vs {with_env!r}")
    check("state=" not in with_flag and "livemode" not in with_flag,
          "without --state or --test-mode there is no state or livemode parameter", with_flag)
    code, out, _ = run("verify-callback", "--secret", secret, "--at", str(case["now"]), with_flag.strip())
    check(code == 0 and printed_fields(out).get("state") == "(none)",
          "a URL with no state verifies (signed over \"state\":null)", out)

    code, out, _ = run("sign-callback", "--secret", secret, *base, "--state", "", "--test-mode")
    check(code == 0 and "&state=&" in out and out.endswith("&livemode=false\n"),
          "--state '' gives an empty state=; --test-mode appends livemode=false", out)

    for given, prefix in [("https://example.com/cb", "https://example.com/cb?user_id="),
                          ("https://example.com/cb?ref=x", "https://example.com/cb?ref=x&user_id="),
                          ("https://example.com/cb?", "https://example.com/cb?user_id=")]:
        code, out, _ = run("sign-callback", "--secret", secret, *base, "--base", given)
        check(code == 0 and out.startswith(prefix), f"--base {given} → {prefix}…", out)
    code, out, _ = run("sign-callback", "--secret", secret, *base, "--base", "https://example.com/cb#top")
    check(code == 0 and out.startswith("https://example.com/cb?user_id=") and out.endswith("#top\n"),
          "--base keeps a #fragment at the end", out)
    code, out, _ = run("verify-callback", "--secret", secret, "--at", str(case["now"]), out.strip())
    check(code == 0, "that URL verifies", out)

    code, out, _ = run("sign-callback", "--secret", secret, *base[:-2])
    t = re.search(r"t%3D(\d+)", out)
    check(code == 0 and t and abs(int(t.group(1)) - time.time()) < 60, "without --at it signs as of now", out)


def main():
    if not os.path.exists(BINARY):
        print(f"stripe-install not found at {BINARY} (set SI_BINARY)")
        return 1
    with open(VECTORS, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    verify_vectors(cases)
    verify_command_line(cases[0])
    sign_vectors(cases)
    sign_command_line(cases[0])
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
