// Package tracing owns OpenTelemetry tracing: when GATEHOUSE_OTEL_ENDPOINT
// is set, Setup installs a tracer provider exporting spans over OTLP/HTTP
// (W3C trace context propagation), and the process's HTTP requests
// (Handler, RouteNames), SQL statements (storage/sqlstore with
// Options.Trace) and outbound HTTP calls (Transport) become spans. Without
// an endpoint nothing is installed and the instrumentation is a no-op.
package tracing
