package mfa

import (
	"fmt"
	"slices"
)

// Policy says who must use a second factor.
type Policy string

// Policies (instance setting mfa.policy).
const (
	PolicyOptional          Policy = "optional"
	PolicyRequiredForAdmins Policy = "required_for_admins"
	PolicyRequired          Policy = "required"
)

// Policies lists the policies.
func Policies() []Policy { return []Policy{PolicyOptional, PolicyRequiredForAdmins, PolicyRequired} }

// Validate refuses an unknown policy.
func (p Policy) Validate() error {
	if !slices.Contains(Policies(), p) {
		return fmt.Errorf("mfa: policy %q is not one of %v", string(p), Policies())
	}
	return nil
}

// Requires reports whether the policy makes a user with this role use a
// second factor ("admin" is the administrator role).
func (p Policy) Requires(role string) bool {
	switch p {
	case PolicyRequired:
		return true
	case PolicyRequiredForAdmins:
		return role == "admin"
	}
	return false
}

// Authentication methods (RFC 8176) and context classes.
const (
	AMRPassword  = "pwd"
	AMROTP       = "otp"
	AMRMFA       = "mfa"
	AMRFederated = "fed"
	// ACRMFA is the acr of a sign-in with a second factor; ACRPassword of
	// one without.
	ACRMFA      = "mfa"
	ACRPassword = "pwd"
)

// ACRValuesSupported are the acr values discovery announces.
func ACRValuesSupported() []string { return []string{ACRMFA, ACRPassword} }

// WithSecondFactor returns the methods of a sign-in after first, once a
// TOTP or recovery code was accepted: first's methods, "otp" and "mfa".
func WithSecondFactor(first []string) []string {
	out := slices.Clone(first)
	for _, m := range []string{AMROTP, AMRMFA} {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// HasSecondFactor reports whether amr records a second factor.
func HasSecondFactor(amr []string) bool { return slices.Contains(amr, AMRMFA) }

// ACR is the acr claim of a sign-in with methods amr.
func ACR(amr []string) string {
	if HasSecondFactor(amr) {
		return ACRMFA
	}
	return ACRPassword
}

// RequestWantsMFA reports whether an authorization request asks for a
// second factor: its acr_values include "mfa", or its client requires
// one.
func RequestWantsMFA(acrValues []string, clientRequiresMFA bool) bool {
	return clientRequiresMFA || slices.Contains(acrValues, ACRMFA)
}
