package op

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(o *Options)
		errHas string
	}{
		{"defaults", func(*Options) {}, ""},
		{"http issuer in dev", func(o *Options) { o.Issuer, o.Dev = "http://localhost:8080", true }, ""},
		{"http issuer", func(o *Options) { o.Issuer = "http://localhost:8080" }, "https"},
		{"no issuer", func(o *Options) { o.Issuer = "" }, "issuer"},
		{"issuer with query", func(o *Options) { o.Issuer = testIssuer + "?a=b" }, "query"},
		{"no crypto key", func(o *Options) { o.CryptoKey = [32]byte{} }, "required"},
		{"no key encryption key", func(o *Options) { o.KeyEncryptionKey = [32]byte{} }, "required"},
		{"same keys", func(o *Options) { o.KeyEncryptionKey = o.CryptoKey }, "differ"},
		{"unknown algorithm", func(o *Options) { o.SigningAlgorithm = "HS256" }, "algorithm"},
		{"long code lifetime", func(o *Options) { o.CodeLifetime = 11 * time.Minute }, "code lifetime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions()
			tt.mod(&o)
			_, err := o.withDefaults()
			if tt.errHas == "" && err != nil || tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("err = %v, want %q", err, tt.errHas)
			}
		})
	}
	o := testOptions()
	o.Issuer += "/"
	o.SigningAlgorithm = ""
	got, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != testIssuer || got.SigningAlgorithm != AlgRS256 || got.IDTokenLifetime != DefaultIDTokenLifetime ||
		got.CodeLifetime != time.Minute || got.RefreshFamilyLifetime != DefaultRefreshFamilyLifetime || got.LoginPath != "/login" {
		t.Fatalf("defaults %+v", got)
	}
}

func TestClientCache(t *testing.T) {
	e := newTestEnv(t)
	c := e.addClient(storage.Client{Public: true})
	if _, err := e.p.st.GetClientByClientID(t.Context(), "app"); err != nil {
		t.Fatal(err)
	}
	c.RedirectURIs = []string{"https://new.example.test/cb"}
	e.addClient(c)
	cached, _ := e.p.st.client(t.Context(), "app")
	if cached.RedirectURIs[0] != testRedirect {
		t.Fatal("cache not used within its TTL")
	}
	e.p.ForgetClient("app")
	fresh, _ := e.p.st.client(t.Context(), "app")
	if fresh.RedirectURIs[0] != "https://new.example.test/cb" {
		t.Fatal("ForgetClient kept the old client")
	}
	c.RedirectURIs = []string{testRedirect}
	e.addClient(c)
	e.clock.Advance(DefaultCacheTTL)
	if again, _ := e.p.st.client(t.Context(), "app"); again.RedirectURIs[0] != testRedirect {
		t.Fatal("cache outlived its TTL")
	}
	if _, err := e.p.st.GetClientByClientID(t.Context(), "nobody"); err == nil {
		t.Fatal("unknown client found")
	}
}
