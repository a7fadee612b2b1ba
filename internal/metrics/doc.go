// Package metrics owns Gatehouse's Prometheus registry: HTTP requests by
// route and status, a latency histogram, database pool statistics, the Go
// runtime and process, and the counters other packages register. It serves
// /metrics.
package metrics
