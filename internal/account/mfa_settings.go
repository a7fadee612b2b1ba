package account

import "github.com/gatehouse/gatehouse/internal/mfa"

// mfaPolicy is the settings' MFA policy; empty (settings stored before
// the policy existed) is optional.
func (rs RegistrationSettings) mfaPolicy() mfa.Policy {
	if rs.MFAPolicy == "" {
		return mfa.PolicyOptional
	}
	return rs.MFAPolicy
}
