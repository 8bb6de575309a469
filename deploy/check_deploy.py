#!/usr/bin/python3
"""Static checks of deploy/: no Docker engine, no cluster.

Run through deploy/check.sh, which renders the kustomizations first when kubectl (or kustomize)
is installed and passes the rendered YAML here. Checks that the Dockerfile, docker-compose files and
Kubernetes manifests agree with each other and with the services' conventions (ports, targets,
main classes), and that every container is probed, bounded and hardened. Prints one line per
failure and ends with 'deploy-check: N passed, M failed'; exits 1 on any failure.

Needs python3 and PyYAML (Debian: python3-yaml).
"""

import argparse
import copy
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

import yaml

# Module folder -> (port key, port, main class). The single source of truth for this check; it
# mirrors the conventions in the project's common brief (and each service's *Config class).
SERVICES = {
    "feature-service": ("GLASSBOX_FEATURE_PORT", 50052, "io.glassbox.feature.FeatureMain"),
    "model-service": ("GLASSBOX_MODEL_PORT", 50053, "io.glassbox.model.ModelMain"),
    "explain-service": ("GLASSBOX_EXPLAIN_PORT", 50054, "io.glassbox.explain.ExplainMain"),
    "gateway": ("GLASSBOX_GATEWAY_PORT", 50051, "io.glassbox.gateway.GatewayMain"),
}
# Client-side target key -> the Service it must point at.
TARGETS = {
    "GLASSBOX_FEATURE_TARGET": "feature-service",
    "GLASSBOX_MODEL_TARGET": "model-service",
    "GLASSBOX_EXPLAIN_TARGET": "explain-service",
}
PUBLIC_SERVICE = "gateway"
NEEDS_PDB = ("gateway", "model-service")
GPU_SERVICE = "model-service"
# GrpcServer's default drain timeout (server-kit); pods must get longer than preStop + drain.
DRAIN_SECONDS = 10
IMAGE_PREFIX = "glassbox/"


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


_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9,
          "m": 0.001, "": 1}


def quantity(value):
    """A Kubernetes quantity ('250m', '1', '1536Mi') as a number, or None when unparseable."""
    match = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|m|)", str(value))
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def by_kind(docs):
    index = {}
    for d in docs:
        index.setdefault(d.get("kind"), {})[d.get("metadata", {}).get("name")] = d
    return index


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

def check_compose(root, r, env):
    path = root / "deploy/docker-compose.yml"
    if not r.check(path.is_file(), "deploy/docker-compose.yml is missing"):
        return
    compose = load_all(path)[0]
    services = compose.get("services", {})
    r.check(set(services) == set(SERVICES),
            f"docker-compose.yml services are {sorted(services)}, expected {sorted(SERVICES)}")
    for name, svc in services.items():
        if name not in SERVICES:
            continue
        port_key, port, _ = SERVICES[name]
        where = f"docker-compose.yml {name}"
        build = svc.get("build", {})
        r.check((path.parent / build.get("context", ".")).resolve() == root.resolve(),
                f"{where}: build context must be the repository root")
        r.check(build.get("dockerfile") == "deploy/docker/Dockerfile",
                f"{where}: build.dockerfile must be deploy/docker/Dockerfile")
        r.check(build.get("args", {}).get("SERVICE") == name, f"{where}: build arg SERVICE must be {name}")
        r.check(image_repo_and_tag(svc.get("image", ""))[0] == IMAGE_PREFIX + name,
                f"{where}: image must be {IMAGE_PREFIX}{name}:TAG")
        env_files = svc.get("env_file", [])
        for env_file in env_files:
            r.check((path.parent / env_file).is_file(), f"{where}: env_file {env_file} does not exist")
        effective = {**env, **{k: str(v) for k, v in svc.get("environment", {}).items()}}
        r.check(effective.get(port_key) == str(port), f"{where}: {port_key} must be {port}")
        for key, target_service in TARGETS.items():
            want = f"dns:///{target_service}:{SERVICES[target_service][1]}"
            r.check(effective.get(key) == want, f"{where}: {key} must be {want}, got {effective.get(key)}")
        test = svc.get("healthcheck", {}).get("test", [])
        r.check(test[-1:] == [f"localhost:{port}"] and "io.glassbox.deploy.GrpcHealthCheck" in test,
                f"{where}: healthcheck must run GrpcHealthCheck against localhost:{port}")
        r.check(svc.get("read_only") is True, f"{where}: read_only must be true")
        r.check(str(svc.get("user", "")).split(":")[0] == "10001", f"{where}: user must be 10001")
        r.check("ALL" in svc.get("cap_drop", []), f"{where}: cap_drop must include ALL")
        tmp = [t for t in svc.get("tmpfs", []) if str(t).split(":")[0] == "/tmp"]
        r.check(len(tmp) == 1 and "exec" in str(tmp[0]).split(":", 1)[-1].split(","),
                f"{where}: needs one tmpfs at /tmp with the exec option (native libraries load from it)")
        r.check(svc.get("mem_limit"), f"{where}: mem_limit must be set (the JVM sizes its heap from it)")
        published = svc.get("ports", [])
        if name == PUBLIC_SERVICE:
            r.check(f"{port}:{port}" in [str(p) for p in published], f"{where}: must publish {port}:{port}")
        else:
            r.check(not published, f"{where}: only the gateway is published")
    gpu = root / "deploy/docker-compose.gpu.yml"
    if r.check(gpu.is_file(), "deploy/docker-compose.gpu.yml is missing"):
        model = load_all(gpu)[0].get("services", {}).get(GPU_SERVICE, {})
        r.check(model.get("build", {}).get("args", {}).get("RUNTIME_BASE") == "cuda-jre",
                "docker-compose.gpu.yml: model-service must build with RUNTIME_BASE=cuda-jre")
        r.check(model.get("environment", {}).get("GLASSBOX_EXECUTION_PROVIDER") == "cuda",
                "docker-compose.gpu.yml: model-service must set GLASSBOX_EXECUTION_PROVIDER=cuda")
        devices = model.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
        r.check(any(d.get("driver") == "nvidia" for d in devices),
                "docker-compose.gpu.yml: model-service must reserve an nvidia device")


