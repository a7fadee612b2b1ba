// Package server wires one Gatehouse process: it opens the store, applies
// migrations, builds the gin engine with its middleware and the route table,
// and serves it with timeouts and graceful shutdown.
//
// The wiring lives here rather than in cmd/gatehouse so that end-to-end
// tests can start the real server in-process (nothing imports a main
// package).
//
// Routes owned here: GET /healthz (process alive), GET /readyz (database
// reachable), GET /metrics (Prometheus; observability.go wires the lifecycle
// metrics and, with GATEHOUSE_OTEL_ENDPOINT, tracing). Every other route is registered by
// the package that owns it (ui, op, adminapi).
package server
