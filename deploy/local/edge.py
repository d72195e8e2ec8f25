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
        # As root nginx hands its workers to `nobody`, who may not enter the folders here.
        user = "user root;" if os.geteuid() == 0 else ""
        with open(self.access_log, "ab") as out, open(self.error_log, "ab") as err:
            self.process = subprocess.Popen(
                [
                    NGINX,
                    "-p",
                    str(self.run_dir),
                    "-c",
                    str(self.run_dir / "nginx.conf"),
                    "-e",
                    "stderr",
                    "-g",
                    f"daemon off;{user}",
                ],
                stdout=out,  # the template logs calls to stdout and errors to stderr
                stderr=err,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + within
        while not (port_open(self.https_port) and port_open(self.http_port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start: {self.error_log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop gracefully (calls in flight finish), killed if it takes over 5 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def calls(self) -> list[dict]:
        """The access log's lines so far."""
        return [json.loads(line) for line in self.access_log.read_text().splitlines() if line]
