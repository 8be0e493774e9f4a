#!/usr/bin/env bash
# Checks the deployment files under deploy/: the Prometheus configuration and alert rules with
# promtool (syntax, and the rules' unit tests in alerts.test.yml firing and resolving), and the
# compose file against the Compose specification's JSON schema. The Grafana dashboard's metric
# names are checked against what the daemon exports by a Rust test (tonny-server, deploy.rs).
# Run by ./scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# prometheus: promtool; python3-venv: jsonschema and PyYAML for the compose check.
ensure_apt prometheus python3-venv python3-pip

cache="$HOME/.cache/tonnytray"
tools="$cache/tools-venv"
if ! "$tools/bin/python" -c "import jsonschema, yaml" 2>/dev/null; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet "jsonschema==4.*" "PyYAML==6.*"
fi
# The schema as Docker published it in docker-compose 1.29.2 (PyPI): the newest copy a package
# registry carries. It predates the top-level `name:` key, so the project name is set in
# deploy/.env (COMPOSE_PROJECT_NAME) instead.
schema="$cache/compose_spec-1.29.2.json"
if [ ! -f "$schema" ]; then
    tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps "docker-compose==1.29.2" -d "$tmp"
    python3 -m zipfile -e "$tmp"/docker_compose-*.whl "$tmp/x"
    cp "$tmp/x/compose/config/compose_spec.json" "$schema.partial"
    mv "$schema.partial" "$schema"
    rm -rf "$tmp"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> promtool: deploy/prometheus"
# The configuration names its files as the container sees them (/etc/prometheus/...).
cp deploy/prometheus/alerts.yml "$work/"
: >"$work/tonny-token"
sed "s#/etc/prometheus/#$work/#" deploy/prometheus/prometheus.yml >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml"
promtool check rules deploy/prometheus/alerts.yml
(cd deploy/prometheus && promtool test rules alerts.test.yml)

echo "==> compose file against the Compose specification"
"$tools/bin/python" - "$schema" deploy/compose.yaml <<'PY'
import json, sys
import jsonschema, yaml

schema = json.load(open(sys.argv[1]))
doc = yaml.safe_load(open(sys.argv[2]))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print(f"{sys.argv[2]}: {'.'.join(map(str, e.path)) or '(top)'}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
services = doc["services"]
for name, svc in services.items():
    for key in ("restart", "healthcheck"):
        if key not in svc:
            sys.exit(f"{sys.argv[2]}: service {name} has no {key}")
    if "limits" not in svc.get("deploy", {}).get("resources", {}):
        sys.exit(f"{sys.argv[2]}: service {name} has no resource limits")
    for port in svc.get("ports", []):
        if not str(port).startswith("127.0.0.1:"):
            sys.exit(f"{sys.argv[2]}: service {name} publishes {port} beyond this machine")
print(f"{sys.argv[2]}: valid, {len(services)} services with health checks, restart policies and limits")
PY
