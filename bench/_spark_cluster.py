"""A Spark standalone cluster on loopback (a master and N workers) started from the pyspark
package's own `spark-class`: for the cluster parity test and the engines benchmark.

    with standalone_cluster(logs_dir, workers=1) as (master_url, status_url): ...

and a Spark Connect server (`connect_server`, from the same package) for the sc:// test.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


@contextmanager
def standalone_cluster(logs: Path, *, workers: int = 1, cores: int = 1, memory: str = "1g"):
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    logs = Path(logs)
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable,
               SPARK_LOG_DIR=str(logs), SPARK_WORKER_DIR=str(logs / "work"))
    port, ui = _free_port(), _free_port()
    spark_class = str(home / "bin" / "spark-class")
    procs = [subprocess.Popen([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(ui)], env=env,
                              stdout=open(logs / "master.log", "wb"), stderr=subprocess.STDOUT)]
    try:
        _wait(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True, 90, "the master")
        for n in range(workers):
            procs.append(subprocess.Popen(
                [spark_class, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", "--host", "127.0.0.1",
                 "--cores", str(cores), "--memory", memory, "--webui-port", str(_free_port()),
                 "--work-dir", str(logs / f"work{n}")],
                env=env, stdout=open(logs / f"worker{n}.log", "wb"), stderr=subprocess.STDOUT))
        status = f"http://127.0.0.1:{ui}/json/"

        def all_alive():
            state = json.load(urllib.request.urlopen(status, timeout=2))
            return sum(w.get("state") == "ALIVE" for w in state.get("workers", [])) >= workers

        _wait(all_alive, 90, "the workers to register")
        yield f"spark://127.0.0.1:{port}", status
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def connect_jar() -> Path | None:
    """The Spark Connect server jar the pyspark package ships (PySpark 4 does; 3.5 does not)."""
    import pyspark

    jars = sorted((Path(pyspark.__file__).resolve().parent / "jars").glob("spark-connect_*.jar"))
    return jars[0] if jars else None


@contextmanager
def connect_server(logs: Path, *, master: str = "local[1]", driver_memory: str = "1g"):
    """A Spark Connect server on loopback (`spark-submit` of the package's SparkConnectServer,
    as a cluster's start-connect-server.sh does), running `master`; yields its sc:// address."""
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    logs = Path(logs)
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable,
               SPARK_LOG_DIR=str(logs))
    port = _free_port()
    proc = subprocess.Popen(
        [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
         "--master", master, "--driver-memory", driver_memory, "--conf", "spark.ui.enabled=false",
         "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", f"spark.local.dir={logs / 'tmp'}", "spark-internal"],
        env=env, stdout=open(logs / "connect.log", "wb"), stderr=subprocess.STDOUT)
    try:
        _wait(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True, 120,
              "the Spark Connect server")
        yield f"sc://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
