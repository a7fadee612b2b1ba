package storage

import "testing"

func TestClientHomePage(t *testing.T) {
	tests := []struct {
		name string
		c    Client
		want string
	}{
		{"home_url wins", Client{HomeURL: "https://app.example.test/start", RedirectURIs: []string{"https://other.example.test/cb"}}, "https://app.example.test/start"},
		{"origin of the first web redirect", Client{RedirectURIs: []string{"com.example.app:/cb", "https://app.example.test:8443/auth/cb?x=1"}}, "https://app.example.test:8443/"},
		{"loopback http", Client{RedirectURIs: []string{"http://127.0.0.1:9000/cb"}}, "http://127.0.0.1:9000/"},
		{"no web redirect", Client{RedirectURIs: []string{"com.example.app:/cb"}}, ""},
		{"nothing", Client{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.HomePage(); got != tt.want {
				t.Errorf("HomePage() = %q, want %q", got, tt.want)
			}
		})
	}
}
