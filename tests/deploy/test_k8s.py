"""deploy/k8s: every overlay rendered with `kubectl kustomize` and every object validated.

Built-in kinds go through kubernetes-validate (offline OpenAPI schemas, strict: unknown fields
fail) for a recent Kubernetes; the CRDs it has no schema for (KEDA's ScaledObject, the
Prometheus Operator's ServiceMonitor) are checked here field by field, and the autoscaler's
query is checked against the metrics the server really exports. The manifests are also held
to the code: settings the server accepts, probe paths it serves, its drain time, the image's
user, the measured memory.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml
from prometheus_client import generate_latest

from promptocr.server.metrics import Metrics
from promptocr.server.settings import ServerSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ["cpu", "with-vlm"]
K8S_VERSION = "1.35.0"  # a recent release the schemas cover
PEAK_RSS_MIB = 923  # docs/deploy.md: 2 workers, 8 and 32 concurrent clients
NAMESPACE = "promptocr"


def render(path: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is needed (scripts/setup.sh dev installs Debian's kubernetes-client)"
    res = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return [d for d in yaml.safe_load_all(res.stdout) if d]


def by_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def one(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in by_kind(objs, kind) if o["metadata"]["name"] == name]
    return obj


def exported_metric_names() -> set[str]:
    """Every series name /metrics can show (families plus their _total/_bucket/... samples)."""
    m = Metrics()
    m.requests.labels("/v1/ocr", "read", "200").inc()
    m.rejected.labels("queue_full").inc()
    m.latency.labels("/v1/ocr", "read", "200").observe(0.1)
    m.stage.labels("detect").observe(0.1)
    m.skipped.labels("layout").inc()
    text = generate_latest(m.registry).decode()
    return {ln.split("{")[0].split(" ")[0] for ln in text.splitlines() if ln and ln[0] != "#"}


def mib(quantity: str) -> float:
    units = {"Mi": 1.0, "Gi": 1024.0, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    num, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", quantity).groups()  # type: ignore[union-attr]
    return float(num) * units[unit]


def known_env_settings() -> set[str]:
    names = {"PROMPTOCR_" + f.upper() for f in ServerSettings.model_fields}
    vlm_src = (ROOT / "src" / "promptocr" / "engines" / "vlm" / "base.py").read_text()
    return names | set(re.findall(r'"(PROMPTOCR_VLM_[A-Z_]+)"', vlm_src))


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {name: render(K8S / "overlays" / name) for name in OVERLAYS} | {
        "base": render(K8S / "base")
    }


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_builtin_objects_validate_against_kubernetes_schemas(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    objs = rendered[overlay]
    crds = {"ScaledObject", "ServiceMonitor"}
    checked = 0
    for obj in objs:
        if obj["kind"] in crds:
            continue
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        checked += 1
    kinds = {o["kind"] for o in objs}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget"} <= kinds
    assert checked >= 5
    if overlay != "base":
        assert {"ScaledObject", "ServiceMonitor"} <= kinds
        assert all(o["metadata"].get("namespace") == NAMESPACE for o in objs)


def test_validation_catches_a_broken_object(rendered: dict[str, list[dict[str, Any]]]) -> None:
    """The validator really looks: an unknown field and a wrong type are refused."""
    dep = one(rendered["cpu"], "Deployment", "promptocr")
    bad = yaml.safe_load(yaml.safe_dump(dep))
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pth"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    bad = yaml.safe_load(yaml.safe_dump(dep))
    bad["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_scaledobject_scales_on_exported_queue_metrics(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    objs = rendered[overlay]
    (so,) = by_kind(objs, "ScaledObject")
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    spec = so["spec"]
    target = spec["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    one(objs, "Deployment", target["name"])  # the target exists
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "prometheus"
    meta = trigger["metadata"]
    assert urlparse(meta["serverAddress"]).scheme in ("http", "https")
    threshold = float(meta["threshold"])
    settings = one(objs, "ConfigMap", "promptocr-settings")["data"]
    workers = int(settings["PROMPTOCR_WORKERS"])
    queue = int(settings["PROMPTOCR_QUEUE_SIZE"])
    # per pod: at least the workers busy, and well below the point where 429s start
    assert workers <= threshold < workers + queue
    query = meta["query"]
    used = set(re.findall(r"\b(promptocr_[a-z_]+)\b", query))
    assert used == {"promptocr_queue_depth", "promptocr_in_flight_requests"}
    assert used <= exported_metric_names()
    assert set(re.findall(r'job="([^"]+)"', query)) == {"promptocr"}
    assert set(re.findall(r'namespace="([^"]+)"', query)) == {NAMESPACE}
    hpa = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert set(hpa) == {"scaleUp", "scaleDown"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_servicemonitor_scrapes_the_service_with_the_metrics_key(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    objs = rendered[overlay]
    (sm,) = by_kind(objs, "ServiceMonitor")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    svc = one(objs, "Service", "promptocr")
    labels = svc["metadata"]["labels"]
    assert sm["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (ep,) = sm["spec"]["endpoints"]
    assert ep["port"] in {p["name"] for p in svc["spec"]["ports"]}
    assert ep["path"] == "/metrics"
    cred = ep["authorization"]["credentials"]
    secret = one(objs, "Secret", cred["name"])
    assert cred["key"] in secret["stringData"]
    # job label = the Service's name, as in deploy/prometheus.yml and the KEDA query
    jobs = [
        c["job_name"]
        for f in ("prometheus.yml", "prometheus-k8s.yml")
        for c in yaml.safe_load((ROOT / "deploy" / f).read_text())["scrape_configs"]
    ]
    assert jobs == [svc["metadata"]["name"]] * 2
    dashboard = (ROOT / "deploy" / "grafana-dashboard.json").read_text()
    assert set(re.findall(r"\b(promptocr_[a-z_]+)\b", dashboard)) <= exported_metric_names()


def test_deployment_matches_the_server_and_the_image(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objs = rendered["cpu"]
    dep = one(objs, "Deployment", "promptocr")
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    data = one(objs, "ConfigMap", "promptocr-settings")["data"]
    assert set(data) <= known_env_settings(), set(data) - known_env_settings()
    # the environment the container gets: the ConfigMap plus the Secret's keys that exist
    env = dict(data)
    secrets = {o["metadata"]["name"]: o.get("stringData", {}) for o in by_kind(objs, "Secret")}
    for var in c.get("env", []):
        ref = var["valueFrom"]["secretKeyRef"]
        value = secrets[ref["name"]].get(ref["key"])
        assert value is not None or ref.get("optional"), var
        if value is not None:
            env[var["name"]] = value
    assert set(env) <= known_env_settings(), set(env) - known_env_settings()
    settings = load_settings(environ=env)  # the server accepts every value
    assert settings.host == "0.0.0.0" and settings.workers == 2
    assert c["ports"][0]["containerPort"] == settings.port
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # the grace period covers the preStop pause and the server's whole drain
    pre_stop = " ".join(c["lifecycle"]["preStop"]["exec"]["command"])
    pause = float(re.search(r"sleep\((\d+(?:\.\d+)?)\)", pre_stop).group(1))  # type: ignore[union-attr]
    assert pod["terminationGracePeriodSeconds"] >= pause + settings.graceful_timeout_s + 5
    # security: as the Dockerfile's USER, read-only root, no capabilities
    user = re.search(r"^USER (\d+)", (ROOT / "Dockerfile").read_text(), re.M).group(1)  # type: ignore[union-attr]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(user)
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in vols[mounts["/tmp"]] and mounts["/var/lib/promptocr"] in vols
    keys_file = Path(settings.api_keys_file or "")
    assert str(keys_file.parent) in mounts and "secret" in vols[mounts[str(keys_file.parent)]]
    # resources from the measured peak RSS
    res = c["resources"]
    assert mib(res["requests"]["memory"]) >= PEAK_RSS_MIB  # scheduled where the peak fits
    assert mib(res["limits"]["memory"]) >= 1.3 * PEAK_RSS_MIB  # headroom before an OOM kill
    assert int(c["resources"]["requests"]["cpu"]) == settings.workers
    anti = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    pdb = one(objs, "PodDisruptionBudget", "promptocr")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    svc = one(objs, "Service", "promptocr")
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    ann = dep["spec"]["template"]["metadata"]["annotations"]
    assert ann["prometheus.io/port"] == str(settings.port)


def test_with_vlm_adds_a_gpu_vllm_pool_reached_by_service_dns(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objs = rendered["with-vlm"]
    vllm = one(objs, "Deployment", "vllm-hunyuanocr")
    pod = vllm["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"]
    assert "--served-model-name=tencent/HunyuanOCR" in c["args"]
    assert {"name": "HF_HUB_OFFLINE", "value": "1"} in c["env"]
    svc = one(objs, "Service", "vllm-hunyuanocr")
    assert svc["spec"]["selector"].items() <= vllm["spec"]["template"]["metadata"]["labels"].items()
    data = one(objs, "ConfigMap", "promptocr-settings")["data"]
    url = urlparse(data["PROMPTOCR_VLM_URL"])
    assert url.hostname == svc["metadata"]["name"]
    assert url.port == svc["spec"]["ports"][0]["port"] and url.path == "/v1"
    assert data["PROMPTOCR_VLM_MODEL"] == "tencent/HunyuanOCR"
    claim = pod["volumes"][0]["persistentVolumeClaim"]["claimName"]
    one(objs, "PersistentVolumeClaim", claim)
    # the cpu overlay's objects are all still there
    names = {(o["kind"], o["metadata"]["name"]) for o in rendered["cpu"]}
    assert names <= {(o["kind"], o["metadata"]["name"]) for o in objs}
    assert (
        "PROMPTOCR_VLM_URL" not in one(rendered["cpu"], "ConfigMap", "promptocr-settings")["data"]
    )
