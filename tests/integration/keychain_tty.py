#!/usr/bin/env python3
"""`worm keychain` on a real terminal (a pty): the secret and the passphrase
are asked for with echo off (what is typed never appears in the output), a
new file asks for the passphrase twice, a wrong one is refused (exit 6).
WORM_BIN: the worm binary."""
import os
import pty
import select
import sys
import tempfile
import time

WORM = os.environ["WORM_BIN"]


def run(kc, args, answers):
    """Runs worm on a pty, typing one answer after each prompt ("...: ")."""
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items()
               if k not in ("WORM_KEYCHAIN_PASSPHRASE", "WORM_KEYCHAIN")}
        env["WORM_KEYCHAIN_KDF"] = "interactive"
        os.execve(WORM, [WORM, "--keychain", "file:" + kc] + args, env)
    out, pending, deadline = b"", list(answers), time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the pty
                break
            if not chunk:
                break
            out += chunk
        if pending and out.count(b": ") > len(answers) - len(pending):
            os.write(fd, pending.pop(0) + b"\n")
    if time.time() >= deadline:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out


def check(cond, what, out):
    if not cond:
        sys.exit(f"FAIL: {what}: {out!r}")


with tempfile.TemporaryDirectory() as tmp:
    kc = os.path.join(tmp, "kc")
    rc, out = run(kc, ["keychain", "add", "tty/k"], [b"typed-secret", b"pass-1", b"pass-1"])
    check(rc == 0 and b"added tty/k" in out, "add", out)
    check(b"New passphrase" in out and b"Repeat" in out, "a new file asks twice", out)
    check(b"typed-secret" not in out and b"pass-1" not in out, "echo is off", out)
    rc, out = run(kc, ["keychain", "get", "tty/k", "--reveal"], [b"pass-1"])
    check(rc == 0 and b"typed-secret" in out and b"pass-1" not in out, "get", out)
    rc, out = run(kc, ["keychain", "list"], [b"wrong"])
    check(rc == 6 and b"wrong passphrase for keychain kc" in out, "wrong passphrase", out)
    rc, out = run(os.path.join(tmp, "kc2"), ["keychain", "add", "k"], [b"s", b"one", b"two"])
    check(rc == 5 and b"differ" in out and not os.path.exists(os.path.join(tmp, "kc2")),
          "mismatched passphrases", out)
print("keychain tty: ok")
