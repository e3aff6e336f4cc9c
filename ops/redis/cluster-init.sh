#!/bin/sh
# compose.yaml's redis-cluster-init: join six Redis nodes into one Redis Cluster of three
# masters with a replica each, once; a no-op when the cluster is already formed.
# REDIS_CLUSTER_NODES (host:port ...) defaults to compose's redis-node-1..6, which announce
# themselves by host name, so a node that comes back with a new address is still found.
# tests/unit/test_redis_cluster_init.py runs it against six local redis-servers.
set -eu
nodes="${REDIS_CLUSTER_NODES:-redis-node-1:6379 redis-node-2:6379 redis-node-3:6379 redis-node-4:6379 redis-node-5:6379 redis-node-6:6379}"
first="${nodes%% *}"

formed() {
  redis-cli -h "${first%:*}" -p "${first##*:}" cluster info | grep -q '^cluster_state:ok'
}

if formed; then
  echo "redis-cluster-init: the cluster is already formed"
  exit 0
fi
# One argument per node: $nodes is split on purpose.
# shellcheck disable=SC2086
redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes
tries=0
until formed; do
  tries=$((tries + 1))
  if [ "$tries" -gt 30 ]; then
    echo "redis-cluster-init: cluster_state is not ok 30 s after create" >&2
    exit 1
  fi
  sleep 1
done
echo "redis-cluster-init: cluster formed"
