package op

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrorTemporarilyUnavailable is the OAuth error code (RFC 6749 §4.1.2.1)
// of an answer given while the database is unreachable.
const ErrorTemporarilyUnavailable = "temporarily_unavailable"

// unavailableRetryAfter is the Retry-After (seconds) of such an answer.
const unavailableRetryAfter = "10"

// outagePolicy says which of an endpoint's answers an outage replaces.
type outagePolicy int

const (
	// outageReplacesErrors: only error answers (4xx, 5xx). A success that
	// got through despite a failed side step (a token response: the code
	// is spent by then) goes out unchanged.
	outageReplacesErrors outagePolicy = iota
	// outageReplacesAll: every answer, because zop answers a storage
	// failure with a success that states something false
	// (introspection's {"active": false}, revocation's 200).
	outageReplacesAll
)

// answerOutages runs serve with a storage.UnavailableWatch in the request
// and, when a store call met a database outage, replaces its answer by
// 503 temporarily_unavailable with Retry-After. zop folds every storage
// error of these endpoints into a client error (invalid_grant for a code
// or refresh token it could not look up, invalid_client for a client,
// inactive for a token), which would tell a relying party to throw away a
// good code or token.
func (p *Provider) answerOutages(w http.ResponseWriter, r *http.Request, policy outagePolicy, serve http.HandlerFunc) {
	ctx, watch := storage.WatchUnavailable(r.Context())
	buf := &bufferedResponse{header: w.Header(), status: http.StatusOK}
	serve(buf, r.WithContext(ctx))
	if watch.Seen() && (policy == outageReplacesAll || buf.status >= http.StatusBadRequest) {
		p.log.WarnContext(ctx, "database unavailable: answered 503",
			slog.String("path", r.URL.Path), slog.Int("replaced_status", buf.status))
		writeUnavailable(w)
		return
	}
	buf.flushTo(w)
}

// writeUnavailable writes the 503 temporarily_unavailable answer.
func writeUnavailable(w http.ResponseWriter) {
	h := w.Header()
	h.Del("Content-Length")
	h.Del("WWW-Authenticate")
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", unavailableRetryAfter)
	setNoStore(w)
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"error":"` + ErrorTemporarilyUnavailable +
		`","error_description":"the service is temporarily unavailable; try again later"}` + "\n"))
}

// bufferedResponse holds an answer until it is known whether it stands.
// It shares the real writer's header map.
type bufferedResponse struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}

func (b *bufferedResponse) flushTo(w http.ResponseWriter) {
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
