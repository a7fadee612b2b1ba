package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ServiceName names Gatehouse's spans' service.
const ServiceName = "gatehouse"

// Options configure Setup.
type Options struct {
	// Endpoint is the OTLP/HTTP collector base URL
	// (http://collector:4318 or https://...); empty turns tracing off.
	Endpoint string
	// Version is the service.version resource attribute.
	Version string
	// Exporter, when set, replaces the OTLP exporter and exports each span
	// as it ends (tests: tracetest.InMemoryExporter).
	Exporter sdktrace.SpanExporter
}

// Setup installs the global tracer provider and propagator when tracing is
// on and returns the function that flushes and stops it (a no-op when
// off). Call it once per process, before the first request.
func Setup(ctx context.Context, o Options) (shutdown func(context.Context) error, err error) {
	if o.Endpoint == "" && o.Exporter == nil {
		return func(context.Context) error { return nil }, nil
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", ServiceName),
		attribute.String("service.version", o.Version),
	)
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if o.Exporter != nil {
		opts = append(opts, sdktrace.WithSyncer(o.Exporter))
	} else {
		exp, err := newOTLPExporter(ctx, o.Endpoint)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return func(ctx context.Context) error {
		err := tp.Shutdown(ctx)
		otel.SetTracerProvider(noop.NewTracerProvider())
		return err
	}, nil
}

// ErrBadEndpoint: GATEHOUSE_OTEL_ENDPOINT is not an http(s) URL.
var ErrBadEndpoint = errors.New("the OTLP endpoint must be an http:// or https:// URL")

func newOTLPExporter(ctx context.Context, endpoint string) (sdktrace.SpanExporter, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tracing: %w (got %q)", ErrBadEndpoint, endpoint)
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(strings.TrimSuffix(endpoint, "/") + "/v1/traces")}
	if u.Path != "" && u.Path != "/" {
		opts = []otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint)} // a full traces URL
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	return exp, nil
}

// Handler wraps the HTTP root: each request becomes a server span (its
// parent taken from a traceparent header), named by RouteNames.
func Handler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "http",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
}

// RouteNames renames the request's span to "METHOD route pattern" (never
// the raw path, which holds ids and would make names unbounded).
func RouteNames() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		span := trace.SpanFromContext(c.Request.Context())
		if !span.IsRecording() {
			return
		}
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		span.SetName(c.Request.Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
	}
}

// Transport wraps an outbound transport (nil: http.DefaultTransport) so
// each call is a client span that carries the trace to the callee.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return otelhttp.NewTransport(base)
}
