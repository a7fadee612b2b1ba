package tracing

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestSpansForRequestsAndOutboundCalls: a request to the traced root is a
// server span named by its route; a call made through Transport while
// serving it is a client span in the same trace, and the callee receives
// the trace context (traceparent).
func TestSpansForRequestsAndOutboundCalls(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	shutdown, err := Setup(context.Background(), Options{Exporter: exp, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())

	var gotParent string
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotParent = r.Header.Get("traceparent")
	}))
	defer callee.Close()
	client := &http.Client{Transport: Transport(nil)}

	gin.SetMode(gin.TestMode)
	engine := gin.New()
	engine.Use(RouteNames())
	engine.GET("/users/:id", func(c *gin.Context) {
		req, _ := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, callee.URL+"/hook", nil)
		resp, err := client.Do(req)
		if err != nil {
			c.Status(http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		c.Status(http.StatusNoContent)
	})
	root := httptest.NewServer(Handler(engine))
	defer root.Close()
	resp, err := http.Get(root.URL + "/users/42")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}

	var server, client_ *tracetestSpan
	for _, s := range exp.GetSpans() {
		switch s.SpanKind {
		case trace.SpanKindServer:
			server = &tracetestSpan{s.Name, s.SpanContext.TraceID(), s.SpanContext.SpanID(), s.Parent.SpanID()}
		case trace.SpanKindClient:
			client_ = &tracetestSpan{s.Name, s.SpanContext.TraceID(), s.SpanContext.SpanID(), s.Parent.SpanID()}
		}
	}
	if server == nil || server.name != "GET /users/:id" {
		t.Fatalf("server span %+v, want one named GET /users/:id", server)
	}
	if client_ == nil || client_.trace != server.trace || client_.parent != server.span {
		t.Fatalf("outbound span %+v is not a child of the request's span %+v", client_, server)
	}
	if gotParent == "" || gotParent[3:35] != server.trace.String() {
		t.Errorf("the callee got traceparent %q, want trace %s", gotParent, server.trace)
	}
}

type tracetestSpan struct {
	name   string
	trace  trace.TraceID
	span   trace.SpanID
	parent trace.SpanID
}

func TestSetupOffAndBadEndpoint(t *testing.T) {
	shutdown, err := Setup(context.Background(), Options{})
	if err != nil || shutdown(context.Background()) != nil {
		t.Fatalf("tracing off: %v", err)
	}
	if _, err := Setup(context.Background(), Options{Endpoint: "collector:4318"}); !errors.Is(err, ErrBadEndpoint) {
		t.Fatalf("endpoint without scheme: %v", err)
	}
}
