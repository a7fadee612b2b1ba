package ui

import (
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
)

// passwordLive is what the "password_live" partial renders beside a new
// password field: the policy and its messages as data attributes, which
// templates/static/passwords.js reads to check the password while it
// is typed. Without JavaScript nothing shows; the server checks anyway.
type passwordLive struct {
	For, Confirm string // ids of the password input and its confirmation
	Check        string // the server's check (passwordCheckPath)
	Min, Max     string
	Require      string // comma-separated classes
	// Messages, translated: too short, too long, missing class (one per
	// class), mismatch with the confirmation, and all rules met.
	Short, Long, Mismatch, OK string
	Classes                   []liveClass
}

// liveClass is one required character class and its message.
type liveClass struct {
	Name, Message string
}

// Catalog key of the live check's "all rules met" message.
const passwordLiveOKKey = "password.live.ok"

// newPasswordLive builds the live check of policy p in lang.
func (u *UI) newPasswordLive(lang string, p account.PasswordPolicy) *passwordLive {
	p = p.Normalized()
	key := func(r error) string { return fieldErrorKey(account.FieldPassword, r) }
	l := &passwordLive{
		For: account.FieldPassword, Confirm: account.FieldPasswordConfirm, Check: passwordCheckPath,
		Min: strconv.Itoa(p.MinLength), Max: strconv.Itoa(p.MaxLength),
		Require:  strings.Join(p.Require, ","),
		Short:    u.bundle.T(lang, key(account.ErrTooShort), "min", p.MinLength),
		Long:     u.bundle.T(lang, key(account.ErrTooLong), "max", p.MaxLength),
		Mismatch: u.bundle.T(lang, fieldErrorKey(account.FieldPasswordConfirm, account.ErrMismatch)),
		OK:       u.bundle.T(lang, passwordLiveOKKey),
	}
	for _, c := range p.Require {
		msg := u.bundle.T(lang, key(account.ErrMissingClass), "class", u.bundle.T(lang, passwordClassKey(c)))
		l.Classes = append(l.Classes, liveClass{Name: c, Message: msg})
	}
	return l
}
