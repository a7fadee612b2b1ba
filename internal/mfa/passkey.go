package mfa

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Passkey methods (RFC 8176): a passkey on a hardware authenticator
// ("hwk") or a synced, software-held one ("swk"); "user" when the
// authenticator verified the user (PIN or biometrics).
const (
	AMRHardwareKey = "hwk"
	AMRSoftwareKey = "swk"
	AMRUser        = "user"
)

// PasskeyChallengeLifetime bounds a WebAuthn ceremony.
const PasskeyChallengeLifetime = 5 * time.Minute

// RelyingParty returns the WebAuthn relying party of an instance: its ID
// is the issuer's host (without port) and the issuer's origin is the only
// origin allowed.
func RelyingParty(issuer, displayName string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("mfa: issuer %q is no http(s) URL", issuer)
	}
	if displayName == "" {
		displayName = "Gatehouse"
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: displayName,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: PasskeyChallengeLifetime, TimeoutUVD: PasskeyChallengeLifetime},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: PasskeyChallengeLifetime, TimeoutUVD: PasskeyChallengeLifetime},
		},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationPreferred,
		},
		// Browsers add outputs such as credProps on their own.
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: webauthn relying party: %w", err)
	}
	return wa, nil
}

// PasskeyUser is a user as the WebAuthn library sees them: the user
// handle is the user id.
type PasskeyUser struct {
	ID          string
	Name        string
	DisplayName string
	Credentials []webauthn.Credential
}

func (u PasskeyUser) WebAuthnID() []byte                         { return []byte(u.ID) }
func (u PasskeyUser) WebAuthnName() string                       { return u.Name }
func (u PasskeyUser) WebAuthnDisplayName() string                { return u.DisplayName }
func (u PasskeyUser) WebAuthnCredentials() []webauthn.Credential { return u.Credentials }

// PasskeyMethods returns the methods of a sign-in by passkey: "swk" for a
// synced passkey, else "hwk"; with user verification also "user" and
// "mfa" (something the user has, and knows or is).
func PasskeyMethods(synced, userVerified bool) []string {
	kind := AMRHardwareKey
	if synced {
		kind = AMRSoftwareKey
	}
	if !userVerified {
		return []string{kind}
	}
	return []string{kind, AMRUser, AMRMFA}
}

// WithPasskey returns first's methods after a passkey was accepted as the
// second step: the passkey's kind and "mfa".
func WithPasskey(first []string, synced bool) []string {
	out := slices.Clone(first)
	for _, m := range append(PasskeyMethods(synced, false), AMRMFA) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// ErrCounterRegressed: an assertion's signature counter did not move
// forward: a replay, or a cloned authenticator.
var ErrCounterRegressed = errors.New("mfa: passkey signature counter did not increase")

// CheckCounter applies the signature-counter rule: a counter of zero on
// both sides means the authenticator keeps none; otherwise the new one
// must be greater than the stored one.
func CheckCounter(stored, got uint32) error {
	if stored == 0 && got == 0 {
		return nil
	}
	if got <= stored {
		return ErrCounterRegressed
	}
	return nil
}
