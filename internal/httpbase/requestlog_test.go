package httpbase

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestRequestIDOnEveryLogLine: a line a handler logs with the request's
// context carries the request id, as does the access log line, once.
func TestRequestIDOnEveryLogLine(t *testing.T) {
	gin.SetMode(gin.TestMode)
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil)))
	r := gin.New()
	r.Use(RequestID(), AccessLog(logger))
	r.GET("/x", func(c *gin.Context) {
		logger.With("part", "handler").InfoContext(c.Request.Context(), "inside")
		c.Status(http.StatusNoContent)
	})
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set(RequestIDHeader, "abcdefgh-1234")
	r.ServeHTTP(httptest.NewRecorder(), req)
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %d:\n%s", len(lines), buf.String())
	}
	for _, line := range lines {
		if n := bytes.Count(line, []byte(`"request_id"`)); n != 1 {
			t.Errorf("line has %d request ids: %s", n, line)
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil || rec["request_id"] != "abcdefgh-1234" {
			t.Errorf("line without the request id: %s", line)
		}
	}
	buf.Reset()
	logger.Info("outside a request")
	if bytes.Contains(buf.Bytes(), []byte("request_id")) {
		t.Errorf("a line outside a request got an id: %s", buf.String())
	}
}
