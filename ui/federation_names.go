package ui

import "strings"

// providerName is the display name of the configured provider id, or the
// id itself when it is no longer configured (an identity linked through
// a provider since removed).
func (u *UI) providerName(id string) string {
	if p := u.provider(id); p != nil {
		return p.Name()
	}
	return id
}

// providerNamesOrKey joins the last two provider names.
const providerNamesOrKey = "federation.names.or"

// providerNames lists the configured providers' names as a sentence in
// lang: "GitHub", "GitHub or Google", "GitHub, Google or GitLab".
func (u *UI) providerNames(lang string) string {
	var names []string
	for _, p := range u.providers() {
		names = append(names, p.Name())
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + u.bundle.T(lang, providerNamesOrKey) + names[len(names)-1]
}