# ------------------------------------------------------------------------------------ kubernetes

def effective_env(container, configmaps):
    env = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef", {}).get("name")
        env.update(configmaps.get(ref, {}).get("data", {}))
    for item in container.get("env", []):
        env[item["name"]] = item.get("value")
    return env


def check_kubernetes(docs, r, variant):
    """variant: 'base' (CPU) or 'gpu' (base + components/gpu)."""
    k = by_kind(docs)
    deployments, services = k.get("Deployment", {}), k.get("Service", {})
    configmaps = k.get("ConfigMap", {})
    pdbs = k.get("PodDisruptionBudget", {})
    label = f"[{variant}]"
    config = [c for n, c in configmaps.items() if n.startswith("glassbox-config")]
    if not r.check(len(config) == 1, f"{label} expected one glassbox-config ConfigMap, found {len(config)}"):
        return
    settings = config[0].get("data", {})
    r.check(set(deployments) == set(SERVICES), f"{label} Deployments are {sorted(deployments)}, expected {sorted(SERVICES)}")
    r.check(set(services) == set(SERVICES), f"{label} Services are {sorted(services)}, expected {sorted(SERVICES)}")

    for name, (port_key, port, _) in SERVICES.items():
        deployment = deployments.get(name)
        if deployment is None:
            continue
        where = f"{label} Deployment {name}"
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        pod_labels = spec["template"]["metadata"].get("labels", {})
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
        # Image.
        repo, tag = image_repo_and_tag(c.get("image", ""))
        expected_repo = IMAGE_PREFIX + name + ("-gpu" if variant == "gpu" and name == GPU_SERVICE else "")
        r.check(repo == expected_repo, f"{where}: image must be {expected_repo}:TAG, got {c.get('image')}")
        r.check(tag and tag != "latest", f"{where}: image must carry a fixed tag, got {c.get('image')}")
        # Ports, config and probes agree.
        container_ports = [p.get("containerPort") for p in c.get("ports", [])]
        r.check(container_ports == [port], f"{where}: containerPort must be {port} ({port_key}), got {container_ports}")
        env = effective_env(c, configmaps)
        missing_refs = [s["configMapRef"]["name"] for s in c.get("envFrom", [])
                        if "configMapRef" in s and s["configMapRef"]["name"] not in configmaps]
        r.check(not missing_refs and env.get(port_key) == str(port),
                f"{where}: must read {port_key}={port} from the glassbox ConfigMap (missing: {missing_refs})")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            grpc = c.get(probe, {}).get("grpc", {})
            r.check(grpc.get("port") == port, f"{where}: {probe} must be a native gRPC probe on port {port}")
        # Resources.
        resources = c.get("resources", {})
        for kind in ("cpu", "memory"):
            request = quantity(resources.get("requests", {}).get(kind))
            limit = quantity(resources.get("limits", {}).get(kind))
            if r.check(request is not None and limit is not None, f"{where}: needs requests and limits for {kind}"):
                r.check(request <= limit, f"{where}: {kind} request exceeds its limit")
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
        # Drain.
        pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = pod.get("terminationGracePeriodSeconds", 30)
        r.check(grace > pre_stop + DRAIN_SECONDS,
                f"{where}: terminationGracePeriodSeconds {grace} must exceed preStop {pre_stop} s + drain {DRAIN_SECONDS} s")
        # Service.
        service = services.get(name)
        if r.check(service is not None, f"{label} Service {name} is missing"):
            svc_spec = service["spec"]
            r.check(svc_spec.get("selector") and svc_spec["selector"].items() <= pod_labels.items(),
                    f"{label} Service {name}: selector must match the {name} pods")
            svc_ports = svc_spec.get("ports", [])
            r.check(len(svc_ports) == 1 and svc_ports[0].get("port") == port
                    and svc_ports[0].get("targetPort") in (port, "grpc"),
                    f"{label} Service {name}: must expose port {port} to the container's grpc port")
            if name != PUBLIC_SERVICE:
                r.check(svc_spec.get("clusterIP") == "None",
                        f"{label} Service {name}: must be headless (clusterIP: None) for client-side round_robin")
        # Execution provider.
        if name == GPU_SERVICE:
            want = "cuda" if variant == "gpu" else "cpu"
            r.check(env.get("GLASSBOX_EXECUTION_PROVIDER") == want,
                    f"{where}: GLASSBOX_EXECUTION_PROVIDER must be {want}, got {env.get('GLASSBOX_EXECUTION_PROVIDER')}")
            gpus = resources.get("limits", {}).get("nvidia.com/gpu")
            if variant == "gpu":
                r.check(str(gpus) == "1", f"{where}: must limit nvidia.com/gpu to 1")
                r.check(pod.get("nodeSelector"), f"{where}: must select GPU nodes")
                r.check(any(t.get("key") == "nvidia.com/gpu" for t in pod.get("tolerations", [])),
                        f"{where}: must tolerate the nvidia.com/gpu taint")
                size = quantity(tmp_volume.get("emptyDir", {}).get("sizeLimit", "0")) if tmp_volume else 0
                r.check(size and size >= 2**30, f"{where}: /tmp must hold the CUDA libraries (>= 1Gi)")
            else:
                r.check(gpus is None, f"{where}: the CPU base must not ask for a GPU")
        # Disruption budget.
        if name in NEEDS_PDB:
            matching = [p for p in pdbs.values()
                        if p["spec"].get("selector", {}).get("matchLabels", {}).items() <= pod_labels.items()
                        and p["spec"].get("selector", {}).get("matchLabels")]
            if r.check(len(matching) == 1, f"{label} {name} needs one PodDisruptionBudget selecting its pods"):
                replicas = spec.get("replicas", 1)
                budget = matching[0]["spec"]
                allows_one = budget.get("maxUnavailable", 0) >= 1 or budget.get("minAvailable", replicas) < replicas
                r.check(replicas >= 2 and allows_one,
                        f"{label} {name}: needs >= 2 replicas and a budget that lets one go")

    # Client targets point at the right headless Services.
    for key, target_service in TARGETS.items():
        port = SERVICES[target_service][1]
        want = f"dns:///{target_service}:{port}"
        r.check(settings.get(key) == want, f"{label} ConfigMap {key} must be {want}, got {settings.get(key)}")


