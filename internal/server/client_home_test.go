package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestClientHomeURLThroughAPI: home_url is set, read back and cleared
// through the management API; it must be https (http only on a loopback
// host or for a dev client), and a refusal names the field.
func TestClientHomeURLThroughAPI(t *testing.T) {
	srv := startRegServer(t, nil)
	bot := serviceToken(t, srv.Server, "ops-bot", true)
	base := map[string]any{"id": "notes", "redirect_uris": []string{"https://notes.example.com/cb"}}
	with := func(home string) map[string]any {
		m := map[string]any{"home_url": home}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	for _, bad := range []string{"http://notes.example.com/", "javascript:alert(1)", "/relative", "https://notes.example.com/#frag"} {
		r := apiCall(t, srv.URL, http.MethodPost, "/clients", bot, with(bad)).want(t, http.StatusBadRequest)
		if !strings.Contains(r.raw, "home_url") {
			t.Errorf("home_url %q refused without naming the field: %s", bad, r.raw)
		}
	}
	r := apiCall(t, srv.URL, http.MethodPost, "/clients", bot, with("https://notes.example.com/start")).want(t, http.StatusCreated)
	if r.body["home_url"] != "https://notes.example.com/start" {
		t.Fatalf("created client: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodGet, "/clients/notes", bot, nil).want(t, http.StatusOK)
	if r.body["home_url"] != "https://notes.example.com/start" {
		t.Errorf("read back: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/clients/notes", bot, map[string]any{"home_url": "http://127.0.0.1:3000/"}).want(t, http.StatusOK)
	if r.body["home_url"] != "http://127.0.0.1:3000/" {
		t.Errorf("loopback http: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/clients/notes", bot, map[string]any{"home_url": ""}).want(t, http.StatusOK)
	if r.body["home_url"] != "" {
		t.Errorf("cleared: %s", r.raw)
	}
}
