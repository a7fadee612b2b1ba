package metrics

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	_ "modernc.org/sqlite"
)

func TestMetricsByRoutePattern(t *testing.T) {
	gin.SetMode(gin.TestMode)
	m := New()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m.RegisterDB(db, "test")
	r := gin.New()
	r.Use(m.Middleware())
	r.GET("/users/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	for _, path := range []string{"/users/1", "/users/2"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("FROB", "/users/3", nil))

	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(w.Body)
	text := string(body)
	for _, want := range []string{
		`gatehouse_http_requests_total{method="GET",route="/users/:id",status="204"} 2`,
		`method="other"`,
		"gatehouse_http_request_duration_seconds_bucket",
		"go_goroutines",
		`go_sql_open_connections{db_name="test"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, `route="/users/1"`) {
		t.Error("raw paths must not become labels")
	}
}

func TestRegisterVerifiedTokens(t *testing.T) {
	m := New()
	cached, checked, entries := uint64(7), uint64(3), 2
	if err := m.RegisterVerifiedTokens(func() (uint64, uint64, int) { return cached, checked, entries }); err != nil {
		t.Fatal(err)
	}
	scrape := func() string {
		w := httptest.NewRecorder()
		m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return w.Body.String()
	}
	text := scrape()
	for _, want := range []string{
		`gatehouse_jwt_verifications_total{how="cached"} 7`,
		`gatehouse_jwt_verifications_total{how="signature"} 3`,
		`gatehouse_verified_token_cache_entries 2`,
		`# TYPE gatehouse_jwt_verifications_total counter`,
		`# TYPE gatehouse_verified_token_cache_entries gauge`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	cached, entries = 9, 0 // read again at each scrape
	if text := scrape(); !strings.Contains(text, `gatehouse_jwt_verifications_total{how="cached"} 9`) || !strings.Contains(text, `gatehouse_verified_token_cache_entries 0`) {
		t.Errorf("second scrape did not read the stats again:\n%s", text)
	}
}
