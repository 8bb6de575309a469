#!/usr/bin/python3
"""Static checks of deploy/: no Docker engine, no cluster.

Run through deploy/check.sh. Renders every Kubernetes variant (the base, each opt-in component,
the combinations that matter, every overlay) with kustomize and checks that the Dockerfile, docker
compose and the manifests agree with each other and with the services' conventions (ports,
targets, main classes, key and TLS files), that every container is probed, bounded and hardened,
that its memory limit and heap follow the figures measured by the load tool
(deploy/memory-measured.tsv), that the network policies let each pod reach exactly what it calls
(evaluated, not pattern-matched), and that the Secrets deploy/make-secrets.sh makes are the ones
the pods mount, and that the production overlay's alert rules name only metrics, labels and values
the code exports and link to headings of deploy/RUNBOOK.md (check_alerts.py). Then it breaks good
renderings and rules on purpose and fails if a breakage goes unnoticed.
Prints one line per failure and ends with 'deploy-check: N passed, M failed'; exits 1 on any.

Needs python3 and PyYAML (Debian: python3-yaml).
"""

import argparse
import base64
import copy
import hashlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

import yaml

import check_alerts

# Module folder -> (port key, port, main class). The single source of truth for this check; it
# mirrors the conventions in the project's common brief (and each service's *Config class).
SERVICES = {
    "feature-service": ("GLASSBOX_FEATURE_PORT", 50052, "io.glassbox.feature.FeatureMain"),
    "model-service": ("GLASSBOX_MODEL_PORT", 50053, "io.glassbox.model.ModelMain"),
    "explain-service": ("GLASSBOX_EXPLAIN_PORT", 50054, "io.glassbox.explain.ExplainMain"),
    "gateway": ("GLASSBOX_GATEWAY_PORT", 50051, "io.glassbox.gateway.GatewayMain"),
}
# Services whose readiness is the health status of their own gRPC service rather than the overall one:
# it also goes NOT_SERVING while a backend of theirs does not answer (the feature-service's Redis), which
# should take traffic away but not restart the process. Kubernetes' readiness probe and the compose
# healthcheck ask it; startup and liveness probes ask the overall status.
READINESS_SERVICES = {"feature-service": "glassbox.v1.FeatureService"}
# Prometheus /metrics port of each service (GLASSBOX_METRICS_PORT defaults).
METRICS_PORTS = {"gateway": 9451, "feature-service": 9452, "model-service": 9453, "explain-service": 9454}
# Admin gRPC ports (loopback only by default): no Service, containerPort or policy may open them.
ADMIN_PORTS = {"feature-service": 50062, "model-service": 50063}
VIEWER_PORT = 8080
# Client-side target key -> the Service it must point at.
TARGETS = {
    "GLASSBOX_FEATURE_TARGET": "feature-service",
    "GLASSBOX_MODEL_TARGET": "model-service",
    "GLASSBOX_EXPLAIN_TARGET": "explain-service",
}
# Who calls whom (DESIGN.md §1), the only pod-to-pod traffic the network policies may allow.
CALLS = {
    "gateway": ["feature-service", "model-service", "explain-service"],
    "explain-service": ["model-service", "feature-service"],
    "model-service": [],
    "feature-service": [],
}
CLIENT_SERVICES = [s for s, deps in CALLS.items() if deps]
PUBLIC_SERVICE = "gateway"
GPU_SERVICE = "model-service"
# The model-service's folder for ONNX Runtime's libraries, given to it alone: an emptyDir is 2777
# without the sticky bit, so without it the folder is refused in java.io.tmpdir and every start
# unpacks a copy of its own into the emptyDir (model-service README, native libraries).
ONNXRUNTIME_DIR_KEY = "GLASSBOX_MODEL_ONNXRUNTIME_DIR"
GPU_COMPOSE = "docker-compose.gpu.yml"
REDIS = ("redis", 6379)
COMPONENTS = ("gpu", "redis", "network-policy", "tls", "service-monitor", "autoscaling")
# Rendered besides the overlays: the base, each component alone, and the combinations that interact.
VARIANTS = [(), ("gpu",), ("redis",), ("network-policy",), ("tls",), ("service-monitor",), ("autoscaling",),
            ("redis", "network-policy"), ("gpu", "redis"), ("redis", "autoscaling"), COMPONENTS]
# What components/autoscaling scales (on CPU), and its bounds: never below the two replicas a
# PodDisruptionBudget of maxUnavailable 1 needs to leave one serving. The feature-service is never
# autoscaled: in memory it must stay one replica.
AUTOSCALED = ("gateway", "model-service", "explain-service")
AUTOSCALE_MIN_REPLICAS = 2
# GrpcServer's default drain timeout (server-kit); pods must get longer than preStop + drain.
DRAIN_SECONDS = 10
IMAGE_PREFIX = "glassbox/"
# The Service label the ServiceMonitor takes each target's job from: job="gateway", as the alert rules match.
ALERT_JOB_LABEL = "app.kubernetes.io/name"
# The overlay whose alert rules are checked against the code and the docs (deploy/check_alerts.py).
ALERTS_OVERLAY = "overlays/production"
# Where a shop's own files are in the images deploy/docker/Dockerfile.shop makes (target -> the
# service it is for, the setting that finds the files, the folder), and the settings only images
# may set: in the ConfigMap they would point a shop's image at the embedded files, or the reverse.
SHOP_TARGETS = {"data": ("feature-service", "GLASSBOX_DATA_DIR", "/app/shop/data"),
                "models": ("model-service", "GLASSBOX_MODEL_DIR", "/app/shop/models")}
# The zone of a data folder's times without an offset goes with the folder, in its image.
IMAGE_SETTINGS = tuple(key for _, key, _ in SHOP_TARGETS.values()) + ("GLASSBOX_MODEL_NAME", "GLASSBOX_DATA_TIME_ZONE")
SECRETS = {"api-keys": ("glassbox-api-keys", "api-keys"), "client-key": ("glassbox-client-key", "client-key"),
           "tls": ("glassbox-tls", None)}
