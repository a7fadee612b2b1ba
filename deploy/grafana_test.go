package deploy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// dashboard is the part of Grafana's dashboard model the file uses;
// decoding is strict, so a misspelled key fails.
type dashboard struct {
	Title         string          `json:"title"`
	UID           string          `json:"uid"`
	SchemaVersion int             `json:"schemaVersion"`
	Version       int             `json:"version"`
	Tags          []string        `json:"tags"`
	Timezone      string          `json:"timezone"`
	Refresh       string          `json:"refresh"`
	Editable      bool            `json:"editable"`
	Time          json.RawMessage `json:"time"`
	Templating    struct {
		List []json.RawMessage `json:"list"`
	} `json:"templating"`
	Annotations json.RawMessage `json:"annotations"`
	Panels      []struct {
		ID          int                      `json:"id"`
		Type        string                   `json:"type"`
		Title       string                   `json:"title"`
		Description string                   `json:"description"`
		Datasource  json.RawMessage          `json:"datasource"`
		GridPos     struct{ X, Y, W, H int } `json:"gridPos"`
		FieldConfig json.RawMessage          `json:"fieldConfig"`
		Options     json.RawMessage          `json:"options"`
		Targets     []struct {
			RefID        string          `json:"refId"`
			Expr         string          `json:"expr"`
			LegendFormat string          `json:"legendFormat"`
			Datasource   json.RawMessage `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
}

func loadDashboard(data []byte) (dashboard, error) {
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&d)
	return d, err
}

// metricRe finds the series a PromQL expression selects: a name followed
// by its label matchers (every query of the dashboard filters on $job).
var metricRe = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\{`)

// syntheticSeries are made by Prometheus itself, not by Gatehouse.
var syntheticSeries = map[string]bool{"up": true}

// queriedMetrics lists the metric names of every target, and the targets
// that select none.
func queriedMetrics(d dashboard) (names []string, bare []string) {
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			found := metricRe.FindAllStringSubmatch(tg.Expr, -1)
			if len(found) == 0 {
				bare = append(bare, p.Title+": "+tg.Expr)
			}
			for _, m := range found {
				if !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
		}
	}
	return names, bare
}

// exposed lists the sample names a live server's /metrics exposes.
func exposed(t *testing.T) map[string]bool {
	t.Helper()
	srv := testserver.Start(t, testserver.ServerOptions{})
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	names := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		names[name] = true
	}
	return names
}

func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	data, err := os.ReadFile("grafana/gatehouse.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadDashboard(data)
	if err != nil {
		t.Fatalf("the dashboard does not parse: %v", err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatal("the dashboard needs a uid, a title and panels")
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
	}
	names, bare := queriedMetrics(d)
	if len(bare) > 0 {
		t.Errorf("targets that select no metric: %v", bare)
	}
	have := exposed(t)
	for _, name := range names {
		if !have[name] && !syntheticSeries[name] {
			t.Errorf("the dashboard queries %s, which /metrics does not expose", name)
		}
	}
	// The metrics are all on the dashboard.
	for _, want := range []string{
		"gatehouse_signins_total", "gatehouse_registrations_total", "gatehouse_password_resets_total",
		"gatehouse_mfa_verifications_total", "gatehouse_tokens_issued_total", "gatehouse_throttled_requests_total",
		"gatehouse_mail_queue_depth", "gatehouse_mail_queue_oldest_age_seconds", "gatehouse_mail_abandoned_total",
		"gatehouse_backchannel_logout_total", "gatehouse_jwt_verifications_total", "gatehouse_verified_token_cache_entries",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("the dashboard does not show %s", want)
		}
	}
	t.Logf("the dashboard queries %d metrics, all exposed", len(names))

	// The check catches a misspelled metric and a misspelled key.
	bad := bytes.Replace(data, []byte("gatehouse_signins_total"), []byte("gatehouse_signin_total"), 1)
	bd, err := loadDashboard(bad)
	if err != nil {
		t.Fatal(err)
	}
	badNames, _ := queriedMetrics(bd)
	if !slices.Contains(badNames, "gatehouse_signin_total") || have["gatehouse_signin_total"] {
		t.Error("a misspelled metric would not be caught")
	}
	if _, err := loadDashboard(bytes.Replace(data, []byte(`"gridPos"`), []byte(`"gridPoss"`), 1)); err == nil {
		t.Error("a misspelled key parsed")
	}
}
