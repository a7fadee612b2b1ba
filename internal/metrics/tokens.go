package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// GrantTypes are the grant_type values counted by name; any other is
// counted as "other".
var GrantTypes = []string{
	"authorization_code",
	"refresh_token",
	"client_credentials",
	"urn:ietf:params:oauth:grant-type:device_code",
	"urn:ietf:params:oauth:grant-type:token-exchange",
	"urn:ietf:params:oauth:grant-type:jwt-bearer",
}

func newTokensIssued() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_tokens_issued_total",
		Help: "Successful token endpoint responses by grant_type (the registered grant_type string).",
	}, []string{"grant_type"})
}

// CountTokens counts a token endpoint response that succeeded by its
// grant_type. Put it on the token endpoint's route only. It parses the form
// first, so that the handler (which may work on a copy of the request)
// finds it parsed and both see the same grant_type.
func (m *Metrics) CountTokens() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		_ = c.Request.ParseForm() // a malformed body is the handler's to refuse
		grant := c.Request.PostForm.Get("grant_type")
		c.Next()
		if c.Writer.Status() != http.StatusOK {
			return
		}
		label := "other"
		for _, g := range GrantTypes {
			if g == grant {
				label = g
			}
		}
		m.tokens.WithLabelValues(label).Inc()
	}
}

func newThrottled() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_throttled_requests_total",
		Help: "Requests refused with 429 Too Many Requests (sign-in, MFA, reset, verification and device throttles), by route pattern.",
	}, []string{"route"})
}

// MailBacklog reports the letters waiting in the outbox and when the
// oldest was queued (zero when none).
type MailBacklog func(ctx context.Context) (int64, time.Time, error)

// mailQueue is a collector that asks the database at scrape time.
type mailQueue struct {
	backlog MailBacklog
	log     *slog.Logger
	depth   *prometheus.Desc
	age     *prometheus.Desc
	now     func() time.Time
}

// mailQueueTimeout bounds the query of one scrape.
const mailQueueTimeout = 2 * time.Second

// RegisterMailQueue adds gatehouse_mail_queue_depth and
// gatehouse_mail_queue_oldest_age_seconds, read from backlog at each
// scrape. The outbox is shared by the replicas: every replica reports the
// same values (use max() across instances).
func (m *Metrics) RegisterMailQueue(backlog MailBacklog, log *slog.Logger) error {
	return m.Registry.Register(&mailQueue{
		backlog: backlog, log: log, now: time.Now,
		depth: prometheus.NewDesc("gatehouse_mail_queue_depth",
			"Letters waiting in the outbox (neither sent nor abandoned), across all replicas.", nil, nil),
		age: prometheus.NewDesc("gatehouse_mail_queue_oldest_age_seconds",
			"Age of the oldest letter waiting in the outbox; 0 when none waits.", nil, nil),
	})
}

func (q *mailQueue) Describe(ch chan<- *prometheus.Desc) { ch <- q.depth; ch <- q.age }

func (q *mailQueue) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), mailQueueTimeout)
	defer cancel()
	n, oldest, err := q.backlog(ctx)
	if err != nil {
		// The rest of /metrics still answers (and /readyz says the
		// database is away); the gauges are left out of this scrape.
		q.log.WarnContext(ctx, "metrics: mail queue", slog.Any("error", err))
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, q.now().Sub(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(q.depth, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(q.age, prometheus.GaugeValue, age)
}
