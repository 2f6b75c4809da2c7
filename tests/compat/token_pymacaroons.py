#!/usr/bin/env python3
"""Token interop with pymacaroons (an independent macaroon implementation) and
the `worm token` / `worm keys` command line.

1. A token minted (and attenuated) by `worm token` verifies in pymacaroons
   with the same key and the same caveats; a wrong key or an unmet caveat
   fails there.
2. A token minted, or attenuated, by pymacaroons verifies in `worm token
   verify`; a widened role, a wrong key and an unknown caveat are refused
   (exit 6).
3. The CLI flow over a file keychain: keys create/rotate/retire, revoke, list.

Needs WORM_BIN (the worm binary); pymacaroons comes from python3-pymacaroons
(scripts/setup.sh installs it).
"""
import json
import os
import secrets
import string
import subprocess
import sys
import tempfile
import time

from pymacaroons import Macaroon, Verifier

WORM = os.environ["WORM_BIN"]
PREFIX = "worm1."


def run(args, cwd, env, expect=0, stdin=None):
    p = subprocess.run([WORM] + args, cwd=cwd, env=env, input=stdin,
                       capture_output=True, text=True, timeout=60)
    if p.returncode != expect:
        sys.exit(f"worm {' '.join(args[:3])}...: exit {p.returncode}, wanted {expect}\n"
                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def new_project(root):
    os.makedirs(os.path.join(root, ".worm", "data", ".worm.keys"))
    with open(os.path.join(root, ".worm", "schema.json"), "w") as f:
        json.dump({"schemaVersion": "1.0", "models": {}}, f)


def py_verify(token, key, caveats, now):
    """pymacaroons' verdict on a worm token: exactly these caveats, with exp checked."""
    m = Macaroon.deserialize(token[len(PREFIX):] if token.startswith(PREFIX) else token)
    v = Verifier()
    for c in caveats:
        v.satisfy_exact(c)
    v.satisfy_general(lambda c: c.startswith("exp = ") and int(c[6:]) > now)
    try:
        return v.verify(m, key)
    except Exception:
        return False


def interop(tmp):
    root = os.path.join(tmp, "interop")
    new_project(root)
    # The env keychain: the signing key is the variable's bytes (32 of them).
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    now = int(time.time())
    with open(os.path.join(root, ".worm", "data", ".worm.keys", "keys.json"), "w") as f:
        json.dump({"format": 1, "current": "k1",
                   "keys": [{"kid": "k1", "created": now, "retired": 0}]}, f)
    env = dict(os.environ, WORM_KEYCHAIN="env", WORM_SECRET_SIGNING_K1=key)
    env.pop("WORM_TOKEN", None)

    # 1. worm -> pymacaroons
    out = run(["--json", "token", "create", "--principal", "alice", "--role", "editor,viewer",
               "--actions", "read,list", "--models", "Customer", "--ttl", "1h"], root, env)
    minted = json.loads(out.stdout)
    token = minted["token"]
    assert token.startswith(PREFIX), token[:8]
    exp = minted["expires"]
    base = ["principal = alice", "roles = editor,viewer", "actions = read,list",
            "models = Customer"]
    assert py_verify(token, key, base, now), "pymacaroons refused a worm token"
    assert not py_verify(token, "x" * 32, base, now), "pymacaroons accepted a wrong key"
    assert not py_verify(token, key, base[:-1], now), "an unmet caveat passed"
    assert not py_verify(token, key, base, exp + 1), "pymacaroons accepted it expired"
    m = Macaroon.deserialize(token[len(PREFIX):])
    assert m.identifier.startswith("worm1/k1/") and len(m.identifier) == 9 + 32, m.identifier
    assert m.location == "worm"

    out = run(["--json", "token", "attenuate", token, "--roles", "viewer", "--ids", "c1"],
              root, env)
    narrow = json.loads(out.stdout)["token"]
    assert py_verify(narrow, key, base + ["roles = viewer", "ids = c1"], now)
    assert not py_verify(narrow, key, base, now), "the appended caveats went unchecked"

    # 2. pymacaroons -> worm
    tid = secrets.token_hex(16)
    pm = Macaroon(location="worm", identifier=f"worm1/k1/{tid}", key=key, version=1)
    pm = pm.add_first_party_caveat("principal = bob")
    pm = pm.add_first_party_caveat("roles = viewer,auditor")
    pm = pm.add_first_party_caveat("actions = read")
    pm = pm.add_first_party_caveat(f"exp = {now + 600}")
    serialized = pm.serialize()
    out = run(["--json", "token", "verify", serialized], root, env)
    p = json.loads(out.stdout)
    assert p["principal"] == "bob" and p["roles"] == ["viewer", "auditor"], p
    assert p["scopes"] == [{"actions": ["read"]}], p
    assert p["id"] == tid, p

    # Attenuated by pymacaroons (a holder without the key), verified by worm.
    att = Macaroon.deserialize(token[len(PREFIX):])
    att = att.add_first_party_caveat("models = Invoice")
    att = att.add_first_party_caveat("roles = viewer")
    out = run(["--json", "token", "verify", PREFIX + att.serialize()], root, env)
    p = json.loads(out.stdout)
    assert p["roles"] == ["viewer"], p
    assert {"models": ["Invoice"]} in p["scopes"] and {"models": ["Customer"]} in p["scopes"], p

    # Refusals: widened roles, unknown caveat, wrong key, retired-free unknown kid.
    for caveat in ("roles = viewer,admin", "admin = true", "principal = mallory"):
        bad = Macaroon.deserialize(token[len(PREFIX):]).add_first_party_caveat(caveat)
        r = run(["token", "verify", bad.serialize()], root, env, expect=6)
        assert bad.serialize() not in r.stderr, "the token was echoed"
    forged = Macaroon(location="worm", identifier=f"worm1/k1/{tid}", key="y" * 32, version=1)
    forged = forged.add_first_party_caveat("principal = bob")
    r = run(["token", "verify", forged.serialize()], root, env, expect=6)
    assert "bad signature" in r.stderr, r.stderr
    other = Macaroon(location="worm", identifier=f"worm1/k9/{tid}", key=key, version=1)
    other = other.add_first_party_caveat("principal = bob")
    r = run(["token", "verify", other.serialize()], root, env, expect=6)
    assert "unknown key id" in r.stderr, r.stderr
    # A v2 token (pymacaroons' other format) is refused, not misread.
    v2 = Macaroon(location="worm", identifier=f"worm1/k1/{tid}", key=key, version=2)
    v2 = v2.add_first_party_caveat("principal = bob")
    run(["token", "verify", v2.serialize()], root, env, expect=6)
    # WORM_TOKEN and --token feed verify too.
    run(["token", "verify"], root, dict(env, WORM_TOKEN=serialized))
    run(["--token", serialized, "token", "verify"], root, env)
    run(["token", "verify", "-"], root, env, stdin=serialized + "\n")


def cli_flow(tmp):
    root = os.path.join(tmp, "flow")
    new_project(root)
    env = dict(os.environ, WORM_KEYCHAIN="file:" + os.path.join(tmp, "flow.keychain"),
               WORM_KEYCHAIN_PASSPHRASE="correct horse battery staple")
    env.pop("WORM_TOKEN", None)
    run(["token", "create", "--principal", "a"], root, env, expect=4)  # no key yet
    k1 = json.loads(run(["--json", "keys", "create", "k1"], root, env).stdout)
    assert k1 == {"kid": "k1", "current": True, "keychain": k1["keychain"]}, k1
    t1 = run(["token", "create", "--principal", "alice", "--role", "editor"], root, env).stdout.strip()
    k2 = json.loads(run(["--json", "keys", "rotate", "k2"], root, env).stdout)
    assert k2["current"] is True
    t2 = run(["token", "create", "--principal", "bob"], root, env).stdout.strip()
    assert json.loads(run(["--json", "token", "inspect", t2], root, env).stdout)["kid"] == "k2"
    # Rotation: the old key's tokens stay valid.
    run(["token", "verify", t1], root, env)
    run(["token", "verify", t2], root, env)
    keys = json.loads(run(["--json", "keys", "list"], root, env).stdout)
    assert keys["current"] == "k2" and [k["kid"] for k in keys["keys"]] == ["k1", "k2"], keys
    with open(os.path.join(root, ".worm", "data", ".worm.keys", "keys.json")) as f:
        text = f.read()
    assert "secret" not in text, text
    # Retire: refused.
    run(["keys", "retire", "k1"], root, env)
    r = run(["token", "verify", t1], root, env, expect=6)
    assert "retired" in r.stderr, r.stderr
    run(["token", "verify", t2], root, env)
    # Revoke by token, then by id; list shows both.
    run(["token", "revoke", t2, "--reason", "lost"], root, env)
    r = run(["token", "verify", t2], root, env, expect=6)
    assert "revoked" in r.stderr and t2 not in r.stderr, r.stderr
    t3 = run(["--json", "token", "create", "--principal", "carol", "--ttl", "10m"], root, env)
    t3 = json.loads(t3.stdout)
    run(["token", "revoke", t3["id"]], root, env)
    run(["token", "verify", t3["token"]], root, env, expect=6)
    listed = json.loads(run(["--json", "token", "list"], root, env).stdout)["revoked"]
    assert len(listed) == 2 and listed[0]["reason"] == "lost", listed
    # Expiry and not-before from the command line.
    past = run(["token", "create", "--principal", "d", "--expires", str(int(time.time()) - 5)],
               root, env).stdout.strip()
    r = run(["token", "verify", past], root, env, expect=6)
    assert "expired" in r.stderr, r.stderr
    future = run(["token", "create", "--principal", "d", "--not-before", "2099-01-01T00:00:00Z"],
                 root, env).stdout.strip()
    r = run(["token", "verify", future], root, env, expect=6)
    assert "not yet valid" in r.stderr, r.stderr
    # Garbage and oversized input.
    run(["token", "verify", "worm1.garbage"], root, env, expect=6)
    r = run(["token", "verify", "-"], root, env, expect=6, stdin="A" * 9000)
    assert "too large" in r.stderr, r.stderr
    # Attenuation cannot add a role.
    run(["token", "attenuate", t2, "--roles", "admin"], root, env, expect=5)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        interop(tmp)
        cli_flow(tmp)
    print("token interop and CLI: ok")


if __name__ == "__main__":
    main()