# Memory sizing rules (deploy/README.md, "Resources"): the limit leaves this much room above the
# peak RSS measured under load, but is not a guess far above it; the heap in the container is the
# heap the measurement ran with.
HEADROOM_MIN = 1.20
HEADROOM_MAX = 2.00
HEAP_TOLERANCE = 0.03
# The GPU model-service (not measured here: no GPU): CUDA/cuDNN host memory on top of the CPU limit.
GPU_EXTRA_MEMORY = 2 * 2**30
# What each service writes to /tmp (deploy/README.md, "/tmp and imports"), in MiB, measured 2026-12-06
# with java.io.tmpdir on a tmpfs of its own (its peak `df` use, under deploy/fault.sh's load and with
# TLS on). Every service: netty's epoll transport (0.10) and, with TLS, its BoringSSL (2.89), each
# unpacked, loaded and deleted (a tmpfs keeps a deleted file while it is mapped), and the JVM's
# hsperfdata (0.03); under compose the health check's JVM the same two again while it runs (0.14).
TMP_JVM_MIB = 3.2
# The model-service: ONNX Runtime's natives, kept until a clean exit, and with
# GLASSBOX_EXECUTION_PROVIDER=cuda its CUDA provider as well (the jar's 351.8 MiB file, unpacked whole).
TMP_NATIVES_MIB = {"model-service": 22.9}
TMP_CUDA_MIB = 351.8
# The feature-service: an import, spooled until all of it is there, up to this setting (MiB, csv and
# items_csv together).
FEATURE_SERVICE = "feature-service"
IMPORT_MAX_MIB_KEY = "GLASSBOX_FEATURE_IMPORT_MAX_MIB"
# Room above all that, for what a later JDK or library unpacks there. Past an emptyDir's sizeLimit the
# kubelet evicts the pod (the feature-service's in-memory store with it); a tmpfs is memory, counted
# against the container's limit.
TMP_HEADROOM_MIB = 32
# A compose /tmp is a tmpfs, memory its mem_limit makes room for whether or not it is used, so it is
# no larger than that sum rounded up to this step.
TMP_STEP_MIB = 32
# docker compose runs the image's health check (deploy/docker/healthcheck) as a second JVM in the
# container every 10 s, inside its mem_limit: 80 MiB peak RSS measured with these flags and none of the
# service's (deploy/README.md, "/tmp and imports"), rounded up to 32 MiB. Kubernetes probes natively,
# with no process in the pod.
HEALTHCHECK_MIB = 96
HEALTHCHECK_JVM_FLAGS = ["-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
# What a JVM reads its options from besides its command line. A healthcheck inherits the container's
# environment, and the service's JDK_JAVA_OPTIONS (-XX:+AlwaysPreTouch, a heap share) made the health
# check's JVM 97 MiB; the image sets JDK_JAVA_OPTIONS too (Dockerfile ENV), so it is always there.
JVM_OPTIONS_VARIABLES = ("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")


class Report:
    def __init__(self, quiet=False):
        self.passed = 0
        self.failures = []
        self.quiet = quiet

    def check(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failures.append(message)
            if not self.quiet:
                print("FAIL: " + message)
        return bool(condition)


# ------------------------------------------------------------------------------------------ utils

def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def parse_env_file(path):
    values = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# Kubernetes quantities ('250m' CPU is a quarter, 'Mi' 2^20) and docker compose sizes (mem_limit, tmpfs
# size=: '832m' is 832 x 2^20 bytes, either case, with or without a 'b').
KUBERNETES_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9,
                    "m": 0.001, "": 1}
COMPOSE_UNITS = {spelling: factor for unit, factor in (("", 1), ("k", 2**10), ("m", 2**20), ("g", 2**30))
                 for spelling in (unit, unit + "b", unit.upper(), unit.upper() + "B")}


def quantity(value, units=KUBERNETES_UNITS):
    """A Kubernetes quantity ('250m', '1', '1536Mi'), or with COMPOSE_UNITS a compose size ('832m'), as a
    number, or None when unparseable."""
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    return float(match.group(1)) * units[match.group(2)] if match and match.group(2) in units else None


def by_kind(docs):
    index = {}
    for d in docs:
        index.setdefault(d.get("kind"), {})[d.get("metadata", {}).get("name")] = d
    return index


def first_container(workload):
    """The first (in this suite: the only) container of a Deployment's or StatefulSet's pod."""
    return workload["spec"]["template"]["spec"]["containers"][0]


def glassbox_configs(k):
    """The suite's settings ConfigMaps (glassbox-config, with kustomize's hash suffix) of by_kind(docs)."""
    return [c for n, c in k.get("ConfigMap", {}).items() if n.startswith("glassbox-config")]


def image_repo_and_tag(image):
    repo, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, ""
    return repo, tag


# ------------------------------------------------------------------------------------ yaml files

def check_yaml_parses(root, r):
    for path in sorted((root / "deploy").rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            try:
                load_all(path)
                r.check(True, "")
            except yaml.YAMLError as e:
                r.check(False, f"{path.relative_to(root)} is not valid YAML: {e}")


# ------------------------------------------------------------------------------------ Dockerfile

def check_dockerfile(root, r):
    dockerfile = root / "deploy/docker/Dockerfile"
    if not r.check(dockerfile.is_file(), "deploy/docker/Dockerfile is missing"):
        return
    text = dockerfile.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\s*([a-z-]+)\)\s*main=([\w.]+);", text, re.M))
    r.check(set(table) == set(SERVICES),
            f"Dockerfile SERVICE table lists {sorted(table)}, expected {sorted(SERVICES)}")
    for service, main in table.items():
        expected = SERVICES.get(service, (None, None, None))[2]
        r.check(main == expected, f"Dockerfile maps SERVICE={service} to {main}, expected {expected}")
        source = root / service / "src/main/java" / (main.replace(".", "/") + ".java")
        r.check(source.is_file(),
                f"Dockerfile SERVICE={service} starts {main}, but {source.relative_to(root)} does not exist")
        r.check((root / service / "pom.xml").is_file(), f"SERVICE={service} has no {service}/pom.xml")
    # The embedded files: the stock image's settings find what it copies.
    for key, shipped in (("GLASSBOX_DATA_DIR", "data/uci-online-retail"), ("GLASSBOX_MODEL_DIR", "models")):
        r.check(re.search(rf"^\s+(ENV )?{key}=/app/{re.escape(shipped)}\b", text, re.M) and (root / shipped).is_dir(),
                f"Dockerfile: {key} must be /app/{shipped}, where the image has the embedded files")
    r.check(re.search(r"^FROM maven:3\.9-eclipse-temurin-17 AS build$", text, re.M),
            "Dockerfile build stage must be maven:3.9-eclipse-temurin-17")
    r.check(re.search(r"^ARG JRE_IMAGE=eclipse-temurin:17-jre$", text, re.M),
            "Dockerfile runtime JRE must be eclipse-temurin:17-jre")
    r.check(re.search(r"^FROM \$\{CUDA_IMAGE\} AS cuda-jre$", text, re.M)
            and re.search(r"^ARG CUDA_IMAGE=nvidia/cuda:12\.[0-9.]+-cudnn-runtime-", text, re.M),
            "Dockerfile needs the cuda-jre stage on a CUDA 12 cuDNN runtime image (onnxruntime_gpu 1.23)")
    r.check(re.search(r'-pl "\$\{SERVICE\}" -am package dependency:copy-dependencies', text),
            "Dockerfile must build the SERVICE module with -am package dependency:copy-dependencies")
    r.check(re.search(r"^USER 10001:10001$", text, re.M), "Dockerfile must run as USER 10001:10001")
    r.check(re.search(r'^ENTRYPOINT \["java", "@/app/java.args"\]$', text, re.M),
            "Dockerfile ENTRYPOINT must be the exec form java @/app/java.args (java as PID 1)")
    r.check((root / "deploy/docker/healthcheck/io/glassbox/deploy/GrpcHealthCheck.java").is_file(),
            "deploy/docker/healthcheck/io/glassbox/deploy/GrpcHealthCheck.java is missing")
    ignore = root / "deploy/docker/Dockerfile.dockerignore"
    if r.check(ignore.is_file(), "deploy/docker/Dockerfile.dockerignore is missing"):
        rules = {line.strip() for line in ignore.read_text(encoding="utf-8").splitlines()}
        for needed in list(SERVICES) + ["proto", "server-kit", "reason-texts", "data", "models", "pom.xml"]:
            r.check(needed not in rules and needed + "/" not in rules,
                    f"Dockerfile.dockerignore drops {needed}, which the image build needs")
        for kept in ("!deploy/docker/healthcheck", "!deploy/docker/logback.xml"):
            r.check(kept in rules, f"Dockerfile.dockerignore must keep {kept[1:]}")
    logback = root / "deploy/docker/logback.xml"
    if r.check(logback.is_file(), "deploy/docker/logback.xml is missing"):
        try:
            ElementTree.parse(logback)
            r.check(True, "")
        except ElementTree.ParseError as e:
            r.check(False, f"deploy/docker/logback.xml is not well-formed XML: {e}")
    # The reactor build reads every module the parent pom lists.
    modules = re.findall(r"<module>([^<]+)</module>", (root / "pom.xml").read_text(encoding="utf-8"))
    for module in modules:
        r.check((root / module / "pom.xml").is_file(), f"parent pom lists module {module} without a pom.xml")
        if ignore.is_file() and module + "/pom.xml" not in {l.lstrip("!") for l in rules}:
            r.check(module not in rules,
                    f"Dockerfile.dockerignore drops module {module}; keep at least {module}/pom.xml")


# ---------------------------------------------------------------------------------------- compose

def check_compose(root, r, env, base_docs, gpu_docs):
    """docker-compose.yml, alone and with each add-on file; `base_docs` and `gpu_docs`: the Kubernetes
    base and base + gpu renderings (their memory limits and heaps), None where they did not render."""
    path = root / "deploy/docker-compose.yml"
    if not r.check(path.is_file(), "deploy/docker-compose.yml is missing"):
        return
    compose = load_all(path)[0]
    services = compose.get("services", {})
    r.check(set(services) == set(SERVICES) | {REDIS[0]},
            f"docker-compose.yml services are {sorted(services)}, expected {sorted(SERVICES)} and redis")
    k8s = kubernetes_memory(base_docs) if base_docs else {}
    k8s_gpu = kubernetes_memory(gpu_docs) if gpu_docs else {}
    secrets = compose.get("secrets", {})
    for name, svc in services.items():
        where = f"docker-compose.yml {name}"
        r.check(svc.get("healthcheck", {}).get("test"), f"{where}: needs a healthcheck")
        r.check(svc.get("read_only") is True, f"{where}: read_only must be true")
        r.check("ALL" in svc.get("cap_drop", []), f"{where}: cap_drop must include ALL")
        r.check(svc.get("mem_limit"), f"{where}: mem_limit must be set")
        published = [str(p) for p in svc.get("ports", [])]
        if name == PUBLIC_SERVICE:
            want = [f"{SERVICES[name][1]}:{SERVICES[name][1]}", f"{VIEWER_PORT}:{VIEWER_PORT}"]
            r.check(sorted(published) == sorted(want), f"{where}: must publish exactly {want}, got {published}")
        else:
            r.check(not published, f"{where}: only the gateway is published")
        if name not in SERVICES:
            continue
        port_key, port, _ = SERVICES[name]
        build = svc.get("build", {})
        r.check((path.parent / build.get("context", ".")).resolve() == root.resolve(),
                f"{where}: build context must be the repository root")
        r.check(build.get("dockerfile") == "deploy/docker/Dockerfile",
                f"{where}: build.dockerfile must be deploy/docker/Dockerfile")
        r.check(build.get("args", {}).get("SERVICE") == name, f"{where}: build arg SERVICE must be {name}")
        r.check(image_repo_and_tag(svc.get("image", ""))[0] == IMAGE_PREFIX + name,
                f"{where}: image must be {IMAGE_PREFIX}{name}:TAG")
        for env_file in svc.get("env_file", []):
            r.check((path.parent / env_file).is_file(), f"{where}: env_file {env_file} does not exist")
        effective = compose_env(env, svc)
        r.check(effective.get(port_key) == str(port), f"{where}: {port_key} must be {port}")
        for key, target_service in TARGETS.items():
            want = f"dns:///{target_service}:{SERVICES[target_service][1]}"
            r.check(effective.get(key) == want, f"{where}: {key} must be {want}, got {effective.get(key)}")
        check_compose_health_target(where, name, svc, r)
        check_compose_healthcheck(where, svc, effective, r)
        r.check(str(svc.get("user", "")).split(":")[0] == "10001", f"{where}: user must be 10001")
        tmp = tmp_tmpfs(svc)
        r.check(len(tmp) == 1 and "exec" in tmp[0].split(":", 1)[-1].split(","),
                f"{where}: needs one tmpfs at /tmp with the exec option (native libraries load from it)")
        # Keys: the files the settings name are mounted from the compose secrets.
        mounted = {s.get("target"): s.get("source") for s in svc.get("secrets", []) if isinstance(s, dict)}
        wanted = {effective.get("GLASSBOX_API_KEYS_FILE"): "api-keys"}
        if name in CLIENT_SERVICES:
            wanted[effective.get("GLASSBOX_CLIENT_KEY_FILE")] = "client-key"
        for target, source in wanted.items():
            r.check(target and mounted.get(target) == source and source in secrets,
                    f"{where}: {target} must be the compose secret {source}")
        # The Kubernetes container's memory and heap, plus the health check's JVM and the /tmp tmpfs.
        if name in k8s:
            check_compose_memory(where, name, svc, effective, k8s[name], False, r)
    # The add-on files, merged as compose merges them, keep each service's /tmp and memory in step too;
    # with the GPU one the model-service is the Kubernetes GPU component's, and unpacks CUDA's natives.
    addons = {addon: load_all(path.parent / addon)[0].get("services", {}) if (path.parent / addon).is_file() else {}
              for addon in (GPU_COMPOSE, "docker-compose.own-shop.yml")}
    for addon, extras in addons.items():
        for name, extra in extras.items():
            gpu = addon == GPU_COMPOSE and name == GPU_SERVICE
            memory = (k8s_gpu if gpu else k8s).get(name)
            if name in services and memory:
                merged = merge_compose_service(services[name], extra)
                check_compose_memory(f"docker-compose.yml + {addon} {name}", name, merged, compose_env(env, merged),
                                     memory, gpu, r)
                check_compose_healthcheck(f"docker-compose.yml + {addon} {name}", merged, compose_env(env, merged), r)
    if k8s and k8s_gpu:
        self_test_compose(services, addons[GPU_COMPOSE], env, k8s, k8s_gpu, r)
    feature = services.get(FEATURE_SERVICE, {})
    feature_env = {k: str(v) for k, v in feature.get("environment", {}).items()}
    r.check(feature_env.get("GLASSBOX_FEATURE_STORE") == "redis"
            and feature_env.get("GLASSBOX_REDIS_URI") == f"redis://{REDIS[0]}:{REDIS[1]}",
            "docker-compose.yml feature-service: must use the redis store at redis://redis:6379")
    r.check(feature.get("depends_on", {}).get(REDIS[0], {}).get("condition") == "service_healthy",
            "docker-compose.yml feature-service: must wait for a healthy redis")
    redis = services.get(REDIS[0], {})
    r.check(any(str(v).endswith(":/data") for v in redis.get("volumes", [])) and "--appendonly" in redis.get("command", []),
            "docker-compose.yml redis: needs the append-only file on a volume at /data")
    gpu = root / "deploy" / GPU_COMPOSE
    if r.check(gpu.is_file(), f"deploy/{GPU_COMPOSE} is missing"):
        model = load_all(gpu)[0].get("services", {}).get(GPU_SERVICE, {})
        r.check(model.get("build", {}).get("args", {}).get("RUNTIME_BASE") == "cuda-jre",
                "docker-compose.gpu.yml: model-service must build with RUNTIME_BASE=cuda-jre")
        r.check(model.get("environment", {}).get("GLASSBOX_EXECUTION_PROVIDER") == "cuda",
                "docker-compose.gpu.yml: model-service must set GLASSBOX_EXECUTION_PROVIDER=cuda")
        devices = model.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
        r.check(any(d.get("driver") == "nvidia" for d in devices),
                "docker-compose.gpu.yml: model-service must reserve an nvidia device")


def dockerfile_stages(text):
    """Stage name -> its lines, for a Dockerfile's `FROM ... AS name` stages."""
    stages, current = {}, None
    for line in text.splitlines():
        match = re.match(r"FROM \S+ AS (\S+)$", line)
        if match:
            current = stages.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
    return stages


def check_own_shop_files(root, r):
    """Dockerfile.shop and the compose add-on: a shop's files land where the settings say, read-only."""
    path = root / "deploy/docker/Dockerfile.shop"
    if r.check(path.is_file(), "deploy/docker/Dockerfile.shop is missing"):
        stages = dockerfile_stages(path.read_text(encoding="utf-8"))
        r.check(set(stages) == set(SHOP_TARGETS), f"Dockerfile.shop stages are {sorted(stages)}, expected {sorted(SHOP_TARGETS)}")
        for target, (service, key, folder) in SHOP_TARGETS.items():
            text = "\n".join(stages.get(target, []))
            where = f"Dockerfile.shop target {target}"
            r.check(re.search(rf"^COPY \$\{{SOURCE\}}/ {re.escape(folder)}/$", text, re.M),
                    f"{where}: must COPY ${{SOURCE}}/ to {folder}/")
            r.check(re.search(rf"^ENV {key}={re.escape(folder)}\b", text, re.M), f"{where}: must set {key}={folder}")
            r.check("chmod -R a+rX,go-w /app/shop" in text, f"{where}: the files must be readable by the service's user")
            users = re.findall(r"^USER (\S+)$", text, re.M)
            r.check(users[-1:] == ["10001:10001"], f"{where}: must end as USER 10001:10001, got {users}")
        r.check(re.search(r"^\s+GLASSBOX_MODEL_NAME=\$\{MODEL_NAME\}$", "\n".join(stages.get("models", [])), re.M),
                "Dockerfile.shop target models: must set GLASSBOX_MODEL_NAME=${MODEL_NAME}")
        r.check(re.search(r"^\s+GLASSBOX_DATA_TIME_ZONE=\$\{TIME_ZONE\}$", "\n".join(stages.get("data", [])), re.M),
                "Dockerfile.shop target data: must set GLASSBOX_DATA_TIME_ZONE=${TIME_ZONE} (the zone the data was trained in)")
    addon = root / "deploy/docker-compose.own-shop.yml"
    if not r.check(addon.is_file(), "deploy/docker-compose.own-shop.yml is missing"):
        return
    services = load_all(addon)[0].get("services", {})
    r.check(set(services) == {"feature-service", "model-service", "gateway"},
            f"docker-compose.own-shop.yml changes {sorted(services)}, expected feature-service, model-service and gateway")
    for target, (service, key, folder) in SHOP_TARGETS.items():
        svc = services.get(service, {})
        where = f"docker-compose.own-shop.yml {service}"
        r.check(str(svc.get("environment", {}).get(key)) == folder, f"{where}: {key} must be {folder}")
        binds = [v for v in svc.get("volumes", []) if isinstance(v, dict) and v.get("target") == folder]
        r.check(len(binds) == 1 and binds[0].get("type") == "bind" and binds[0].get("read_only") is True
                and re.fullmatch(r"\$\{GLASSBOX_SHOP_\w+:\?.+\}", str(binds[0].get("source"))),
                f"{where}: needs one read-only bind mount at {folder} from a required GLASSBOX_SHOP_* variable")
        r.check("image" not in svc and "build" not in svc, f"{where}: mounts the files into the stock image; no image of its own")
    model_env = services.get("model-service", {}).get("environment", {})
    r.check(re.fullmatch(r"\$\{GLASSBOX_SHOP_MODEL_NAME:\?.+\}", str(model_env.get("GLASSBOX_MODEL_NAME"))),
            "docker-compose.own-shop.yml model-service: GLASSBOX_MODEL_NAME must come from the required GLASSBOX_SHOP_MODEL_NAME")
    r.check(re.fullmatch(r"\$\{GLASSBOX_SHOP_EXAMPLE_USERS:\?.+\}",
                         str(services.get("gateway", {}).get("environment", {}).get("GLASSBOX_VIEWER_EXAMPLE_USERS"))),
            "docker-compose.own-shop.yml gateway: GLASSBOX_VIEWER_EXAMPLE_USERS must come from the required GLASSBOX_SHOP_EXAMPLE_USERS")
    r.check(str(services.get("feature-service", {}).get("environment", {}).get("GLASSBOX_DATA_TIME_ZONE"))
            == "${GLASSBOX_SHOP_TIME_ZONE:-}",
            "docker-compose.own-shop.yml feature-service: GLASSBOX_DATA_TIME_ZONE must come from GLASSBOX_SHOP_TIME_ZONE")
    uri = str(services.get("feature-service", {}).get("environment", {}).get("GLASSBOX_REDIS_URI", ""))
    r.check(re.fullmatch(rf"redis://{REDIS[0]}:{REDIS[1]}/([1-9][0-9]*)", uri),
            "docker-compose.own-shop.yml feature-service: the shop's events need a Redis database of their own "
            f"(redis://{REDIS[0]}:{REDIS[1]}/N, N > 0): the gift shop's seeded database 0 would be refused")


def check_own_shop(docs, r, label):
    """A rendering serving a shop's own images: the feature-service and model-service images are the
    shop's (Dockerfile.shop), the others stock, and the viewer offers the shop's customers."""
    k = by_kind(docs)
    for name, deployment in k.get("Deployment", {}).items():
        image = first_container(deployment).get("image", "")
        repo = image_repo_and_tag(image)[0]
        if any(service == name for service, _, _ in SHOP_TARGETS.values()):
            r.check(not repo.startswith(IMAGE_PREFIX), f"{label} {name} must run the shop's image "
                    f"(deploy/docker/Dockerfile.shop), got {image}")
        else:
            r.check(repo == IMAGE_PREFIX + name, f"{label} {name} needs no shop files: the stock image, got {image}")
    config = glassbox_configs(k)
    examples = config[0].get("data", {}).get("GLASSBOX_VIEWER_EXAMPLE_USERS", "") if config else ""
    r.check(examples.strip(), f"{label} GLASSBOX_VIEWER_EXAMPLE_USERS must name the shop's customers "
            "(the default ones are the gift shop's)")


def tmp_need(name, env, gpu):
    """What service `name` writes to /tmp, in MiB, and that in words: the JVM's files, ONNX Runtime's
    natives (and CUDA's when `gpu`), the feature-service's import up to the limit `env` sets; None for a
    feature-service whose limit is not a whole number of MiB."""
    need = TMP_JVM_MIB + TMP_NATIVES_MIB.get(name, 0) + (TMP_CUDA_MIB if gpu else 0)
    what = f"{need:.1f} MiB of native libraries and JVM files"
    if name != FEATURE_SERVICE:
        return need, what
    raw = env.get(IMPORT_MAX_MIB_KEY)
    if raw is None or not re.fullmatch(r"[1-9][0-9]*", str(raw)):
        return None
    return need + int(raw), f"an import of {IMPORT_MAX_MIB_KEY}={raw} MiB and {what}"


def check_tmp_room(where, name, env, gpu, tmp_bytes, past_it, r):
    """Service `name`'s /tmp (`tmp_bytes`, None when unbounded or unreadable) holds what it writes there
    (tmp_need) plus TMP_HEADROOM_MIB; `past_it` says what happens when it does not."""
    found = tmp_need(name, env, gpu)
    if name == FEATURE_SERVICE and not r.check(found is not None,
                   f"{where}: {IMPORT_MAX_MIB_KEY} must be set to a whole number of MiB (the most an import"
                   f" spools to /tmp, which is sized to it), got {env.get(IMPORT_MAX_MIB_KEY)!r}"):
        return
    need, what = found
    r.check(tmp_bytes is not None and tmp_bytes >= (need + TMP_HEADROOM_MIB) * 2**20,
            f"{where}: /tmp holds {'no set size' if tmp_bytes is None else f'{tmp_bytes / 2**20:.0f} MiB'}, less than"
            f" {what} plus {TMP_HEADROOM_MIB} MiB to spare: {past_it}; raise /tmp's size"
            + (" or lower the setting" if name == FEATURE_SERVICE else ""))


def tmpfs_entries(value):
    """A compose service's `tmpfs:` as a list: compose reads one string as one entry."""
    return [value] if isinstance(value, str) else list(value or [])


def tmp_tmpfs(svc):
    """A compose service's tmpfs entries at /tmp ('/tmp:OPTIONS' each)."""
    return [str(t) for t in tmpfs_entries(svc.get("tmpfs")) if str(t).split(":")[0] == "/tmp"]


def tmpfs_bytes(svc):
    """The size of a compose service's one tmpfs at /tmp (its size= option), else None."""
    tmp = tmp_tmpfs(svc)
    if len(tmp) != 1:
        return None
    sizes = [o[len("size="):] for o in tmp[0].split(":", 1)[-1].split(",") if o.startswith("size=")]
    return quantity(sizes[0], COMPOSE_UNITS) if sizes else None


def ram_percentage(opts, bound="Max"):
    """-XX:MaxRAMPercentage (or with bound="Initial" -XX:InitialRAMPercentage) in JVM options, else None."""
    match = re.search(rf"-XX:{bound}RAMPercentage=([0-9.]+)", opts or "")
    return float(match.group(1)) if match else None


def kubernetes_memory(docs):
    """Deployment name -> its container's (memory limit, JDK_JAVA_OPTIONS), in a rendering."""
    k = by_kind(docs)
    return {name: (quantity(first_container(d).get("resources", {}).get("limits", {}).get("memory")),
                   effective_env(first_container(d), k.get("ConfigMap", {})).get("JDK_JAVA_OPTIONS"))
            for name, d in k.get("Deployment", {}).items()}


def check_compose_memory(where, name, svc, env, k8s, gpu, r):
    """A compose service: its /tmp tmpfs holds what the service writes there, and, being memory, is
    counted in its mem_limit, with the health check's JVM, on top of the Kubernetes limit (the measured
    peak of heap and off-heap, with headroom); the heap is the measured one (the Kubernetes container's
    JVM flags, the percentage of the larger limit). `k8s`: the Kubernetes container's (memory limit,
    JDK_JAVA_OPTIONS), from kubernetes_memory; `gpu`: the model-service scores with CUDA."""
    k8s_limit, k8s_opts = k8s
    r.check(len(tmp_tmpfs(svc)) <= 1, f"{where}: {len(tmp_tmpfs(svc))} tmpfs mounts at /tmp: docker compose hands the"
            " engine one per path, the last, so the files do not say which size runs; an add-on file's entry takes the"
            " base file's place only when written the same up to 'size='")
    tmp = tmpfs_bytes(svc)
    check_tmp_room(where, name, env, gpu, tmp, "a full tmpfs fails the import" if name == FEATURE_SERVICE
                   else "a native library that does not fit is not unpacked, and the service does not start", r)
    found = tmp_need(name, env, gpu)
    if found and tmp is not None:
        need, what = found
        most = -(-(need + TMP_HEADROOM_MIB) // TMP_STEP_MIB) * TMP_STEP_MIB
        r.check(tmp <= most * 2**20,
                f"{where}: /tmp holds {tmp / 2**20:.0f} MiB, more than {what} plus {TMP_HEADROOM_MIB} MiB to spare in"
                f" steps of {TMP_STEP_MIB} MiB ({most:.0f} MiB): a tmpfs is memory, and mem_limit makes room for all of"
                " it, used or not; lower /tmp's size and mem_limit"
                + (" (only docker-compose.gpu.yml unpacks the CUDA provider, and it sets its own /tmp)"
                   if name == GPU_SERVICE and not gpu else ""))
    mem = quantity(svc.get("mem_limit"), COMPOSE_UNITS)
    r.check(mem is not None and k8s_limit is not None and tmp is not None
            and mem == k8s_limit + HEALTHCHECK_MIB * 2**20 + tmp,
            f"{where}: mem_limit {svc.get('mem_limit')} must be the Kubernetes limit plus the health check's JVM plus"
            f" the /tmp tmpfs ({(k8s_limit or 0) / 2**20:.0f} + {HEALTHCHECK_MIB} + {(tmp or 0) / 2**20:.0f} MiB):"
            " a tmpfs is memory, and what is written there counts against the limit")
    opts = env.get("JDK_JAVA_OPTIONS") or ""
    pct, k8s_pct = ram_percentage(opts), ram_percentage(k8s_opts)
    heap = pct / 100 * mem if pct and mem else None
    k8s_heap = k8s_pct / 100 * k8s_limit if k8s_pct and k8s_limit else None
    without_pct = lambda o: re.sub(r"RAMPercentage=[0-9.]+", "RAMPercentage=", o or "")
    r.check(heap and k8s_heap and abs(heap - k8s_heap) <= HEAP_TOLERANCE * k8s_heap
            and without_pct(opts) == without_pct(k8s_opts),
            f"{where}: JDK_JAVA_OPTIONS must be the Kubernetes container's with the heap it measured"
            f" ({(k8s_heap or 0) / 2**20:.0f} MiB) as a share of mem_limit, got {(heap or 0) / 2**20:.0f} MiB")


def check_compose_health_target(where, name, svc, r):
    """A compose service's healthcheck asks GrpcHealthCheck for its port's overall status, or for the status
    of its READINESS_SERVICES entry: what compose calls healthy is what Kubernetes calls ready (compose has
    no liveness to keep apart; a container unhealthy while its Redis is down is not restarted by compose)."""
    checker = "io.glassbox.deploy.GrpcHealthCheck"
    test = list(svc.get("healthcheck", {}).get("test", []))
    want = [f"localhost:{SERVICES[name][1]}"] + ([READINESS_SERVICES[name]] if name in READINESS_SERVICES else [])
    r.check(checker in test and test[test.index(checker) + 1:] == want,
            f"{where}: healthcheck must run GrpcHealthCheck {' '.join(want)}")


def check_compose_healthcheck(where, svc, env, r):
    """A compose service's healthcheck starts its JVM with the flags HEALTHCHECK_MIB was measured with and
    none of the service's: `CMD env -u VARIABLE... java FLAGS -cp ...`, clearing each of JVM_OPTIONS_VARIABLES
    that the container has (`env`: its settings)."""
    args = list(svc.get("healthcheck", {}).get("test", []))[1:]
    cleared = set()
    if args[:1] == ["env"]:
        args = args[1:]
        while args[:1] == ["-u"] and len(args) > 1:
            cleared.add(args[1])
            args = args[2:]
    inherited = sorted(({"JDK_JAVA_OPTIONS"} | {key for key in JVM_OPTIONS_VARIABLES if key in env}) - cleared)
    r.check(not inherited,
            f"{where}: the healthcheck's JVM must not inherit the service's JVM options: clear {', '.join(inherited)}"
            f" (CMD env -u NAME java ...); with the service's -XX:+AlwaysPreTouch and heap share it outgrows the"
            f" {HEALTHCHECK_MIB}m its mem_limit has for it")
    flags = args[1:args.index("-cp")] if args[:1] == ["java"] and "-cp" in args else None
    r.check(flags == HEALTHCHECK_JVM_FLAGS,
            f"{where}: the healthcheck must run java {' '.join(HEALTHCHECK_JVM_FLAGS)}, the flags its"
            f" {HEALTHCHECK_MIB}m was measured with, got {flags}")


def compose_env(env, svc):
    """The settings a compose service's container gets: glassbox.env (`env`) under its own environment."""
    return {**env, **{k: str(v) for k, v in svc.get("environment", {}).items()}}


def merge_compose_service(base, addon):
    """A service of docker-compose.yml with an add-on file's entry for it, as compose merges them:
    mappings key by key, other values replaced, but tmpfs entries appended and then one kept per text
    up to the first '=' (compose-go's de-duplication), the later in the earlier's place: an add-on entry
    written like the base one up to 'size=' replaces it, any other is a second mount."""
    merged = copy.deepcopy(base)
    for key, value in addon.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        elif key == "tmpfs":
            entries = {}
            for entry in tmpfs_entries(merged.get(key)) + tmpfs_entries(value):
                entries[str(entry).split("=", 1)[0]] = entry
            merged[key] = list(entries.values())
        else:
            merged[key] = value
    return merged


# ------------------------------------------------------------------------------------ kubernetes

def effective_env(container, configmaps):
    env = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef", {}).get("name")
        env.update(configmaps.get(ref, {}).get("data", {}))
    for item in container.get("env", []):
        env[item["name"]] = item.get("value")
    return env


def read_measured(root):
    """deploy/memory-measured.tsv: service -> {cpus, heap_mib, peak_rss_mib}."""
    measured = {}
    for line in (root / "deploy/memory-measured.tsv").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            measured[fields[0]] = {"cpus": float(fields[1]), "heap_mib": float(fields[2]),
                                   "peak_rss_mib": float(fields[3])}
    return measured


def mounted_file(pod, container, path):
    """(secretName, key) of the Secret volume that provides file `path` in `container`, else None."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        directory = mount["mountPath"].rstrip("/")
        if path and os.path.dirname(path) == directory:
            secret = volumes.get(mount["name"], {}).get("secret")
            if secret:
                items = {i["path"]: i["key"] for i in secret.get("items", [])}
                name = os.path.basename(path)
                return secret.get("secretName"), items.get(name, name)
    return None


def selects(selector, labels):
    """A LabelSelector (matchLabels only; matchExpressions are refused by the checks) against labels."""
    if selector is None:
        return False
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def least_replicas(k, kind, workload):
    """The fewest replicas `workload` runs: its autoscaler's minReplicas when one scales it, else its own count."""
    name = workload["metadata"]["name"]
    autoscaler = next((h for h in k.get("HorizontalPodAutoscaler", {}).values()
                       if h["spec"]["scaleTargetRef"].get("kind") == kind and h["spec"]["scaleTargetRef"].get("name") == name), None)
    return autoscaler["spec"].get("minReplicas", 1) if autoscaler else workload["spec"].get("replicas", 1)


def replicas_budgets(k, label, r, where_kinds=("Deployment", "StatefulSet")):
    pdbs = list(k.get("PodDisruptionBudget", {}).values())
    for kind in where_kinds:
        for name, workload in k.get(kind, {}).items():
            pod_labels = workload["spec"]["template"]["metadata"].get("labels", {})
            replicas = least_replicas(k, kind, workload)
            matching = [p for p in pdbs if p["spec"].get("selector", {}).get("matchLabels")
                        and selects(p["spec"]["selector"], pod_labels)]
            if replicas >= 2:
                if r.check(len(matching) == 1, f"{label} {kind} {name} has {replicas} replicas and needs one PodDisruptionBudget"):
                    budget = matching[0]["spec"]
                    r.check(budget.get("maxUnavailable", 0) >= 1 or budget.get("minAvailable", replicas) < replicas,
                            f"{label} PodDisruptionBudget of {name} must let one replica go")
            else:
                r.check(not matching, f"{label} {kind} {name} has one replica: a budget would block node drains")


def check_memory(where, c, env, name, measured, r, gpu):
    resources = c.get("resources", {})
    request = quantity(resources.get("requests", {}).get("memory"))
    limit = quantity(resources.get("limits", {}).get("memory"))
    if not r.check(request is not None and limit is not None, f"{where}: needs memory requests and limits"):
        return
    r.check(request == limit, f"{where}: memory request must equal the limit (no overcommit for a JVM)")
    opts = env.get("JDK_JAVA_OPTIONS") or ""
    pct = ram_percentage(opts)
    r.check(all(flag in opts for flag in ("-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-XX:+AlwaysPreTouch"))
            and pct is not None and ram_percentage(opts, "Initial") == pct,
            f"{where}: JDK_JAVA_OPTIONS must commit the whole heap at start as measured (InitialRAMPercentage ="
            " MaxRAMPercentage, -XX:+AlwaysPreTouch), with -XX:+UseSerialGC and -XX:+ExitOnOutOfMemoryError")
    m = measured.get(name)
    if not r.check(pct is not None and m, f"{where}: needs -XX:MaxRAMPercentage in JDK_JAVA_OPTIONS and a line in deploy/memory-measured.tsv"):
        return
    if not r.check(m["peak_rss_mib"] > 0, f"{where}: deploy/memory-measured.tsv has no measured peak for {name}"):
        return
    heap_mib = pct / 100 * limit / 2**20
    r.check(abs(heap_mib - m["heap_mib"]) <= HEAP_TOLERANCE * m["heap_mib"],
            f"{where}: heap {heap_mib:.0f} MiB (MaxRAMPercentage x limit) is not the {m['heap_mib']:.0f} MiB the peak was measured with")
    peak = m["peak_rss_mib"] * 2**20
    floor = HEADROOM_MIN * peak + (GPU_EXTRA_MEMORY if gpu else 0)
    r.check(limit >= floor, f"{where}: memory limit {limit / 2**20:.0f} MiB is below {floor / 2**20:.0f} MiB"
            f" ({HEADROOM_MIN} x the measured peak of {m['peak_rss_mib']:.0f} MiB{' + CUDA host memory' if gpu else ''})")
    if not gpu:
        r.check(limit <= HEADROOM_MAX * peak, f"{where}: memory limit {limit / 2**20:.0f} MiB is more than {HEADROOM_MAX} x"
                f" the measured peak of {m['peak_rss_mib']:.0f} MiB: measure again rather than guess")
        cpu = quantity(resources.get("limits", {}).get("cpu"))
        r.check(cpu == m["cpus"], f"{where}: CPU limit {cpu} is not the {m['cpus']:g} the measurement ran with")


def check_ephemeral_storage(where, container, pod, r):
    """The emptyDirs on disk that `container` mounts each have a sizeLimit, and its ephemeral-storage
    request holds them all, so that the pod is scheduled on a node with room for them; a limit, where
    there is one, holds them too, or the kubelet evicts the pod before an emptyDir reaches its own limit."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    on_disk = [volumes[m["name"]]["emptyDir"] or {} for m in container.get("volumeMounts", [])
               if "emptyDir" in volumes.get(m["name"], {})]
    on_disk = [d for d in on_disk if d.get("medium") != "Memory"]
    if not on_disk:
        return
    sizes = [quantity(d.get("sizeLimit")) for d in on_disk]
    if not r.check(None not in sizes, f"{where}: every emptyDir on disk needs a sizeLimit (past it the kubelet evicts"
                   " the pod; without one it may fill the node's disk)"):
        return
    need = sum(sizes)
    resources = container.get("resources", {})
    request = resources.get("requests", {}).get("ephemeral-storage")
    r.check(request is not None and (quantity(request) or 0) >= need,
            f"{where}: ephemeral-storage request {request or '(none)'} is below its emptyDirs' sizeLimit ({need / 2**20:.0f} MiB):"
            " the pod may be scheduled on a node without the disk for them")
    limit = resources.get("limits", {}).get("ephemeral-storage")
    r.check(limit is None or (quantity(limit) or 0) >= need,
            f"{where}: ephemeral-storage limit {limit} is below its emptyDirs' sizeLimit ({need / 2**20:.0f} MiB): the"
            " kubelet evicts the pod before an emptyDir reaches its own limit")


def check_kubernetes(docs, r, variant, measured, retargeted=None):
    """variant: the tuple of components rendered on top of the base; retargeted: image repository
    -> the repository an overlay puts in its place (a shop's own images)."""
    retargeted = retargeted or {}
    components = set(variant)
    label = "[" + "+".join(("base",) + tuple(variant)) + "]"
    k = by_kind(docs)
    deployments, services = k.get("Deployment", {}), k.get("Service", {})
    configmaps = k.get("ConfigMap", {})
    config = glassbox_configs(k)
    if not r.check(len(config) == 1, f"{label} expected one glassbox-config ConfigMap, found {len(config)}"):
        return
    settings = config[0].get("data", {})
    tls = "tls" in components
    store = "redis" if "redis" in components else "memory"
    r.check(set(deployments) == set(SERVICES), f"{label} Deployments are {sorted(deployments)}, expected {sorted(SERVICES)}")
    r.check("Secret" not in k, f"{label} no Secret may be committed in the manifests (deploy/make-secrets.sh makes them)")
    r.check(settings.get("GLASSBOX_FEATURE_STORE") == store, f"{label} GLASSBOX_FEATURE_STORE must be {store}")
    r.check(settings.get("GLASSBOX_GATEWAY_HTTP_PORT") == str(VIEWER_PORT),
            f"{label} GLASSBOX_GATEWAY_HTTP_PORT must be {VIEWER_PORT}")
    listens_outside = settings.get("GLASSBOX_BIND_ADDRESS") == "0.0.0.0"
    r.check(listens_outside, f"{label} GLASSBOX_BIND_ADDRESS must be 0.0.0.0 (pods are reached on their pod IP)")
    r.check(settings.get("GLASSBOX_ADMIN_BIND_ADDRESS", "127.0.0.1") in ("127.0.0.1", "::1", "localhost"),
            f"{label} admin ports must stay on loopback (GLASSBOX_ADMIN_BIND_ADDRESS)")
    for key in IMAGE_SETTINGS:
        r.check(key not in settings, f"{label} ConfigMap sets {key}: where the files are is the image's own setting "
                "(a shop's image, deploy/docker/Dockerfile.shop, would be pointed at files it lacks)")

    # Services: cluster-internal only; the gateway's carries the API and the viewer, no other port;
    # internal ones are headless and carry gRPC only; metrics Services carry metrics only; none an admin port.
    for name, service in services.items():
        spec = service["spec"]
        ports = {p.get("port") for p in spec.get("ports", [])}
        where = f"{label} Service {name}"
        r.check(spec.get("type", "ClusterIP") == "ClusterIP",
                f"{where}: must be ClusterIP (outside callers come through an ingress to the gateway)")
        r.check(not ports & set(ADMIN_PORTS.values()), f"{where}: exposes an admin port")
        if name == PUBLIC_SERVICE:
            r.check(ports == {SERVICES[name][1], VIEWER_PORT}, f"{where}: must carry exactly gRPC and the viewer, got {sorted(ports)}")
        elif name in SERVICES:
            r.check(ports == {SERVICES[name][1]} and spec.get("clusterIP") == "None",
                    f"{where}: must be headless with the gRPC port only (client-side round_robin)")
        elif name.endswith("-metrics"):
            r.check(ports <= set(METRICS_PORTS.values()) and spec.get("clusterIP") == "None",
                    f"{where}: must be headless with a metrics port only")
        if name in SERVICES:
            # What each port speaks, for meshes and ingresses that read it: TLS (gRPC's HTTP/2 and
            # the viewer's HTTP) with components/tls, else plaintext HTTP/2 and HTTP.
            for p in spec.get("ports", []):
                want = "https" if tls else ("http" if p.get("port") == VIEWER_PORT else "kubernetes.io/h2c")
                r.check(p.get("appProtocol") == want,
                        f"{where}: port {p.get('port')} must declare appProtocol {want}, got {p.get('appProtocol')}")
            pod_labels = deployments.get(name, {}).get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
            r.check(spec.get("selector") and spec["selector"].items() <= pod_labels.items(),
                    f"{where}: selector must match the {name} pods")

    for name, (port_key, port, _) in SERVICES.items():
        deployment = deployments.get(name)
        if deployment is None:
            continue
        where = f"{label} Deployment {name}"
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        pod_meta = spec["template"]["metadata"]
        pod_labels = pod_meta.get("labels", {})
        selector = spec["selector"].get("matchLabels", {})
        r.check(selector and selector.items() <= pod_labels.items(), f"{where}: selector must match the pod labels")
        r.check(settings.get(port_key) == str(port), f"{label} ConfigMap {port_key} must be {port}")
        r.check(pod.get("automountServiceAccountToken") is False,
                f"{where}: automountServiceAccountToken must be false (no API access needed)")
        pod_sc = pod.get("securityContext", {})
        containers = pod.get("containers", [])
        if not r.check(len(containers) == 1 and containers[0].get("name") == name,
                       f"{where}: expected one container named {name}"):
            continue
        c = containers[0]
        sc = c.get("securityContext", {})
        gpu = "gpu" in components and name == GPU_SERVICE
        repo, tag = image_repo_and_tag(c.get("image", ""))
        expected_repo = IMAGE_PREFIX + name + ("-gpu" if gpu else "")
        expected_repo = retargeted.get(expected_repo, expected_repo)
        r.check(repo == expected_repo, f"{where}: image must be {expected_repo}:TAG, got {c.get('image')}")
        r.check(tag and tag != "latest", f"{where}: image must carry a fixed tag, got {c.get('image')}")
        # Ports: gRPC, metrics (and the viewer on the gateway), never an admin port.
        named = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
        want = {"grpc": port, "metrics": METRICS_PORTS[name]}
        if name == PUBLIC_SERVICE:
            want["http"] = VIEWER_PORT
        r.check(named == want, f"{where}: container ports must be {want}, got {named}")
        annotations = pod_meta.get("annotations", {})
        r.check(annotations.get("prometheus.io/scrape") == "true"
                and annotations.get("prometheus.io/port") == str(METRICS_PORTS[name])
                and annotations.get("prometheus.io/path") == "/metrics",
                f"{where}: pod must carry prometheus.io/scrape, port {METRICS_PORTS[name]} and path /metrics annotations")
        env = effective_env(c, configmaps)
        missing_refs = [s["configMapRef"]["name"] for s in c.get("envFrom", [])
                        if "configMapRef" in s and s["configMapRef"]["name"] not in configmaps]
        r.check(not missing_refs and env.get(port_key) == str(port),
                f"{where}: must read {port_key}={port} from the glassbox ConfigMap (missing: {missing_refs})")
        r.check("GLASSBOX_METRICS_PORT" not in env, f"{where}: GLASSBOX_METRICS_PORT must keep each service's own default")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            p = c.get(probe, {})
            if tls:
                # The HTTP endpoint meaning what the plain variant's gRPC probe asks: startup the
                # overall status (/started, which a Redis outage leaves SERVING), readiness the
                # service's (/ready).
                path = {"startupProbe": "/started", "readinessProbe": "/ready", "livenessProbe": "/live"}[probe]
                http = p.get("httpGet", {})
                r.check(http.get("port") == METRICS_PORTS[name] and http.get("path") == path
                        and "grpc" not in p and "tcpSocket" not in p,
                        f"{where}: with TLS, {probe} must be an HTTP probe of {path} on the metrics port "
                        f"{METRICS_PORTS[name]} (the kubelet's gRPC probe is plaintext)")
            else:
                grpc = p.get("grpc", {})
                asked = READINESS_SERVICES.get(name) if probe == "readinessProbe" else None
                r.check(grpc.get("port") == port and (grpc.get("service") or None) == asked,
                        f"{where}: {probe} must be a native gRPC probe on port {port} asking "
                        + (f"service {asked}" if asked else "the overall status"))
        # Keys and TLS files come from Secrets mounted where the settings say.
        if listens_outside:
            r.check(mounted_file(pod, c, env.get("GLASSBOX_API_KEYS_FILE")) == SECRETS["api-keys"],
                    f"{where}: GLASSBOX_API_KEYS_FILE must be a file of the Secret {SECRETS['api-keys'][0]}"
                    " (a server on 0.0.0.0 refuses to start without keys)")
        client_key = env.get("GLASSBOX_CLIENT_KEY_FILE")
        if name in CLIENT_SERVICES:
            r.check(mounted_file(pod, c, client_key) == SECRETS["client-key"],
                    f"{where}: GLASSBOX_CLIENT_KEY_FILE must be a file of the Secret {SECRETS['client-key'][0]}")
        else:
            r.check(not client_key and not any(v.get("secret", {}).get("secretName") == SECRETS["client-key"][0]
                                               for v in pod.get("volumes", [])),
                    f"{where}: calls no one, so it gets no client key")
        tls_files = {k: env.get(k) for k in ("GLASSBOX_TLS_CERT_FILE", "GLASSBOX_TLS_KEY_FILE", "GLASSBOX_TLS_CA_FILE")}
        if tls:
            for key, path in tls_files.items():
                found = mounted_file(pod, c, path)
                r.check(found and found[0] == SECRETS["tls"][0] and found[1] in ("tls.crt", "tls.key", "ca.crt"),
                        f"{where}: {key} must be a file of the Secret {SECRETS['tls'][0]}")
        else:
            r.check(not any(tls_files.values()), f"{where}: TLS files are set without components/tls")
        # Resources: memory from the measurement; CPU request within the limit.
        resources = c.get("resources", {})
        cpu_request = quantity(resources.get("requests", {}).get("cpu"))
        cpu_limit = quantity(resources.get("limits", {}).get("cpu"))
        if r.check(cpu_request is not None and cpu_limit is not None, f"{where}: needs CPU requests and limits"):
            r.check(cpu_request <= cpu_limit, f"{where}: CPU request exceeds its limit")
        check_memory(where, c, env, name, measured, r, gpu)
        # Hardening.
        r.check(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{where}: runAsNonRoot must be true")
        r.check(sc.get("runAsUser", pod_sc.get("runAsUser", 10001)) != 0, f"{where}: must not run as uid 0")
        r.check(sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem must be true")
        r.check(sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation must be false")
        r.check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{where}: capabilities must drop ALL")
        r.check(not sc.get("privileged"), f"{where}: must not be privileged")
        tmp_mounts = [m for m in c.get("volumeMounts", []) if m.get("mountPath") == "/tmp"]
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        tmp_volume = volumes.get(tmp_mounts[0]["name"]) if tmp_mounts else None
        r.check(tmp_volume is not None and "emptyDir" in tmp_volume,
                f"{where}: needs a writable emptyDir at /tmp (native libraries unpack there)")
        if tmp_volume is not None and "emptyDir" in tmp_volume:
            empty_dir = tmp_volume["emptyDir"] or {}
            r.check(empty_dir.get("medium") != "Memory",
                    f"{where}: /tmp must be on disk: in memory what is written there ("
                    + ("an import spooled there, " if name == FEATURE_SERVICE else "")
                    + "native libraries) counts against the memory limit, which was measured without it")
            check_tmp_room(where, name, env, gpu, quantity(empty_dir["sizeLimit"]) if "sizeLimit" in empty_dir else None,
                           "past its sizeLimit the kubelet evicts the pod"
                           + (", and the in-memory store with it" if name == FEATURE_SERVICE else ""), r)
            if name == GPU_SERVICE:
                mount = tmp_mounts[0]["mountPath"]
                r.check(env.get(ONNXRUNTIME_DIR_KEY) == mount,
                        f"{where}: {ONNXRUNTIME_DIR_KEY} must be {mount}, the emptyDir it mounts (2777 without the sticky"
                        f" bit: unnamed, ONNX Runtime's folder is refused there and every start, a crashed one too, leaves"
                        f" a copy of its own in it), got {env.get(ONNXRUNTIME_DIR_KEY)!r}")
        check_ephemeral_storage(where, c, pod, r)
        # Drain.
        pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = pod.get("terminationGracePeriodSeconds", 30)
        r.check(grace > pre_stop + DRAIN_SECONDS,
                f"{where}: terminationGracePeriodSeconds {grace} must exceed preStop {pre_stop} s + drain {DRAIN_SECONDS} s")
        # Replicas and rollouts: an in-memory feature store is one replica, replaced (never two at once).
        strategy = spec.get("strategy", {})
        if name == "feature-service" and store == "memory":
            r.check(spec.get("replicas", 1) == 1 and (strategy.get("type") == "Recreate"
                    or strategy.get("rollingUpdate", {}).get("maxSurge") in (0, "0", "0%")),
                    f"{where}: with the in-memory store, one replica and no surge (two would be two diverging stores)")
        else:
            r.check(least_replicas(k, "Deployment", deployment) >= 2 and strategy.get("type", "RollingUpdate") == "RollingUpdate"
                    and strategy.get("rollingUpdate", {}).get("maxUnavailable", 1) in (0, "0"),
                    f"{where}: needs >= 2 replicas and a rolling update that keeps them all serving")
        # Execution provider.
        if name == GPU_SERVICE:
            want_provider = "cuda" if gpu else "cpu"
            r.check(env.get("GLASSBOX_EXECUTION_PROVIDER") == want_provider,
                    f"{where}: GLASSBOX_EXECUTION_PROVIDER must be {want_provider}, got {env.get('GLASSBOX_EXECUTION_PROVIDER')}")
            gpus = resources.get("limits", {}).get("nvidia.com/gpu")
            if gpu:
                r.check(str(gpus) == "1", f"{where}: must limit nvidia.com/gpu to 1")
                r.check(pod.get("nodeSelector"), f"{where}: must select GPU nodes")
                r.check(any(t.get("key") == "nvidia.com/gpu" for t in pod.get("tolerations", [])),
                        f"{where}: must tolerate the nvidia.com/gpu taint")
                size = quantity(tmp_volume.get("emptyDir", {}).get("sizeLimit", "0")) if tmp_volume else 0
                r.check(size and size >= 2**30, f"{where}: /tmp must hold the CUDA libraries (>= 1Gi)")
            else:
                r.check(gpus is None, f"{where}: the CPU base must not ask for a GPU")

    replicas_budgets(k, label, r)
    # Client targets point at the right headless Services.
    for key, target_service in TARGETS.items():
        want = f"dns:///{target_service}:{SERVICES[target_service][1]}"
        r.check(settings.get(key) == want, f"{label} ConfigMap {key} must be {want}, got {settings.get(key)}")
    if store == "redis":
        check_redis(k, settings, r, label)
    else:
        r.check("StatefulSet" not in k and "GLASSBOX_REDIS_URI" not in settings, f"{label} Redis without components/redis")
    if "service-monitor" in components:
        monitors = k.get("ServiceMonitor", {})
        r.check(len(monitors) == 1, f"{label} components/service-monitor must add one ServiceMonitor")
        for monitor in monitors.values():
            selected = {n for n, s in services.items() if selects(monitor["spec"]["selector"], s["metadata"].get("labels", {}))}
            r.check(selected == {f"{n}-metrics" for n in SERVICES},
                    f"{label} the ServiceMonitor must select the four metrics Services, selects {sorted(selected)}")
            # The alert rules match job="gateway" and the servers' own `service` label (the gRPC service).
            r.check(monitor["spec"].get("jobLabel") == ALERT_JOB_LABEL
                    and all(s["metadata"].get("labels", {}).get(ALERT_JOB_LABEL) in SERVICES
                            for n, s in services.items() if n in selected),
                    f"{label} the ServiceMonitor's jobLabel must be {ALERT_JOB_LABEL}, the service's name on each "
                    f"metrics Service (the alert rules match job=\"gateway\" and so on)")
            r.check(all(e.get("honorLabels") is True for e in monitor["spec"].get("endpoints", [])),
                    f"{label} the ServiceMonitor's endpoints must set honorLabels: true, or the servers' `service` "
                    f"label (the gRPC service) turns into exported_service and the alert rules match nothing")
        r.check(len(k.get("PrometheusRule", {})) == 1, f"{label} components/service-monitor must add one PrometheusRule")
    else:
        r.check("ServiceMonitor" not in k, f"{label} a ServiceMonitor without components/service-monitor")
        r.check("PrometheusRule" not in k, f"{label} a PrometheusRule without components/service-monitor")
    check_autoscaling(k, r, label, components)
    check_network_policies(docs, r, label, components)


def check_autoscaling(k, r, label, components):
    """components/autoscaling: one CPU autoscaler per AUTOSCALED Deployment, owning its replica
    count; without it, no autoscaler and every Deployment says its replicas."""
    autoscalers = k.get("HorizontalPodAutoscaler", {})
    deployments = k.get("Deployment", {})
    if "autoscaling" not in components:
        r.check(not autoscalers, f"{label} HorizontalPodAutoscalers without components/autoscaling")
        for name, deployment in deployments.items():
            r.check("replicas" in deployment["spec"], f"{label} Deployment {name} must say its replicas")
        return
    targets = {h["spec"]["scaleTargetRef"].get("name"): h for h in autoscalers.values()}
    r.check(len(targets) == len(autoscalers) and set(targets) == set(AUTOSCALED),
            f"{label} components/autoscaling must scale exactly {list(AUTOSCALED)}, scales {sorted(targets)}")
    for name, autoscaler in targets.items():
        where = f"{label} HorizontalPodAutoscaler of {name}"
        spec = autoscaler["spec"]
        r.check(spec["scaleTargetRef"].get("kind") == "Deployment" and spec["scaleTargetRef"].get("apiVersion") == "apps/v1"
                and name in deployments, f"{where}: must target the apps/v1 Deployment {name}")
        r.check(autoscaler.get("apiVersion") == "autoscaling/v2", f"{where}: must be autoscaling/v2")
        minimum, maximum = spec.get("minReplicas", 1), spec.get("maxReplicas", 0)
        r.check(minimum >= AUTOSCALE_MIN_REPLICAS, f"{where}: minReplicas must be >= {AUTOSCALE_MIN_REPLICAS}, got {minimum}")
        r.check(maximum > minimum, f"{where}: maxReplicas ({maximum}) must be above minReplicas ({minimum})")
        metrics = spec.get("metrics", [])
        r.check(metrics and all(m.get("type") == "Resource" and m["resource"].get("name") == "cpu"
                                and m["resource"]["target"].get("type") == "Utilization" for m in metrics),
                f"{where}: must scale on CPU utilization")
        down = spec.get("behavior", {}).get("scaleDown", {})
        r.check(down.get("stabilizationWindowSeconds", 0) >= 300 and down.get("policies")
                and all(p.get("type") == "Pods" and p.get("value") == 1 for p in down["policies"]),
                f"{where}: must scale down one replica at a time after >= 300 s (clients move as connections age)")
        deployment = deployments.get(name)
        if deployment:
            r.check("replicas" not in deployment["spec"],
                    f"{where}: Deployment {name} must not say its replicas (kubectl apply would undo the autoscaler)")
            for c in deployment["spec"]["template"]["spec"]["containers"]:
                r.check(c.get("resources", {}).get("requests", {}).get("cpu"),
                        f"{where}: container {c['name']} needs a CPU request (utilization is measured against it)")


def check_redis(k, settings, r, label):
    uri = settings.get("GLASSBOX_REDIS_URI", "")
    match = re.fullmatch(r"redis://([a-z0-9-]+):(\d+)", uri)
    service = k.get("Service", {}).get(match.group(1)) if match else None
    r.check(service and int(match.group(2)) in [p.get("port") for p in service["spec"].get("ports", [])],
            f"{label} GLASSBOX_REDIS_URI {uri!r} must name a Service and its port")
    statefulset = k.get("StatefulSet", {}).get(REDIS[0])
    if not r.check(statefulset, f"{label} components/redis must run Redis as a StatefulSet"):
        return
    pod = statefulset["spec"]["template"]["spec"]
    c = pod["containers"][0]
    where = f"{label} StatefulSet redis"
    claims = [t["metadata"]["name"] for t in statefulset["spec"].get("volumeClaimTemplates", [])]
    r.check(any(m["mountPath"] == "/data" and m["name"] in claims for m in c.get("volumeMounts", [])),
            f"{where}: /data must be a persistent volume claim")
    args = c.get("args", [])
    r.check("--appendonly" in args and args[args.index("--appendonly") + 1] == "yes",
            f"{where}: needs the append-only file (acknowledged events survive a restart)")
    r.check("--maxmemory-policy" in args and args[args.index("--maxmemory-policy") + 1] == "noeviction",
            f"{where}: must not evict events (maxmemory-policy noeviction)")
    sc = c.get("securityContext", {})
    r.check(pod.get("securityContext", {}).get("runAsNonRoot") is True and sc.get("readOnlyRootFilesystem") is True
            and sc.get("allowPrivilegeEscalation") is False and "ALL" in sc.get("capabilities", {}).get("drop", []),
            f"{where}: must run hardened (non-root, read-only root, no capabilities)")
    r.check(all(c.get(p) for p in ("startupProbe", "readinessProbe", "livenessProbe")), f"{where}: needs all three probes")
    limits, requests = c.get("resources", {}).get("limits", {}), c.get("resources", {}).get("requests", {})
    r.check(limits.get("memory") and limits.get("memory") == requests.get("memory"), f"{where}: memory request must equal its limit")
    r.check(image_repo_and_tag(c.get("image", ""))[1], f"{where}: image must carry a fixed tag")


# ---------------------------------------------------------------------------- network policies

class Peer:
    """A pod of the suite, or something else that may send or receive traffic."""

    def __init__(self, name, namespace, labels, ports=None, ip=None):
        self.name, self.namespace, self.labels, self.ports, self.ip = name, namespace, labels, ports or {}, ip

    def is_pod(self):
        return self.ip is None


APP_NAMESPACE = "glassbox"


def peers_of(docs):
    pods = []
    for d in docs:
        if d.get("kind") in ("Deployment", "StatefulSet"):
            template = d["spec"]["template"]
            ports = {p.get("name"): p.get("containerPort") for c in template["spec"]["containers"] for p in c.get("ports", [])}
            pods.append(Peer(d["metadata"]["name"], APP_NAMESPACE, template["metadata"].get("labels", {}), ports))
    others = [
        Peer("outside", None, {}, ip="203.0.113.7"),
        Peer("other-namespace", "shop", {"app.kubernetes.io/name": "shop-backend"}),
        Peer("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"}),
        Peer("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, {"dns": 53}),
    ]
    return pods, others


def peer_matches(rule_peers, peer):
    if not rule_peers:
        return True
    for p in rule_peers:
        if "ipBlock" in p:
            if not peer.is_pod() and p["ipBlock"].get("cidr") == "0.0.0.0/0":
                return True
            continue
        if not peer.is_pod():
            continue
        namespace_ok = (selects(p["namespaceSelector"], {"kubernetes.io/metadata.name": peer.namespace})
                        if "namespaceSelector" in p else peer.namespace == APP_NAMESPACE)
        pod_ok = selects(p["podSelector"], peer.labels) if "podSelector" in p else True
        if namespace_ok and pod_ok:
            return True
    return False


def port_matches(rule_ports, destination, port, protocol):
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        wanted = p.get("port")
        if wanted is None or wanted == port or (isinstance(wanted, str) and destination.ports.get(wanted) == port):
            return True
    return False


def allowed(policies, source, destination, port, protocol="TCP"):
    """Whether Kubernetes NetworkPolicy semantics let `source` open `destination:port`."""
    def applying(pod, kind):
        if not pod.is_pod() or pod.namespace != APP_NAMESPACE:
            return None
        chosen = [p for p in policies if selects(p["spec"].get("podSelector", {}), pod.labels)
                  and kind in p["spec"].get("policyTypes", ["Ingress"])]
        return chosen or None

    egress = applying(source, "Egress")
    if egress is not None and not any(peer_matches(rule.get("to"), destination) and port_matches(rule.get("ports"), destination, port, protocol)
                                      for p in egress for rule in p["spec"].get("egress", [])):
        return False
    ingress = applying(destination, "Ingress")
    if ingress is not None and not any(peer_matches(rule.get("from"), source) and port_matches(rule.get("ports"), destination, port, protocol)
                                       for p in ingress for rule in p["spec"].get("ingress", [])):
        return False
    return True


def check_network_policies(docs, r, label, components):
    policies = [d for d in docs if d.get("kind") == "NetworkPolicy"]
    for p in policies:
        selectors = [p["spec"].get("podSelector", {})] + [peer.get(s, {}) for rule in p["spec"].get("ingress", []) + p["spec"].get("egress", [])
                                                          for peer in (rule.get("from") or rule.get("to") or []) for s in ("podSelector", "namespaceSelector")]
        r.check(not any("matchExpressions" in s for s in selectors),
                f"{label} NetworkPolicy {p['metadata']['name']}: matchExpressions are not evaluated by this check")
    pods, others = peers_of(docs)
    by_name = {p.name: p for p in pods}
    redis = by_name.get(REDIS[0])
    if "network-policy" not in components:
        if "redis" not in components:
            r.check(not policies, f"{label} NetworkPolicies without components/network-policy")
            return
        # components/redis alone: Redis is still reachable from the feature-service only.
        for source in pods + others:
            if source is not redis:
                want = source.name == "feature-service"
                r.check(allowed(policies, source, redis, REDIS[1]) == want,
                        f"{label} {source.name} -> redis:{REDIS[1]} must be {'allowed' if want else 'denied'}")
        kube_dns = others[-1]
        r.check(allowed(policies, by_name["feature-service"], kube_dns, 53, "UDP"), f"{label} feature-service must reach DNS")
        return
    kube_dns = next(o for o in others if o.name == "kube-dns")
    for source in pods + others:
        for destination in pods:
            if source is destination:
                continue
            ports = {"grpc": destination.ports.get("grpc"), "http": destination.ports.get("http"),
                     "metrics": destination.ports.get("metrics"), "admin": ADMIN_PORTS.get(destination.name),
                     "redis": destination.ports.get("redis")}
            for kind, port in ports.items():
                if port is None:
                    continue
                if kind in ("grpc", "http"):
                    if destination.name == PUBLIC_SERVICE:
                        want = not source.is_pod() or source.namespace != APP_NAMESPACE
                    else:
                        want = source.namespace == APP_NAMESPACE and destination.name in CALLS.get(source.name, [])
                elif kind == "metrics":
                    want = source.name == "prometheus"
                elif kind == "redis":
                    want = source.name == "feature-service"
                else:
                    want = False
                r.check(allowed(policies, source, destination, port) == want,
                        f"{label} {source.name} -> {destination.name}:{port} ({kind}) must be {'allowed' if want else 'denied'}")
        if source.is_pod() and source.namespace == APP_NAMESPACE:
            r.check(allowed(policies, source, kube_dns, 53, "UDP"), f"{label} {source.name} must reach DNS")
            r.check(not allowed(policies, source, others[0], 443), f"{label} {source.name} must not reach outside the cluster")


# ------------------------------------------------------------------------------------- secrets

def check_secrets(secrets_dir, rendered, r):
    """What deploy/make-secrets.sh made: the Secrets every variant mounts, with the keys it reads."""
    made = {d["metadata"]["name"]: d for d in load_all(secrets_dir / "secrets.yaml") if d.get("kind") == "Secret"}
    for (name, key) in (SECRETS["api-keys"], SECRETS["client-key"]):
        r.check(key in made.get(name, {}).get("data", {}), f"make-secrets.sh: Secret {name} must hold {key}")
    r.check(made.get(SECRETS["tls"][0], {}).get("type") == "kubernetes.io/tls"
            and {"tls.crt", "tls.key", "ca.crt"} <= set(made.get(SECRETS["tls"][0], {}).get("data", {})),
            "make-secrets.sh: Secret glassbox-tls must be kubernetes.io/tls with tls.crt, tls.key and ca.crt")
    for variant, docs in rendered.items():
        for d in docs:
            if d.get("kind") not in ("Deployment", "StatefulSet"):
                continue
            for v in d["spec"]["template"]["spec"].get("volumes", []):
                secret = v.get("secret")
                if secret:
                    r.check(secret["secretName"] in made,
                            f"[{variant}] {d['metadata']['name']} mounts Secret {secret['secretName']}, which make-secrets.sh does not make")
    lines = (secrets_dir / "api-keys").read_text(encoding="utf-8").splitlines()
    r.check(lines and all(re.fullmatch(r"(client|admin) [0-9a-f]{64} \S+", l) for l in lines),
            "make-secrets.sh: api-keys lines must be '<role> <sha256-hex> <name>'")

    def role_of(key_file):
        if not (secrets_dir / key_file).exists():
            return None
        digest = hashlib.sha256((secrets_dir / key_file).read_text(encoding="utf-8").strip().encode()).hexdigest()
        return {l.split()[1]: l.split()[0] for l in lines}.get(digest)

    r.check(role_of("client-key") == "client", "make-secrets.sh: the client key's hash must be accepted with role client")
    r.check(role_of("admin-key") == "admin", "make-secrets.sh: the admin key's hash must be accepted with role admin")
    r.check(role_of("caller-key") == "client", "make-secrets.sh: the caller key's hash (the shop's) must be accepted with role client")
    caller_key = base64.b64encode((secrets_dir / "caller-key").read_bytes()).decode() if (secrets_dir / "caller-key").exists() else None
    r.check(caller_key is not None and not any(caller_key in d.get("data", {}).values() for d in made.values()),
            "make-secrets.sh: the caller key is for the shop's back end: no Secret the pods mount may hold it")
    r.check((secrets_dir / "tls.key").read_text(encoding="utf-8").startswith("-----BEGIN PRIVATE KEY-----"),
            "make-secrets.sh: tls.key must be PKCS#8 PEM (what the servers read)")


def check_secret_modes(root, secrets_dir, r):
    """The modes make-secrets.sh leaves: a file a compose file mounts from deploy/secrets is readable by
    the containers' user (uid 10001, through a bind mount that keeps the host's owner and mode); every
    other file holding a secret (all but api-keys, hashes only, and the certificates) is its owner's
    only, so that a copy of the folder (cp -r, a tarball) does not hand it to everyone."""
    mounted = set()
    for compose in sorted((root / "deploy").glob("docker-compose*.yml")):
        for secret in (load_all(compose)[0] or {}).get("secrets", {}).values():
            source = Path(secret.get("file", ""))
            if source.parent == Path("secrets"):
                mounted.add(source.name)
    r.check(mounted, "docker-compose.yml: mounts no file of deploy/secrets (its secrets: ... file: ./secrets/...)")
    r.check(secrets_dir.stat().st_mode & 0o077 == 0, "make-secrets.sh: its folder must be its owner's only (700)")
    for f in sorted(secrets_dir.iterdir()):
        if f.is_symlink() and f.suffix != ".crt" and f.name != "api-keys" and f.name not in mounted:
            r.check(False, f"make-secrets.sh: {f.name} holds a secret and is a symbolic link: its mode is its "
                           f"target's, which make-secrets.sh leaves alone; make it a plain file of mode 600")
            continue
        mode = f.stat().st_mode & 0o777
        if f.name in mounted:
            r.check(mode & 0o004, f"make-secrets.sh: {f.name} is mounted by docker compose, whose containers read "
                                  f"it as uid 10001: it must be readable by others, not {mode:o}")
        elif f.suffix != ".crt" and f.name != "api-keys":
            r.check(mode == 0o600, f"make-secrets.sh: {f.name} holds a secret and no compose container reads it: "
                                       f"it must be readable by its owner only (600), not {mode:o}")


# ------------------------------------------------------------------------------------- sizing

SIZING_HEADROOM = 1.30


def suggest_sizing(measured):
    """The limit and MaxRAMPercentage the measurement asks for: 1.3 x the peak, up to a 32 MiB step."""
    lines = []
    for name, m in measured.items():
        limit_mib = -(-m["peak_rss_mib"] * SIZING_HEADROOM // 32) * 32
        lines.append(f"{name}: memory {limit_mib:.0f}Mi, -XX:MaxRAMPercentage={100 * m['heap_mib'] / limit_mib:.1f}"
                     f" (heap {m['heap_mib']:.0f} MiB, measured peak {m['peak_rss_mib']:.0f} MiB)")
    return lines


# ----------------------------------------------------------------------------------- rendering

def render(root, renderer, components, overlay=None):
    """kustomize output of the base plus `components` (or of an overlay) as parsed documents."""
    kubernetes = root / "deploy/kubernetes"
    with tempfile.TemporaryDirectory() as work:
        if overlay:
            target = kubernetes / "overlays" / overlay
        else:
            target = Path(work)
            # kustomize takes relative paths only.
            rel = lambda p: os.path.relpath(p, work)
            (target / "kustomization.yaml").write_text(yaml.safe_dump({
                "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "resources": [rel(kubernetes / "base")],
                "components": [rel(kubernetes / "components" / c) for c in components]}), encoding="utf-8")
        done = subprocess.run(shlex.split(renderer) + [str(target)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        return [d for d in yaml.safe_load_all(done.stdout) if d is not None]


def read_overlay(root, overlay):
    """An overlay's components (sorted names) and the image repositories it retargets (base name
    -> its newName), from one read of its kustomization."""
    kustomization = load_all(root / "deploy/kubernetes/overlays" / overlay / "kustomization.yaml")[0]
    components = tuple(sorted(Path(c).name for c in kustomization.get("components", [])))
    images = {i["name"]: i["newName"] for i in kustomization.get("images", []) if i.get("newName")}
    return components, images


# ------------------------------------------------------------------------------------- alert rules

def check_alert_rules(root, docs, r):
    """The production overlay's PrometheusRule against the code and the docs (deploy/check_alerts.py),
    then the same check over deliberately broken copies of it: each breakage must be caught."""
    rules = [d for d in docs if d.get("kind") == "PrometheusRule"]
    if not r.check(rules, f"[{ALERTS_OVERLAY}] has no PrometheusRule (components/service-monitor)"):
        return
    samples, values = check_alerts.exported_metrics(root), check_alerts.known_values(root)
    label = f"[{ALERTS_OVERLAY}]"
    check_alerts.check_rule_file(rules, root, r, label, samples, values)

    def check(changed, report):
        check_alerts.check_rule_file(changed, root, report, label, samples, values)

    def alert(d, name):
        return next(a for g in d[0]["spec"]["groups"] for a in g["rules"] if a.get("alert") == name)

    first = rules[0]["spec"]["groups"][0]["rules"][0]["alert"]

    def set_expr(expr):
        return lambda d: alert(d, first).update(expr=expr)

    for what, breakage, expected in [
        ("a metric the code does not export", set_expr("rate(glassbox_gateway_stage_total[5m]) > 0"),
         "metric glassbox_gateway_stage_total is not one the services export"),
        ("a histogram suffix on a counter", set_expr("rate(glassbox_gateway_degraded_answers_bucket[5m]) > 0"),
         "metric glassbox_gateway_degraded_answers_bucket is not one"),
        ("a label the metric lacks", set_expr('rate(glassbox_gateway_degraded_answers_total{stage="features"}[5m]) > 0'),
         "label stage is not a label of glassbox_gateway_degraded_answers_total"),
        ("a grouping label the metric lacks", set_expr("sum by (part, method) (rate(glassbox_gateway_degraded_answers_total[5m])) > 0"),
         "grouping label method is not a label"),
        ("a label value the code never uses", set_expr('rate(glassbox_gateway_degraded_answers_total{part="rankings"}[5m]) > 0'),
         "part='rankings' is no value the code or the protos use"),
        ("a certificate that is none in the TLS expiry gauge",
         set_expr('glassbox_tls_certificate_expiry_timestamp_seconds{certificate="served"} - time() < 0'),
         "certificate='served' is no value"),
        ("a status code that is none", set_expr('rate(glassbox_grpc_server_handling_seconds_count{code=~"UNAVAILABLE|TIMEOUT"}[5m]) > 0'),
         "code='TIMEOUT' is no value"),
        ("an alert without `for`", lambda d: alert(d, first).pop("for"), "needs a `for:` duration"),
        ("an alert without severity", lambda d: alert(d, first)["labels"].pop("severity"), "labels.severity must be"),
        ("an alert without a summary", lambda d: alert(d, first)["annotations"].pop("summary"), "needs the annotation summary"),
        ("a runbook_url whose anchor is no heading",
         lambda d: alert(d, first)["annotations"].update(runbook_url="deploy/RUNBOOK.md#no-such-heading"),
         "has no heading with anchor #no-such-heading"),
        ("a runbook_url to no file",
         lambda d: alert(d, first)["annotations"].update(runbook_url="deploy/NO-RUNBOOK.md#x"), "must be FILE#ANCHOR"),
    ]:
        check_caught(r, f"{what} in an alert rule", rules, breakage, check, expected)


# --------------------------------------------------------------------------------------- self-test

def failures(good, change, check):
    """The failures `check(changed, report)` finds in a copy of `good` that `change` changed."""
    changed = copy.deepcopy(good)
    change(changed)
    probe = Report(quiet=True)
    check(changed, probe)
    return probe.failures


def check_caught(r, what, good, breakage, check, expected):
    """`check` finds in `good` after `breakage` (as failures()) a failure saying `expected`, else a self-test
    failure naming `what` is broken: a breakage caught only by some other rule does not show that its own
    rule can fail."""
    r.check(any(expected in f for f in failures(good, breakage, check)),
            f"self-test: the checks did not catch {what} (no failure saying {expected!r})")


def self_test(rendered, measured, r):
    """Each deliberate breakage of a good rendering must be caught: the checks can fail."""
    def find(d, kind, name):
        return next(x for x in d if x.get("kind") == kind and x["metadata"]["name"] == name)

    def container(d, name):
        return first_container(find(d, "Deployment", name))

    def set_env(d, name, key, value):
        env = container(d, name)["env"]
        env[:] = [e for e in env if e["name"] != key] + [{"name": key, "value": value}]

    def env_value(d, name, key):
        return next(e["value"] for e in container(d, name)["env"] if e["name"] == key)

    def limit(d, name, value):
        container(d, name)["resources"]["limits"]["memory"] = value
        container(d, name)["resources"]["requests"]["memory"] = value

    def without_tmp_mount(d, name):
        mounts = container(d, name)["volumeMounts"]
        mounts[:] = [m for m in mounts if m["mountPath"] != "/tmp"]

    def without_env(d, name, key):
        env = container(d, name)["env"]
        env[:] = [e for e in env if e["name"] != key]

    # (variant, what is broken, a text the failure it must produce says, the breakage)
    base = ()
    secured = ("redis", "network-policy")
    breakages = [
        (("tls",), "the viewer declared plain HTTP under TLS", "port 8080 must declare appProtocol https",
         lambda d: find(d, "Service", "gateway")["spec"]["ports"][1].update(appProtocol="http")),
        (("tls",), "a gRPC port declared h2c under TLS", "port 50053 must declare appProtocol https",
         lambda d: find(d, "Service", "model-service")["spec"]["ports"][0].update(appProtocol="kubernetes.io/h2c")),
        (("tls",), "the feature-service's TLS startup probe asking /ready, which a Redis outage at start holds NOT_SERVING",
         "feature-service: with TLS, startupProbe must be an HTTP probe of /started",
         lambda d: container(d, "feature-service")["startupProbe"]["httpGet"].update(path="/ready")),
        (base, "gateway without a readiness probe", "gateway: readinessProbe must be a native gRPC probe",
         lambda d: container(d, "gateway").pop("readinessProbe")),
        (("redis",), "the feature-service's readiness probe asking the overall status, SERVING while Redis is down",
         "feature-service: readinessProbe must be a native gRPC probe on port 50052 asking service glassbox.v1.FeatureService",
         lambda d: container(d, "feature-service")["readinessProbe"]["grpc"].pop("service")),
        (("redis",), "the feature-service's liveness probe asking its service, which a Redis outage turns NOT_SERVING",
         "feature-service: livenessProbe must be a native gRPC probe on port 50052 asking the overall status",
         lambda d: container(d, "feature-service")["livenessProbe"]["grpc"].update(service="glassbox.v1.FeatureService")),
        (base, "model-service with a writable root filesystem", "model-service: readOnlyRootFilesystem must be true",
         lambda d: container(d, "model-service")["securityContext"].update(readOnlyRootFilesystem=False)),
        (base, "gateway listening on the wrong port", "gateway: container ports must be",
         lambda d: container(d, "gateway")["ports"][0].update(containerPort=50055)),
        (base, "model-service Service not headless", "Service model-service: must be headless",
         lambda d: find(d, "Service", "model-service")["spec"].pop("clusterIP")),
        (base, "feature-service without a memory limit", "feature-service: needs memory requests and limits",
         lambda d: container(d, "feature-service")["resources"]["limits"].pop("memory")),
        (base, "explain-service keeping its capabilities", "explain-service: capabilities must drop ALL",
         lambda d: container(d, "explain-service")["securityContext"].pop("capabilities")),
        (base, "a grace period shorter than the drain", "gateway: terminationGracePeriodSeconds 10 must exceed",
         lambda d: find(d, "Deployment", "gateway")["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=10)),
        (base, "no /tmp volume", "model-service: needs a writable emptyDir at /tmp",
         lambda d: without_tmp_mount(d, "model-service")),
        (base, "the gateway's memory limit raised without measuring again",
         "gateway: memory limit 2048 MiB is more than 2.0 x the measured peak", lambda d: limit(d, "gateway", "2Gi")),
        (base, "the gateway's memory limit cut below its measured peak",
         "gateway: memory limit 256 MiB is below", lambda d: limit(d, "gateway", "256Mi")),
        (base, "the gateway's heap back at 75 % of its limit", "gateway: heap 360 MiB (MaxRAMPercentage x limit) is not",
         lambda d: set_env(d, "gateway", "JDK_JAVA_OPTIONS", "-XX:InitialRAMPercentage=75.0 -XX:MaxRAMPercentage=75.0"
                           " -XX:+AlwaysPreTouch -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError")),
        (base, "the gateway's heap no longer committed at start", "gateway: JDK_JAVA_OPTIONS must commit the whole heap",
         lambda d: set_env(d, "gateway", "JDK_JAVA_OPTIONS", env_value(d, "gateway", "JDK_JAVA_OPTIONS").replace(" -XX:+AlwaysPreTouch", ""))),
        (base, "two in-memory feature-service replicas", "feature-service: with the in-memory store, one replica",
         lambda d: find(d, "Deployment", "feature-service")["spec"].update(replicas=2)),
        (base, "the explain-service without its disruption budget", "explain-service has 2 replicas and needs one PodDisruptionBudget",
         lambda d: d.remove(find(d, "PodDisruptionBudget", "explain-service"))),
        (base, "the model admin port on its Service", "Service model-service: exposes an admin port",
         lambda d: find(d, "Service", "model-service")["spec"]["ports"].append({"name": "admin", "port": 50063})),
        (base, "a metrics annotation on the wrong port", "explain-service: pod must carry prometheus.io/scrape",
         lambda d: find(d, "Deployment", "explain-service")["spec"]["template"]["metadata"]["annotations"].update({"prometheus.io/port": "9451"})),
        (base, "a Secret committed with the manifests", "no Secret may be committed",
         lambda d: d.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "glassbox-api-keys"}})),
        (base, "the gateway published as a LoadBalancer", "Service gateway: must be ClusterIP",
         lambda d: find(d, "Service", "gateway")["spec"].update(type="LoadBalancer")),
        (base, "the explain-service without its client key", "explain-service: GLASSBOX_CLIENT_KEY_FILE must be a file of the Secret",
         lambda d: without_env(d, "explain-service", "GLASSBOX_CLIENT_KEY_FILE")),
        (base, "the model-service's ONNX Runtime folder not named as its /tmp emptyDir",
         f"model-service: {ONNXRUNTIME_DIR_KEY} must be /tmp, the emptyDir it mounts",
         lambda d: without_env(d, "model-service", ONNXRUNTIME_DIR_KEY)),
        (("gpu",), "the GPU model-service's ONNX Runtime folder elsewhere than its /tmp emptyDir",
         f"model-service: {ONNXRUNTIME_DIR_KEY} must be /tmp, the emptyDir it mounts",
         lambda d: set_env(d, "model-service", ONNXRUNTIME_DIR_KEY, "/var/tmp")),
        (secured, "the model-service's policy gone", "gateway -> model-service:50053 (grpc) must be allowed",
         lambda d: d.remove(find(d, "NetworkPolicy", "model-service"))),
        (secured, "Redis open to every source", "outside -> redis:6379 (redis) must be denied",
         lambda d: find(d, "NetworkPolicy", "redis")["spec"]["ingress"][0].pop("from")),
        (secured, "the feature-service's egress open to everything", "feature-service must not reach outside the cluster",
         lambda d: find(d, "NetworkPolicy", "feature-service-to-redis")["spec"]["egress"].__setitem__(0, {})),
        (secured, "no DNS", "gateway must reach DNS", lambda d: d.remove(find(d, "NetworkPolicy", "dns-egress"))),
        (secured, "the gateway unreachable from outside", "outside -> gateway:50051 (grpc) must be allowed",
         lambda d: find(d, "NetworkPolicy", "gateway")["spec"]["ingress"][0].update(
             {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "explain-service"}}}]})),
        (secured, "a Redis without its append-only file", "StatefulSet redis: needs the append-only file",
         lambda d: first_container(find(d, "StatefulSet", "redis"))["args"].remove("--appendonly")),
        (secured, "one feature-service replica left without a budget",
         "feature-service has 2 replicas and needs one PodDisruptionBudget",
         lambda d: d.remove(find(d, "PodDisruptionBudget", "feature-service"))),
    ]
    scaled = ("autoscaling",)
    breakages += [
        (scaled, "an autoscaled Deployment still saying its replicas", "Deployment model-service must not say its replicas",
         lambda d: find(d, "Deployment", "model-service")["spec"].update(replicas=2)),
        (scaled, "an autoscaler that may leave one gateway", "HorizontalPodAutoscaler of gateway: minReplicas must be >= 2",
         lambda d: find(d, "HorizontalPodAutoscaler", "gateway")["spec"].update(minReplicas=1)),
        (scaled, "the in-memory feature-service autoscaled", "components/autoscaling must scale exactly",
         lambda d: find(d, "HorizontalPodAutoscaler", "explain-service")["spec"]["scaleTargetRef"].update(name="feature-service")),
        (scaled, "an autoscaled container without a CPU request", "container explain-service needs a CPU request",
         lambda d: container(d, "explain-service")["resources"]["requests"].pop("cpu")),
        (base, "an autoscaler without components/autoscaling", "HorizontalPodAutoscalers without components/autoscaling",
         lambda d: d.append(copy.deepcopy(find(rendered[scaled], "HorizontalPodAutoscaler", "gateway")))),
    ]

    def configmap(d):
        return glassbox_configs(by_kind(d))[0]

    def tmp_dir(d, name=FEATURE_SERVICE):
        pod = find(d, "Deployment", name)["spec"]["template"]["spec"]
        return next(v for v in pod["volumes"] if v["name"] == "tmp")["emptyDir"]

    def resources(d, name, kind):
        return container(d, name)["resources"][kind]

    breakages += [
        (base, "the feature-service's /tmp back at 64Mi", "feature-service: /tmp holds 64 MiB, less than an import",
         lambda d: tmp_dir(d).update(sizeLimit="64Mi")),
        (base, "the feature-service's /tmp without a size", "feature-service: /tmp holds no set size",
         lambda d: tmp_dir(d).pop("sizeLimit")),
        (base, "the feature-service's /tmp in memory", "feature-service: /tmp must be on disk",
         lambda d: tmp_dir(d).update(medium="Memory")),
        (base, "the model-service's /tmp in memory", "model-service: /tmp must be on disk",
         lambda d: tmp_dir(d, GPU_SERVICE).update(medium="Memory")),
        (base, "an import limit larger than the feature-service's /tmp",
         f"feature-service: /tmp holds 320 MiB, less than an import of {IMPORT_MAX_MIB_KEY}=1024 MiB",
         lambda d: configmap(d)["data"].update({IMPORT_MAX_MIB_KEY: "1024"})),
        (base, "the import limit left to the service's default", f"feature-service: {IMPORT_MAX_MIB_KEY} must be set",
         lambda d: configmap(d)["data"].pop(IMPORT_MAX_MIB_KEY)),
        (base, "the feature-service's ephemeral-storage request below its /tmp",
         "feature-service: ephemeral-storage request 64Mi is below its emptyDirs' sizeLimit",
         lambda d: resources(d, FEATURE_SERVICE, "requests").update({"ephemeral-storage": "64Mi"})),
        (base, "an ephemeral-storage limit below the feature-service's /tmp",
         "feature-service: ephemeral-storage limit 256Mi is below its emptyDirs' sizeLimit",
         lambda d: resources(d, FEATURE_SERVICE, "limits").update({"ephemeral-storage": "256Mi"})),
        (base, "the gateway without an ephemeral-storage request", "gateway: ephemeral-storage request (none) is below",
         lambda d: resources(d, "gateway", "requests").pop("ephemeral-storage")),
        (base, "the explain-service's /tmp without a sizeLimit", "explain-service: every emptyDir on disk needs a sizeLimit",
         lambda d: tmp_dir(d, "explain-service").pop("sizeLimit")),
        (base, "the model-service's /tmp too small for ONNX Runtime's natives", "model-service: /tmp holds 48 MiB, less than",
         lambda d: tmp_dir(d, GPU_SERVICE).update(sizeLimit="48Mi")),
        (("gpu",), "the GPU model-service's /tmp too small for the CUDA provider", "model-service: /tmp holds 384 MiB, less than",
         lambda d: tmp_dir(d, GPU_SERVICE).update(sizeLimit="384Mi")),
        (("gpu",), "the GPU model-service's /tmp grown past its ephemeral-storage request",
         "model-service: ephemeral-storage request 256Mi is below its emptyDirs' sizeLimit (3072 MiB)",
         lambda d: resources(d, GPU_SERVICE, "requests").update({"ephemeral-storage": "256Mi"})),
        (base, "the ConfigMap naming the embedded data folder", "ConfigMap sets GLASSBOX_DATA_DIR",
         lambda d: configmap(d)["data"].update(GLASSBOX_DATA_DIR="/app/data/uci-online-retail")),
        (base, "the ConfigMap naming a data time zone (it would overrule the shop image's)", "ConfigMap sets GLASSBOX_DATA_TIME_ZONE",
         lambda d: configmap(d)["data"].update(GLASSBOX_DATA_TIME_ZONE="")),
    ]
    for variant, what, expected, breakage in breakages:
        check_caught(r, what, rendered[variant], breakage,
                     lambda d, probe: check_kubernetes(d, probe, variant, measured), expected)
    own_shop = rendered.get("overlays/own-shop")
    if own_shop:
        for what, expected, breakage in [
                ("a shop served by the stock model-service image", "model-service must run the shop's image",
                 lambda d: container(d, "model-service").update(image="glassbox/model-service:0.1.0")),
                ("a shop whose viewer offers the gift shop's customers", "GLASSBOX_VIEWER_EXAMPLE_USERS must name the shop's customers",
                 lambda d: configmap(d)["data"].pop("GLASSBOX_VIEWER_EXAMPLE_USERS")),
                ("a shop's gateway image retargeted", "gateway needs no shop files",
                 lambda d: container(d, "gateway").update(image="my-shop/gateway:1"))]:
            check_caught(r, what, own_shop, breakage, lambda d, probe: check_own_shop(d, probe, "[self-test own-shop]"),
                         expected)


def self_test_compose(services, gpu_addon, env, k8s, k8s_gpu, r):
    """Each deliberate breakage of a compose service's /tmp or memory must be caught; `gpu_addon`:
    docker-compose.gpu.yml's services, `k8s` and `k8s_gpu`: kubernetes_memory of the renderings."""
    def memory_check(name, memory, gpu):
        """check_compose_memory of a service `name` with Kubernetes `memory` (and CUDA when `gpu`), as a check."""
        return lambda svc, probe: check_compose_memory("[self-test compose]", name, svc, compose_env(env, svc), memory,
                                                       gpu, probe)

    def set_heap(svc, percentage):
        svc["environment"]["JDK_JAVA_OPTIONS"] = re.sub(
            r"RAMPercentage=[0-9.]+", f"RAMPercentage={percentage}", svc["environment"]["JDK_JAVA_OPTIONS"])

    def with_heap(percentage):
        return lambda svc: set_heap(svc, percentage)

    def with_tmpfs(size):
        """/tmp resized, with mem_limit and the heap's share in step, so that only the /tmp rule can catch it."""
        def breakage(svc):
            mem_limit = quantity(svc["mem_limit"], COMPOSE_UNITS)
            heap = ram_percentage(svc["environment"]["JDK_JAVA_OPTIONS"]) * mem_limit
            mem_limit += quantity(size, COMPOSE_UNITS) - tmpfs_bytes(svc)
            svc.update(tmpfs=[f"/tmp:rw,exec,nosuid,nodev,size={size},mode=1777"], mem_limit=f"{mem_limit / 2**20:.0f}m")
            set_heap(svc, f"{heap / mem_limit:.1f}")
        return breakage

    mem_limit_rule = "must be the Kubernetes limit plus the health check's JVM plus the /tmp tmpfs"
    heap_rule = "JDK_JAVA_OPTIONS must be the Kubernetes container's with the heap it measured"
    gpu_model = merge_compose_service(services.get(GPU_SERVICE, {}), gpu_addon.get(GPU_SERVICE, {}))
    # (service, with the GPU file, what is broken, a text the failure it must produce says, the breakage)
    for name, gpu, what, expected, breakage in [
            (FEATURE_SERVICE, False, "a compose /tmp tmpfs back at 64m", "/tmp holds 64 MiB, less than an import",
             with_tmpfs("64m")),
            (FEATURE_SERVICE, False, "a compose /tmp tmpfs without a size", "/tmp holds no set size",
             lambda svc: svc.update(tmpfs=["/tmp:rw,exec,nosuid,nodev,mode=1777"])),
            (FEATURE_SERVICE, False, "a compose mem_limit that does not count its tmpfs", "mem_limit 608m " + mem_limit_rule,
             lambda svc: svc.update(mem_limit="608m")),
            (FEATURE_SERVICE, False, "a compose heap grown with the mem_limit", heap_rule, with_heap("50.0")),
            (FEATURE_SERVICE, False, "a compose import limit larger than its tmpfs",
             f"/tmp holds 320 MiB, less than an import of {IMPORT_MAX_MIB_KEY}=1024 MiB",
             lambda svc: svc["environment"].update({IMPORT_MAX_MIB_KEY: "1024"})),
            ("gateway", False, "a compose gateway's mem_limit without its tmpfs", "mem_limit 576m " + mem_limit_rule,
             lambda svc: svc.update(mem_limit="576m")),
            ("gateway", False, "a compose gateway's mem_limit without the health check's JVM", "mem_limit 544m " + mem_limit_rule,
             lambda svc: svc.update(mem_limit="544m")),
            ("explain-service", False, "a compose explain-service's mem_limit back at the Kubernetes limit",
             "mem_limit 448m " + mem_limit_rule, lambda svc: svc.update(mem_limit="448m")),
            (GPU_SERVICE, False, "a compose model-service's /tmp too small for ONNX Runtime's natives",
             "/tmp holds 48 MiB, less than", with_tmpfs("48m")),
            (GPU_SERVICE, False, "a compose CPU model-service's /tmp with room for the CUDA provider it never unpacks"
             " (the old layout: 416m, mem_limit 1600m)", "/tmp holds 416 MiB, more than", with_tmpfs("416m")),
            (GPU_SERVICE, True, "a compose GPU model-service's /tmp too small for the CUDA provider",
             "/tmp holds 256 MiB, less than", with_tmpfs("256m")),
            (GPU_SERVICE, True, "a compose GPU model-service's mem_limit without its tmpfs", "mem_limit 4192m " + mem_limit_rule,
             lambda svc: svc.update(mem_limit="4192m")),
            (GPU_SERVICE, True, "a compose GPU model-service's heap the CPU one's share", heap_rule, with_heap("30.8"))]:
        good = gpu_model if gpu else services.get(name, {})
        check_caught(r, what, good, breakage, memory_check(name, (k8s_gpu if gpu else k8s)[name], gpu), expected)

    # The GPU file's /tmp for the model-service: written as the base file's entry up to 'size=', it replaces
    # that (416m, mem_limit in step: 4096 + 96 + 416, the same heap); written otherwise, it is a second
    # entry; left out, the GPU model-service gets the CPU one's /tmp, too small for the CUDA provider.
    def check_gpu_merge(addon, probe):
        memory_check(GPU_SERVICE, k8s_gpu[GPU_SERVICE], True)(merge_compose_service(services[GPU_SERVICE], addon), probe)

    base_tmp = tmp_tmpfs(services.get(GPU_SERVICE, {}))[:1]
    if base_tmp and GPU_SERVICE in gpu_addon:
        replacing = dict(copy.deepcopy(gpu_addon[GPU_SERVICE]), mem_limit="4608m",
                         tmpfs=[re.sub(r"size=[^,]*", "size=416m", base_tmp[0])])
        found = failures(replacing, lambda addon: None, check_gpu_merge)
        r.check(not found, "self-test: an add-on file's /tmp tmpfs written as the base file's up to size= must"
                f" replace it (compose de-duplicates on the text before '='), got {found}")
        found = failures(replacing, lambda addon: addon.update(tmpfs=addon["tmpfs"][0]), check_gpu_merge)
        r.check(not found, f"self-test: an add-on file's tmpfs written as one string must count as one entry, got {found}")
        check_caught(r, "docker-compose.gpu.yml without a /tmp of its own", gpu_addon[GPU_SERVICE],
                     lambda addon: addon.pop("tmpfs", None), check_gpu_merge, "/tmp holds 64 MiB, less than")
        check_caught(r, "an add-on's /tmp tmpfs written otherwise than the base file's", replacing,
                     lambda addon: addon.update(tmpfs=["/tmp:size=416m,exec,mode=1777"]), check_gpu_merge,
                     "2 tmpfs mounts at /tmp")
    # `tmpfs: /tmp:...`, one string, is one entry to compose.
    found = failures(services.get(FEATURE_SERVICE, {}), lambda svc: svc.update(tmpfs=tmp_tmpfs(svc)[0]),
                     memory_check(FEATURE_SERVICE, k8s[FEATURE_SERVICE], False))
    r.check(not found, f"self-test: a compose /tmp tmpfs written as one string must count as one entry, got {found}")

    def health_test(svc):
        return svc["healthcheck"]["test"]

    def java_straight(svc):
        """The healthcheck's `CMD env -u ... java ...` back to `CMD java ...`."""
        del health_test(svc)[1:health_test(svc).index("java")]

    inheriting = "the healthcheck's JVM must not inherit the service's JVM options: clear"
    for name, what, expected, breakage in [
            ("model-service", "a health check that inherits the service's JDK_JAVA_OPTIONS", inheriting + " JDK_JAVA_OPTIONS",
             java_straight),
            ("gateway", "a service setting JAVA_TOOL_OPTIONS, which its health check inherits", inheriting + " JAVA_TOOL_OPTIONS",
             lambda svc: svc["environment"].update(JAVA_TOOL_OPTIONS="-XX:+AlwaysPreTouch")),
            ("explain-service", "a health check without its heap bound", "the healthcheck must run java -Xmx32m",
             lambda svc: health_test(svc).remove("-Xmx32m"))]:
        check_caught(r, what, services.get(name, {}), breakage, lambda svc, probe: check_compose_healthcheck(
                     "[self-test compose]", svc, compose_env(env, svc), probe), expected)
    check_caught(r, "a feature-service healthcheck asking the overall status, healthy while Redis is down",
                 services.get(FEATURE_SERVICE, {}), lambda svc: health_test(svc).pop(),
                 lambda svc, probe: check_compose_health_target("[self-test compose]", FEATURE_SERVICE, svc, probe),
                 "healthcheck must run GrpcHealthCheck localhost:50052 glassbox.v1.FeatureService")


# -------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="repository root")
    parser.add_argument("--suggest-sizing", action="store_true",
                        help="print the memory limits and heap percentages deploy/memory-measured.tsv asks for, and stop")
    parser.add_argument("--renderer", help="'kubectl kustomize' or 'kustomize build'")
    parser.add_argument("--secrets-dir", type=Path, help="output of deploy/make-secrets.sh to check against the mounts")
    parser.add_argument("--secrets-rerun", choices=("ok", "failed", "skipped"), default="skipped",
                        help="whether deploy/check-secrets.sh passed (make-secrets.sh rerun, its options, broken files)")
    parser.add_argument("--healthcheck-compile", choices=("ok", "failed", "skipped"), default="skipped",
                        help="whether check.sh compiled the compose health-check client")
    parser.add_argument("--promtool", choices=("ok", "failed", "skipped"), default="skipped",
                        help="whether `promtool check rules` passed the production overlay's alert rules")
    args = parser.parse_args()
    root = args.root.resolve()
    if args.suggest_sizing:
        print("\n".join(suggest_sizing(read_measured(root))))
        return 0
    if not args.renderer:
        parser.error("--renderer is required")
    r = Report()

    check_yaml_parses(root, r)
    if args.promtool != "skipped":
        r.check(args.promtool == "ok", "promtool check rules failed on the production overlay's alert rules (its output above)")
    if args.healthcheck_compile != "skipped":
        r.check(args.healthcheck_compile == "ok",
                "deploy/docker/healthcheck/io/glassbox/deploy/GrpcHealthCheck.java does not compile (javac output above)")
    if args.secrets_rerun != "skipped":
        r.check(args.secrets_rerun == "ok",
                "deploy/check-secrets.sh failed: make-secrets.sh on a rerun, with an option or over broken files (its FAIL lines above)")
    check_dockerfile(root, r)
    measured = read_measured(root)

    rendered = {}
    variants = [(v, None, None) for v in VARIANTS]
    variants += [(*read_overlay(root, o.name), o.name) for o in sorted((root / "deploy/kubernetes/overlays").iterdir())]
    for components, retargeted, overlay in variants:
        name = f"overlays/{overlay}" if overlay else "+".join(("base",) + components)
        try:
            docs = render(root, args.renderer, components, overlay)
        except RuntimeError as e:
            r.check(False, f"{args.renderer} {name}: {e}")
            continue
        r.check(True, "")
        rendered[components if not overlay else name] = docs
        check_kubernetes(docs, r, components, measured, retargeted)
    print(f"deploy-check: rendered {len(rendered)} variants with {args.renderer}")

    env = parse_env_file(root / "deploy/kubernetes/base/glassbox.env")
    check_compose(root, r, env, rendered.get(()), rendered.get(("gpu",)))
    check_own_shop_files(root, r)
    own_shop = rendered.get("overlays/own-shop")
    if r.check(own_shop, "overlays/own-shop must render (the example of a shop's own images)"):
        check_own_shop(own_shop, r, "[overlays/own-shop]")
    if () in rendered and ("redis", "network-policy") in rendered and ("autoscaling",) in rendered:
        self_test(rendered, measured, r)
    production = rendered.get(ALERTS_OVERLAY)
    if r.check(production, f"{ALERTS_OVERLAY} must render (its alert rules are checked)"):
        check_alert_rules(root, production, r)
    if args.secrets_dir:
        check_secrets(args.secrets_dir, {("+".join(k) if isinstance(k, tuple) else k): v for k, v in rendered.items()}, r)
        check_secret_modes(root, args.secrets_dir, r)
    gpu = rendered.get(("gpu",))
    if gpu and () in rendered:
        # The component changes the model-service only.
        base_k, gpu_k = by_kind(rendered[()]), by_kind(gpu)
        for name in SERVICES:
            if name != GPU_SERVICE:
                r.check(base_k.get("Deployment", {}).get(name) == gpu_k.get("Deployment", {}).get(name),
                        f"[gpu] the GPU component must not change Deployment {name}")

    print(f"deploy-check: {r.passed} passed, {len(r.failures)} failed")
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
