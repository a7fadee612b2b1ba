package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one process's registry. Create one per server: tests start
// several servers in one process.
type Metrics struct {
	Registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	throttled *prometheus.CounterVec // tokens.go
	tokens    *prometheus.CounterVec // tokens.go
	lifecycle *lifecycle             // lifecycle.go
}

// New creates a registry with the Go runtime, process and HTTP collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		throttled: newThrottled(),
		tokens:    newTokensIssued(),
		lifecycle: newLifecycle(),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.throttled, m.tokens,
	)
	reg.MustRegister(m.lifecycle.collectors()...)
	m.lifecycle.zero()
	for _, g := range GrantTypes {
		m.tokens.WithLabelValues(g)
	}
	m.throttled.WithLabelValues("/login")
	return m
}

// RegisterDB adds the connection pool statistics of db.
func (m *Metrics) RegisterDB(db *sql.DB, name string) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Middleware counts and times every request by its route pattern (never the
// raw path, which would make the label set unbounded).
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := knownMethod(c.Request.Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		if c.Writer.Status() == http.StatusTooManyRequests {
			m.throttled.WithLabelValues(route).Inc()
		}
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// knownMethod bounds the method label: clients can send any token as a method.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
