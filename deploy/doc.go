// Package deploy holds the files operators copy to run Gatehouse, and the
// tests that validate them offline (no Docker, no cluster, no schema
// registry):
//
//	compose.yaml            two replicas on PostgreSQL behind Caddy (TLS for
//	                        gatehouse.localhost), Mailpit, a one-shot migrate
//	caddy/Caddyfile         the front proxy of compose.yaml
//	kubernetes/*.yaml       Deployment (probes on /healthz and /readyz),
//	                        PodDisruptionBudget, Service, Secret (instance key),
//	                        migration Job, NetworkPolicy
//	systemd/gatehouse.service  a hardened single-host SQLite install
//	grafana/gatehouse.json  a dashboard over the /metrics series
//
// The tests decode the Kubernetes manifests strictly into k8s.io/api types
// (an unknown or misspelled field fails), load compose.yaml with
// compose-spec/compose-go (its schema is embedded), check every
// GATEHOUSE_* variable against internal/config and validate the resulting
// configuration, check the Dockerfile against go.mod and the CLI, and check
// that every metric the dashboard queries exists.
package deploy
