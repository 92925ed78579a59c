#!/bin/sh
# Installs the log retention policy and the index template for the ecommerce-logs-* indices, before any
# log line arrives (docker compose runs it as the elasticsearch-setup job; k8s/logging as a Job).
# Safe to run again: both are PUTs that replace what is there.
#   ELASTICSEARCH_URL   default http://elasticsearch:9200 (credentials may be in the URL)
#   LOG_RETENTION_DAYS  daily indices are deleted this many days after creation (default 14)
set -eu

es="${ELASTICSEARCH_URL:-http://elasticsearch:9200}"
days="${LOG_RETENTION_DAYS:-14}"
dir="$(cd "$(dirname "$0")" && pwd)"

case "$days" in
  '' | *[!0-9]* | 0)
    echo "LOG_RETENTION_DAYS must be a whole number of days (1 or more), got '$days'" >&2
    exit 2
    ;;
esac

echo "elasticsearch-setup: retention policy ecommerce-logs (delete after ${days}d) on $es"
sed "s/\"min_age\": \"14d\"/\"min_age\": \"${days}d\"/" "$dir/ecommerce-logs-ilm-policy.json" |
  curl -fsS --retry 5 --retry-connrefused --retry-delay 2 -X PUT "$es/_ilm/policy/ecommerce-logs" \
    -H 'Content-Type: application/json' --data-binary @-
echo
echo "elasticsearch-setup: index template ecommerce-logs"
curl -fsS --retry 5 --retry-connrefused --retry-delay 2 -X PUT "$es/_index_template/ecommerce-logs" \
  -H 'Content-Type: application/json' --data-binary @"$dir/ecommerce-logs-template.json"
echo
echo "elasticsearch-setup: done"
