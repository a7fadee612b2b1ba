package op

import (
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// zop builds every JWT it signs with SigningKey, a draft signer (keys.go):
// the instance's algorithm and active key id, header typ "JWT", and a
// signature no key verifies. Gatehouse does not let a draft out: every
// grant of the token endpoint builds its response itself and signs each
// JWT once, here, with go-jose and the real keys (clientcredentials.go,
// tokenresponse.go, device.go, tokenexchange.go):
//   - a JWT access token with typ "at+jwt" (RFC 9068 §2.1), with the
//     claims zop's CreateJWT writes;
//   - the ID token by zop's CreateIDToken given the real key of the
//     client's id_token_signed_response_alg (its own key of that
//     algorithm), so that at_hash and c_hash are computed for the final
//     access token and that algorithm.

// typAccessToken is the JWT access token header typ of RFC 9068.
const typAccessToken = "at+jwt"

// signer is k's jose.Signer for typ, made once.
func (k *signingKey) signer(typ string) (jose.Signer, error) {
	if s, ok := k.signers.Load(typ); ok {
		return s.(jose.Signer), nil
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: &jose.JSONWebKey{Key: k.key, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	kept, _ := k.signers.LoadOrStore(typ, s)
	return kept.(jose.Signer), nil
}

// signJWT signs payload with k, header kid and typ.
func signJWT(k *signingKey, typ string, payload []byte) (string, error) {
	signer, err := k.signer(typ)
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return obj.CompactSerialize()
}
