package account

import "errors"

// ErrFederatedSignupIncomplete: an unknown upstream identity would create
// a user, but the browser has not solved the registration captcha or not
// given the registration fields the instance requires that the upstream
// did not supply (FederatedSignupSettings). Nothing was written; hold the
// identity and ask (internal/federation does).
var ErrFederatedSignupIncomplete = errors.New("account: a sign-up through a provider needs the captcha and the registration fields first")

// captchaNone is the captcha provider setting that turns the captcha off.
const captchaNone = "none"

// FederatedSignup is what the person gave on the page that completes a
// sign-up through a provider, after its captcha. Only the fields of
// FederatedSignupSettings are used.
type FederatedSignup struct {
	GivenName   string
	FamilyName  string
	Company     string
	Country     string
	AcceptTerms bool
}

// neverAsked are the registration fields a sign-up through a provider does
// not ask for: the address is the upstream's, there is no password (nor a
// login, which is what one types with a password: the user signs in
// through the provider), and the locale is the page's language.
var neverAsked = []string{FieldLogin, FieldEmail, FieldPassword, FieldPasswordConfirm, FieldLocale}

// FederatedSignupSettings narrows rs to the registration fields a person
// must fill in before the upstream identity id creates a user: the ones
// the instance requires (not optional) that the upstream did not supply.
// Check the person's answers with CheckRegistration against it.
func FederatedSignupSettings(rs RegistrationSettings, id FederatedIdentity) RegistrationSettings {
	var fields []RegistrationField
	for _, f := range rs.Fields {
		switch {
		case f.Optional, contains(neverAsked, f.Name):
		case f.Name == FieldGivenName && trimBlanks(id.GivenName) != "":
		case f.Name == FieldFamilyName && trimBlanks(id.FamilyName) != "":
		default:
			fields = append(fields, f)
		}
	}
	rs.Fields = fields
	return rs
}

// FederatedSignupReady reports whether id may create a user at once: the
// captcha was solved (or is off) and the upstream supplied every required
// field.
func FederatedSignupReady(rs RegistrationSettings, id FederatedIdentity) bool {
	captchaDone := id.CaptchaSolved || rs.CaptchaProvider == captchaNone
	return captchaDone && len(FederatedSignupSettings(rs, id).Fields) == 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// federatedProfile is the profile of the user id creates: the upstream's
// names, completed by what the person gave (checked again here), or
// ErrFederatedSignupIncomplete before that.
func (r *Registrar) federatedProfile(rs RegistrationSettings, id FederatedIdentity) (RegistrationInput, error) {
	upstream := RegistrationInput{GivenName: trimBlanks(id.GivenName), FamilyName: trimBlanks(id.FamilyName)}
	if id.Signup == nil {
		if !FederatedSignupReady(rs, id) {
			return RegistrationInput{}, ErrFederatedSignupIncomplete
		}
		return upstream, nil
	}
	need := FederatedSignupSettings(rs, id)
	s := id.Signup
	in := RegistrationInput{GivenName: s.GivenName, FamilyName: s.FamilyName,
		Company: s.Company, Country: s.Country, AcceptTerms: s.AcceptTerms}
	if err := CheckRegistration(need, in, r.languages); err != nil {
		return RegistrationInput{}, err
	}
	in = in.normalized(need)
	if upstream.GivenName != "" {
		in.GivenName = upstream.GivenName
	}
	if upstream.FamilyName != "" {
		in.FamilyName = upstream.FamilyName
	}
	return in, nil
}
