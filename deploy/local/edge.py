"""The shipped nginx edge (deploy/edge/nginx.conf.template) in front of the local gateways.

`make up-cluster` starts it in front of its two gateways when nginx is installed (`make nginx`
installs Debian's nginx-light), and the fault month's clients call through it: one address,
and nginx sends a call on to the other gateway when one dies (docs/operations.md 10.3).
"""

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.edge import render, selfsigned
from deploy.local.embedded import die_with_parent, port_open

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def start_nginx(config: Path, run_dir: Path) -> subprocess.Popen:
    """nginx in the foreground with `config`, its access log (stdout, as in the nginx image)
    in run_dir/access.log and its error log (stderr) in run_dir/error.log."""
    # As root nginx hands its workers to `nobody`, who may not enter the folders here.
    user = "user root;" if os.geteuid() == 0 else ""
    with open(run_dir / "access.log", "ab") as out, open(run_dir / "error.log", "ab") as err:
        return subprocess.Popen(
            [
                NGINX or "nginx",
                "-p",
                str(run_dir),
                "-c",
                str(config),
                "-e",
                "stderr",
                "-g",
                f"daemon off;{user}",
            ],
            stdout=out,
            stderr=err,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )


def stop_nginx(process: subprocess.Popen) -> None:
    """Stop nginx gracefully (it finishes what is in flight), killed if it takes over 5 s."""
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_listening(
    process: subprocess.Popen, ports: list[int], log: Path, within: float = 10.0
) -> None:
    """Until nginx listens on every port; RuntimeError with its log if it exits or takes
    longer than `within` seconds."""
    deadline = time.monotonic() + within
    while not all(port_open(p) for p in ports):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not start: {log.read_text()}")
        time.sleep(0.05)


@dataclass
class LocalEdge:
    """nginx with the shipped template, TLS on `https_port` (a self-signed certificate for
    localhost in `run_dir/certs`), in front of the gateways at `gateways` (host:port)."""

    run_dir: Path
    https_port: int
    http_port: int
    gateways: list[str]
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """Where callers reach it."""
        return f"https://localhost:{self.https_port}"

    @property
    def ca(self) -> Path:
        """The certificate a client trusts (self-signed: it is its own authority)."""
        return self.run_dir / "certs" / "tls.crt"

    @property
    def access_log(self) -> Path:
        """One JSON line per call, with the gateway(s) it went to (`upstream`)."""
        return self.run_dir / "access.log"

    @property
    def error_log(self) -> Path:
        """nginx's own log: a gateway it could not reach or that failed under a call."""
        return self.run_dir / "error.log"

    def config(self) -> str:
        """The template filled with this edge's values."""
        return render.render(
            {
                "EDGE_UPSTREAM": self.gateways,
                "EDGE_HTTP_PORT": str(self.http_port),
                "EDGE_HTTPS_PORT": str(self.https_port),
                "EDGE_CERTS": str(self.run_dir / "certs"),
                "EDGE_RUN_DIR": str(self.run_dir),
            }
        )

    def start(self, within: float = 10.0) -> None:
        """Write the certificate (once) and the config, start nginx, wait until it listens."""
        if NGINX is None:
            raise RuntimeError("nginx is not installed (`make nginx` installs nginx-light)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        selfsigned.main(str(self.run_dir / "certs"), "localhost")
        (self.run_dir / "nginx.conf").write_text(self.config())
        self.process = start_nginx(self.run_dir / "nginx.conf", self.run_dir)
        try:
            wait_listening(self.process, [self.https_port, self.http_port], self.error_log, within)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop gracefully (calls in flight finish), killed if it takes over 5 s."""
        if self.process is not None and self.process.poll() is None:
            stop_nginx(self.process)

    def calls(self) -> list[dict]:
        """The access log's lines so far."""
        return [json.loads(line) for line in self.access_log.read_text().splitlines() if line]
