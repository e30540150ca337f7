#!/usr/bin/env bash
# Checks the deploy files offline, without a container engine or a cluster:
#   docker-compose.yml      docker-compose config -q (Debian's docker-compose: parses and interpolates)
#   deploy/prometheus       promtool check config, check rules, test rules (a firing and a quiet case per alert)
#   deploy/kubernetes       every document against the Kubernetes API schemas (kubernetes-models, bundled)
#   deploy/grafana          the provisioning files and the dashboard parse
# Installs docker-compose and prometheus from Debian when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

missing=()
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v promtool >/dev/null || missing+=(prometheus)
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "docker-compose config"
# Placeholder values for the variables the file requires; nothing is started.
JWT_SECRET=check-only GRAFANA_ADMIN_PASSWORD=check-only docker-compose -f docker-compose.yml config -q
echo "docker-compose.yml is valid"

step "promtool"
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
(cd deploy/prometheus && promtool test rules alerts.test.yml)

step "kubernetes manifests"
node scripts/check-kubernetes.mjs

step "grafana provisioning"
node -e "
const { readFileSync } = require('node:fs')
const { parse } = require('yaml')
for (const file of ['deploy/grafana/provisioning/datasources/prometheus.yml', 'deploy/grafana/provisioning/dashboards/portcullis.yml']) parse(readFileSync(file, 'utf8'))
JSON.parse(readFileSync('deploy/grafana/portcullis.json', 'utf8'))
console.log('grafana provisioning and dashboard parse')
"
