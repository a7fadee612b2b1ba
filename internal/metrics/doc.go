// Package metrics owns Gatehouse's Prometheus registry and serves /metrics:
// HTTP requests by route and status, a latency histogram, requests refused
// as throttled (429), database pool statistics, the Go runtime and process,
// tokens issued by grant_type (tokens.go), sign-ins by method and outcome,
// registrations, password resets and second-factor steps counted from
// committed audit events (lifecycle.go), the mail queue's depth and age
// read at scrape time, and the counters other packages register (mail
// delivery and abandonment, back-channel logout).
package metrics
