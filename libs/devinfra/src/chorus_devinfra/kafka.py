"""Apache Kafka in KRaft mode from Maven Central jars (or KAFKA_HOME), one or more nodes."""

import base64
import os
import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from chorus_devinfra.paths import cache_dir, repo_root
from chorus_devinfra.process import ManagedProcess

KAFKA_VERSION = os.environ.get("CHORUS_KAFKA_VERSION", "4.1.1")
HEAP = os.environ.get("CHORUS_KAFKA_HEAP", "512m")
# The JVM's first-tier compiler only. A local broker shares two cores with everything else,
# and its C2 compiler kept one of them a few percent busy for minutes after every start
# (more during a load), compiling for a peak a local stack never reaches: measured here,
# a rating at 20/s cost the broker 2.8 ms of CPU with C1 alone against 5.4 ms with C2
# compiling. A long-running production broker is not started from here.
JVM_OPTIONS = os.environ.get("CHORUS_KAFKA_JVM_OPTIONS", "-XX:TieredStopAtLevel=1").split()

LOG4J2_PROPERTIES = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = info
"""


def kafka_libs() -> Path:
    """The broker's class path folder, resolved with Maven on first use."""
    if home := os.environ.get("KAFKA_HOME"):
        return Path(home) / "libs"
    libs = cache_dir() / "kafka" / KAFKA_VERSION / "libs"
    if (libs / ".complete").exists():
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch Kafka; run ./dev bootstrap")
    libs.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(repo_root() / "infra" / "kafka" / "pom.xml"),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-Dkafka.version={KAFKA_VERSION}",
            f"-DoutputDirectory={libs}",
        ],
        check=True,
    )
    (libs / ".complete").touch()
    return libs


def _java(libs: Path, main_class: str, *args: str, log4j: Path | None = None) -> list[str]:
    command = ["java", f"-Xmx{HEAP}", "-XX:+UseG1GC", "-Djava.awt.headless=true", *JVM_OPTIONS]
    if log4j is not None:
        command.append(f"-Dlog4j2.configurationFile={log4j}")
    return [*command, "-cp", f"{libs}/*", main_class, *args]


def _random_cluster_id() -> str:
    """A URL-safe base64 UUID, as StorageTool random-uuid prints: never starting with '-',
    which the tool's own argument parser would take for an option."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


@dataclass(frozen=True)
class KafkaNode:
    node_id: int
    port: int
    controller_port: int


class KafkaCluster:
    """One KRaft cluster where every node is both broker and controller."""

    def __init__(self, state_dir: Path, nodes: list[KafkaNode]) -> None:
        self.state_dir = state_dir
        self.nodes = nodes

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def _properties(self, node: KafkaNode) -> str:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        replicas = min(3, len(self.nodes))
        return "\n".join(
            [
                "process.roles=broker,controller",
                f"node.id={node.node_id}",
                f"controller.quorum.voters={voters}",
                f"listeners=PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{node.port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={self.state_dir / f'node-{node.node_id}' / 'data'}",
                f"offsets.topic.replication.factor={replicas}",
                f"transaction.state.log.replication.factor={replicas}",
                f"transaction.state.log.min.isr={max(1, replicas - 1)}",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "num.partitions=1",
                "log.retention.check.interval.ms=60000",
                # A local cluster notices a dead broker in seconds, not the default ~9 s.
                "broker.heartbeat.interval.ms=500",
                "broker.session.timeout.ms=3000",
                "",
            ]
        )

    def process(self, node: KafkaNode) -> ManagedProcess:
        node_dir = self.state_dir / f"node-{node.node_id}"
        return ManagedProcess(
            name=f"kafka-{node.node_id}",
            command=_java(
                kafka_libs(),
                "kafka.Kafka",
                str(node_dir / "server.properties"),
                log4j=self.state_dir / "log4j2.properties",
            ),
            port=node.port,
            state_dir=self.state_dir.parent,
        )

    def prepare(self) -> None:
        """Write configs and format storage once (a formatted node keeps its data)."""
        libs = kafka_libs()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        cluster_id_file = self.state_dir / "cluster.id"
        if not cluster_id_file.exists():
            cluster_id_file.write_text(_random_cluster_id())
        cluster_id = cluster_id_file.read_text().strip()
        for node in self.nodes:
            node_dir = self.state_dir / f"node-{node.node_id}"
            node_dir.mkdir(parents=True, exist_ok=True)
            properties = node_dir / "server.properties"
            properties.write_text(self._properties(node))
            if not (node_dir / "data" / "meta.properties").exists():
                subprocess.run(
                    _java(
                        libs,
                        "kafka.tools.StorageTool",
                        "format",
                        "-t",
                        cluster_id,
                        "-c",
                        str(properties),
                        "--ignore-formatted",
                        log4j=self.state_dir / "log4j2.properties",
                    ),
                    check=True,
                    capture_output=True,
                )

    def start(self) -> None:
        self.prepare()
        processes = [self.process(node) for node in self.nodes]
        # Nodes of a multi-node quorum wait for each other, so launch all first.
        for process in processes:
            process.launch()
        for process in processes:
            process.wait_ready(timeout=90)

    def stop(self) -> None:
        """All nodes together: one stopped after the others would wait out its grace for a quorum."""
        with ThreadPoolExecutor(max_workers=len(self.nodes)) as pool:
            list(pool.map(lambda node: self.process(node).stop(), self.nodes))

    def kill(self) -> None:
        """Stop at once, for throwaway clusters whose data nobody keeps."""
        for node in self.nodes:
            self.process(node).kill()

    def running(self) -> bool:
        return all(self.process(node).running() for node in self.nodes)
