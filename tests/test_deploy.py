"""deploy/ (Kubernetes manifests, docs/scale-out.md): what they tell mockserver is what it reads —
known variables, a state URL it accepts, probes on /healthz, the port it listens on, and a
ConfigMap whose scenarios pass ``mockserver validate``."""

from __future__ import annotations

from pathlib import Path

import yaml

from mockserver.config import Config, unknown_variables
from mockserver.lint import validate_paths

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def documents() -> dict[str, dict]:
    found = {}
    for path in sorted(DEPLOY.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found[f"{doc['kind']}/{doc.get('metadata', {}).get('name', path.stem)}"] = doc
    return found


def test_the_kustomization_lists_every_manifest():
    listed = set(yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}


def test_the_deployment_configures_what_mockserver_reads():
    docs = documents()
    [container] = docs["Deployment/mockserver"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert unknown_variables(env) == []
    config = Config.from_env(env)  # every value accepted, as serve would
    assert config.state == "redis://mockserver-redis:6379/0" and config.scenarios == ["/scenarios"]
    redis_service = docs["Service/mockserver-redis"]["spec"]["ports"][0]["port"]
    assert config.state.endswith(f"mockserver-redis:{redis_service}/0")
    port = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert f"MOCKSERVER_PORT={port}" in (DEPLOY.parent / "Dockerfile").read_text()  # where the image listens
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert docs["Deployment/mockserver"]["spec"]["replicas"] >= 2
    assert docs["Service/mockserver"]["spec"]["ports"][0]["targetPort"] == "http"
    [mount] = container["volumeMounts"]
    volume = docs["Deployment/mockserver"]["spec"]["template"]["spec"]["volumes"][0]
    assert mount["mountPath"] == "/scenarios" and volume["configMap"]["name"] == "mockserver-scenarios"


def test_the_configmap_scenarios_validate(tmp_path):
    data = documents()["ConfigMap/mockserver-scenarios"]["data"]
    for name, text in data.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = validate_paths([str(tmp_path)])
    assert report.ok, report.text()