# ---------------------------------------------------------------------- rendering without kubectl

def render_base_without_kustomize(root):
    """The base as kustomize would render it, minus hashing and labels: enough for the checks."""
    base = root / "deploy/kubernetes/base"
    kustomization = load_all(base / "kustomization.yaml")[0]
    docs = []
    for resource in kustomization.get("resources", []):
        docs.extend(load_all(base / resource))
    for generator in kustomization.get("configMapGenerator", []):
        data = {}
        for env_file in generator.get("envs", []):
            data.update(parse_env_file(base / env_file))
        data.update(dict(l.split("=", 1) for l in generator.get("literals", [])))
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data})
    tags = {i["name"]: i for i in kustomization.get("images", [])}
    for d in docs:
        if d.get("kind") == "Deployment":
            for c in d["spec"]["template"]["spec"]["containers"]:
                image = tags.get(c["image"].split(":")[0])
                if image:
                    c["image"] = image.get("newName", c["image"].split(":")[0]) + ":" + str(image["newTag"])
    return docs


def check_gpu_component_source(root, r):
    """Without a renderer, at least check the component's patch says what the overlay needs."""
    patch = load_all(root / "deploy/kubernetes/components/gpu/model-service-gpu.yaml")[0]
    pod = patch["spec"]["template"]["spec"]
    c = pod["containers"][0]
    r.check(c.get("name") == GPU_SERVICE, "components/gpu patch must target the model-service container")
    r.check(str(c.get("resources", {}).get("limits", {}).get("nvidia.com/gpu")) == "1",
            "components/gpu must limit nvidia.com/gpu to 1")
    r.check({"name": "GLASSBOX_EXECUTION_PROVIDER", "value": "cuda"} in c.get("env", []),
            "components/gpu must set GLASSBOX_EXECUTION_PROVIDER=cuda")
    r.check(c.get("image", "").startswith(IMAGE_PREFIX + GPU_SERVICE + "-gpu"), "components/gpu must use the GPU image")


