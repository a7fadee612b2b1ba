package op

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/crypto"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// TestZopSignsOnlyDrafts: what zop signs with SigningKey carries the active
// key's algorithm but verifies with no published key, so a JWT that zop
// signed itself, rather than the grant's own signing (tokensign.go), would
// be refused, never trusted.
func TestZopSignsOnlyDrafts(t *testing.T) {
	for _, alg := range []string{AlgRS256, AlgES256, AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			e := newTestEnv(t, func(o *Options) { o.SigningAlgorithm = alg })
			k, err := e.p.st.SigningKey(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			signer, err := zop.SignerFromKey(k)
			if err != nil {
				t.Fatal(err)
			}
			draft, err := crypto.Sign(map[string]any{"iss": testIssuer, "sub": "someone"}, signer)
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSigned(draft, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
			if err != nil {
				t.Fatal(err)
			}
			if h := jws.Signatures[0].Header; h.Algorithm != alg {
				t.Errorf("draft header %+v, want alg %s", h, alg)
			}
			w := e.do(http.MethodGet, PathKeys, nil, "", nil)
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) == 0 {
				t.Fatal("no published keys")
			}
			for _, key := range set.Keys {
				if _, err := jws.Verify(key); err == nil {
					t.Errorf("a draft verifies with published key %s", key.KeyID)
				}
			}
		})
	}
}
