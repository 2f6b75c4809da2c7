"""Starts and stops `worm serve` for the compatibility tests.

The binary comes from $WORM_BIN (set by ctest), else build/server/src/cli/worm.
The server prints "listening on http://HOST:PORT" as its first stdout line;
--port 0 lets the kernel pick a free port, so tests can run in parallel.
"""
import os
import signal
import subprocess
import tempfile

ACCESS_KEY = "AKIDWORMCOMPAT"
SECRET_KEY = "worm-compat-secret-key"


def worm_bin():
    if os.environ.get("WORM_BIN"):
        return os.environ["WORM_BIN"]
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "build", "server", "src", "cli", "worm")


class WormServe:
    """`worm serve --root DIR --port 0` with test credentials."""

    def __init__(self, root=None, extra=()):
        self._tmp = None
        if root is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="worm-serve-")
            root = self._tmp.name
        self.root = root
        self.extra = list(extra)
        self.proc = None
        self.url = None

    def start(self):
        argv = [worm_bin(), "serve", "--root", self.root, "--port", "0",
                "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY] + self.extra
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            err = self.proc.stderr.read()
            raise RuntimeError("worm serve did not start: %r %s" % (line, err))
        self.url = line[len("listening on "):]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise RuntimeError("worm serve did not stop within 30 s of SIGTERM")
            if self.proc.returncode != 0:
                raise RuntimeError("worm serve exited with %d" % self.proc.returncode)

    def close(self):
        try:
            self.stop()
        finally:
            if self._tmp:
                self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
