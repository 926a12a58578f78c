"""Warm page kernels: each page's kernel is forked from a process that has imported the libraries.

A page's kernel used to start a fresh Python and import numpy, pandas, scipy, statsmodels and
networkx before its first cell could run: about 2.5 s of a quiet machine's time, paid by every
page. A runner worker now starts one *zygote* for its whole run, which imports those libraries
once; each page's kernel is a ``fork`` of it, so the imports are already done. Pages stay
isolated: every page gets its own forked process, which ends with the page.

How jupyter_client sees it: the kernel command it starts is this file's ``client``, a small
stdlib-only process that asks the zygote for a kernel and then stands for it (it forwards
interrupts and termination, and exits when the kernel does; if it is killed, the kernel sees its
link close and exits too). If no zygote answers, the client becomes an ordinary kernel
(``ipykernel_launcher``), so a page never fails for want of a zygote.

What the zygote must not do: import ``ccs_methods`` (the page's dependency log notes the
package's modules as the page imports them) or ``matplotlib`` (its backend is chosen from the
kernel's environment at import). This file is therefore run by path and imports only the
standard library at its top::

    python warm_kernel.py serve SOCKET                       # the zygote (a runner worker)
    python warm_kernel.py client SOCKET -f CONNECTION_FILE   # the kernel command
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

#: Imported once by the zygote; what every page's kernel would otherwise import itself.
PRELOAD = (
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.api",
    "networkx",
    "IPython",
    "ipykernel.kernelapp",
)
#: Environment variables the zygote never keeps (a page's dependency log is per page).
NOT_INHERITED = ("CCS_DEPS_FILE", "CCS_DEPS_ROOT")
#: How long (s) a client waits for a zygote still importing before it starts a cold kernel.
CONNECT_TIMEOUT_ENV = "CCS_WARM_CONNECT_TIMEOUT"
#: How often (s) a zygote and a client check that the process that started them still lives.
POLL_SECONDS = 1.0
SCRIPT = Path(__file__).resolve()


def kernel_command(sock: str | Path, kernel_args: list[str]) -> list[str]:
    """The kernel command for jupyter_client: this file's client, for the zygote at ``sock``.

    ``kernel_args`` are ipykernel's arguments (``-f CONNECTION_FILE``).
    """
    return [sys.executable, str(SCRIPT), "client", str(sock), *kernel_args]


def zygote_command(sock: str | Path) -> list[str]:
    """The command that starts a zygote listening on ``sock``."""
    return [sys.executable, str(SCRIPT), "serve", str(sock)]


def _cold_kernel(argv: list[str]) -> None:
    """Become an ordinary kernel (no zygote answered)."""
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def _become_kernel(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: take the client's streams, cwd and environment; run the kernel."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # the zygote's own handlers are not the kernel's
        signal.signal(sig, signal.SIG_DFL)
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    conn.sendall(f"{os.getpid()}\n".encode())

    def watch_client() -> None:  # the client is gone (killed): so is this kernel
        with contextlib.suppress(OSError):
            while conn.recv(1):
                pass
        os._exit(1)

    threading.Thread(target=watch_client, name="ccs-warm-client-link", daemon=True).start()
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    from ipykernel.kernelapp import IPKernelApp

    try:
        IPKernelApp.launch_instance(argv=request["argv"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def serve(sock_path: str) -> int:
    """The zygote: import :data:`PRELOAD`, then fork a kernel for every client that connects."""
    if sys.path and Path(sys.path[0] or ".").resolve() == SCRIPT.parent:
        del sys.path[0]  # run by path: this folder must not shadow anything in the kernels
    for name in NOT_INHERITED:
        os.environ.pop(name, None)
    for module in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    tmp = f"{sock_path}.{os.getpid()}.tmp"

    def leave(signum: int, _frame: object) -> None:  # stopped: leave no socket file behind
        for path in (tmp, sock_path):
            with contextlib.suppress(OSError):
                os.unlink(path)
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, leave)
    parent = os.getppid()
    _die_with_parent()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(tmp)
    server.listen(16)
    server.settimeout(POLL_SECONDS)
    os.replace(tmp, sock_path)  # clients see the socket only once it listens
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if os.getppid() != parent:  # the worker is gone (killed): so is its zygote
                with contextlib.suppress(OSError):
                    os.unlink(sock_path)
                return 1
            continue
        try:
            _, fds, _, _ = socket.recv_fds(conn, 1, 3)
            with conn.makefile("rb") as stream:
                request = json.loads(stream.readline())
        except (OSError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            server.close()
            _become_kernel(conn, request, fds)
        for fd in fds:
            os.close(fd)
        conn.close()


def client(sock_path: str, argv: list[str]) -> int:
    """The kernel command: get a forked kernel from the zygote and stand for it until it ends."""
    deadline = time.monotonic() + float(os.environ.get(CONNECT_TIMEOUT_ENV, "60"))
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            conn.connect(sock_path)
            break
        except OSError:
            if time.monotonic() > deadline:
                _cold_kernel(argv)
            time.sleep(0.05)
    try:
        socket.send_fds(conn, [b"k"], [0, 1, 2])
        request = {"cwd": os.getcwd(), "env": dict(os.environ), "argv": argv}
        conn.sendall(json.dumps(request).encode() + b"\n")
        with conn.makefile("rb") as stream:
            pid = int(stream.readline())
    except (OSError, ValueError):
        _cold_kernel(argv)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        if signum != signal.SIGINT:
            os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    parent = os.getppid()
    conn.settimeout(POLL_SECONDS)
    while True:
        try:
            if not conn.recv(1):  # the link closes when the kernel exits
                return 0
        except TimeoutError:
            if os.getppid() != parent:  # whoever started the kernel is gone (as ipykernel's
                forward(signal.SIGTERM, None)  # parent poller does for a cold kernel)
        except OSError:
            return 0


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM to this process when its parent dies."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def main(args: list[str]) -> int:
    """Command line: ``serve SOCKET`` or ``client SOCKET KERNEL-ARGS...``."""
    if len(args) >= 2 and args[0] == "serve":
        return serve(args[1])
    if len(args) >= 2 and args[0] == "client":
        return client(args[1], args[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
