/**
 * Setup of the `cluster` jest project: the same tests, against the 6-node Redis Cluster that
 * scripts/test.sh starts (scripts/redis-cluster.js, ports 7100..7105) instead of one node.
 */
process.env.REDIS_CLUSTER_NODES =
  process.env.TEST_REDIS_CLUSTER_NODES ?? '127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102';
for (const single of ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_DB'])
  delete process.env[single];