# --------------------------------------------------------------------------------------- self-test

def self_test(docs, r):
    """Each deliberate breakage of a good rendering must be caught: the checks can fail."""
    def deployment(d, name):
        return next(x for x in d if x.get("kind") == "Deployment" and x["metadata"]["name"] == name)

    def container(d, name):
        return deployment(d, name)["spec"]["template"]["spec"]["containers"][0]

    def service(d, name):
        return next(x for x in d if x.get("kind") == "Service" and x["metadata"]["name"] == name)

    breakages = {
        "gateway without a readiness probe": lambda d: container(d, "gateway").pop("readinessProbe"),
        "model-service with a writable root filesystem":
            lambda d: container(d, "model-service")["securityContext"].update(readOnlyRootFilesystem=False),
        "gateway listening on the wrong port": lambda d: container(d, "gateway")["ports"][0].update(containerPort=50055),
        "model-service Service not headless": lambda d: service(d, "model-service")["spec"].pop("clusterIP"),
        "feature-service without a memory limit":
            lambda d: container(d, "feature-service")["resources"]["limits"].pop("memory"),
        "explain-service keeping its capabilities":
            lambda d: container(d, "explain-service")["securityContext"].pop("capabilities"),
        "a grace period shorter than the drain":
            lambda d: deployment(d, "gateway")["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=10),
        "no /tmp volume": lambda d: container(d, "model-service").pop("volumeMounts"),
    }
    for what, breakage in breakages.items():
        broken = copy.deepcopy(docs)
        breakage(broken)
        probe = Report(quiet=True)
        check_kubernetes(broken, probe, "base")
        r.check(probe.failures, f"self-test: the checks did not catch {what}")


# -------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="repository root")
    parser.add_argument("--rendered-base", type=Path, help="kustomize output of deploy/kubernetes/base")
    parser.add_argument("--rendered-gpu", type=Path, help="kustomize output of deploy/kubernetes/overlays/gpu")
    parser.add_argument("--healthcheck-compile", choices=("ok", "failed", "skipped"), default="skipped",
                        help="whether check.sh compiled the compose health-check client")
    args = parser.parse_args()
    root = args.root.resolve()
    r = Report()

    check_yaml_parses(root, r)
    if args.healthcheck_compile != "skipped":
        r.check(args.healthcheck_compile == "ok",
                "deploy/docker/healthcheck/io/glassbox/deploy/GrpcHealthCheck.java does not compile (javac output above)")
    check_dockerfile(root, r)
    env = parse_env_file(root / "deploy/kubernetes/base/glassbox.env")
    check_compose(root, r, env)

    base = load_all(args.rendered_base) if args.rendered_base else render_base_without_kustomize(root)
    failures_before = len(r.failures)
    check_kubernetes(base, r, "base")
    if len(r.failures) == failures_before:
        # Break a good rendering on purpose; on a bad one the failures above already say enough.
        self_test(base, r)
    if args.rendered_gpu:
        gpu = load_all(args.rendered_gpu)
        check_kubernetes(gpu, r, "gpu")
        # The component changes the model-service only.
        base_k, gpu_k = by_kind(base), by_kind(gpu)
        for name in SERVICES:
            if name != GPU_SERVICE:
                r.check(base_k.get("Deployment", {}).get(name) == gpu_k.get("Deployment", {}).get(name),
                        f"[gpu] the GPU overlay must not change Deployment {name}")
    else:
        check_gpu_component_source(root, r)

    print(f"deploy-check: {r.passed} passed, {len(r.failures)} failed")
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
