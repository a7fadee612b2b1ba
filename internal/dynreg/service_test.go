package dynreg

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
)

// Metadata becomes the clients create configuration: none is a public
// client, scope splits, jwks passes as JSON, response_types other than
// code are refused; privileged fields have no way in.
func TestMetadataConfig(t *testing.T) {
	var m Metadata
	if err := json.Unmarshal([]byte(`{"client_name":" App ","scope":"openid  profile","token_endpoint_auth_method":"none",
		"jwks":{"keys":[]},"admin":true,"first_party":true,"redirect_uris":["https://a.example/cb"]}`), &m); err != nil {
		t.Fatal(err)
	}
	cc, err := m.config()
	if err != nil {
		t.Fatal(err)
	}
	if !cc.Public || cc.Name != "App" || len(cc.Scopes) != 2 || cc.JWKS != `{"keys":[]}` || cc.Admin || cc.FirstParty || cc.Dev {
		t.Fatalf("config %+v", cc)
	}
	m.ResponseTypes = []string{"code", "token"}
	var re *RegistrationError
	if _, err := m.config(); !errors.As(err, &re) || re.Code != "invalid_client_metadata" {
		t.Fatalf("response_types: %v", err)
	}
}

// Refusals of the registration rules become RFC 7591 errors.
func TestRefused(t *testing.T) {
	cases := []struct {
		err  error
		code string
	}{
		{fmt.Errorf("client x: %w: redirect URI %q must use https", op.ErrInvalidClient, "http://e/cb"), "invalid_redirect_uri"},
		{fmt.Errorf("client x: %w: grant type %q is not allowed", op.ErrInvalidClient, "password"), "invalid_client_metadata"},
	}
	for _, tc := range cases {
		var re *RegistrationError
		if !errors.As(refused(tc.err), &re) || re.Code != tc.code {
			t.Errorf("%v: %v, want %s", tc.err, refused(tc.err), tc.code)
		}
	}
	other := errors.New("database down")
	if !errors.Is(refused(other), other) {
		t.Error("a fault became a registration error")
	}
}

// metadataOf names the auth method a client uses even when it left it
// empty.
func TestMetadataOf(t *testing.T) {
	if got := metadataOf(storage.Client{ID: "a"}).TokenEndpointAuthMethod; got != op.AuthClientSecretBasic {
		t.Errorf("confidential: %q", got)
	}
	if got := metadataOf(storage.Client{ID: "b", Public: true}).TokenEndpointAuthMethod; got != op.AuthNone {
		t.Errorf("public: %q", got)
	}
}
