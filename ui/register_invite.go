package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Registration through an invitation (issue 16): the letter's link opens
// /register?invitation=TOKEN, a form with the invited address fixed; the
// account is active at once, with the address verified, and joins the
// invitation's groups. Form fields: invitation (hidden), login,
// given_name, family_name, password, password_confirm.

// Invitations is what the invitation form needs (*account.Registrar).
type Invitations interface {
	// Invitation returns the live invitation of token, or an error
	// wrapping access.ErrInvitationInvalid or access.ErrInvitationUsed.
	Invitation(ctx context.Context, token string) (storage.Invitation, error)
	// RegisterInvited creates the invited user (see account).
	RegisterInvited(ctx context.Context, token string, in account.InvitedInput, ip string) (storage.User, error)
}

const (
	invitationParam            = "invitation"
	registerInviteTemplate     = "register_invite"
	registerInviteOnlyTemplate = "register_invite_only"
)

// inviteForm is the .Data of the invitation form.
type inviteForm struct {
	// Problem is "" for the form, else invalid, used or exists: the
	// page explains instead of showing the form.
	Problem    string
	Token      string
	Email      string
	Login      string
	GivenName  string
	FamilyName string
	// Errors holds the translated message of each refused field.
	Errors map[string]string
	Alert  string
}

// HasErrors reports whether the form shows an error.
func (f inviteForm) HasErrors() bool { return len(f.Errors) > 0 || f.Alert != "" }

// invitationHeaders: the page's address holds the token.
func invitationHeaders(c *gin.Context) {
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("Cache-Control", "no-store")
}

func (u *UI) invitationPage(c *gin.Context, token string) {
	invitationHeaders(c)
	inv, err := u.invitations.Invitation(c.Request.Context(), token)
	if problem, ok := u.invitationProblem(c, err); !ok {
		return
	} else if problem != "" {
		u.Render(c, http.StatusGone, registerInviteTemplate, inviteForm{Problem: problem})
		return
	}
	u.Render(c, http.StatusOK, registerInviteTemplate, inviteForm{Token: token, Email: inv.Email})
}

// invitationProblem names what is wrong with an invitation ("" when
// nothing); ok is false after the 500 page.
func (u *UI) invitationProblem(c *gin.Context, err error) (string, bool) {
	switch {
	case err == nil:
		return "", true
	case errors.Is(err, access.ErrInvitationUsed):
		return "used", true
	case errors.Is(err, access.ErrInvitationInvalid):
		return "invalid", true
	case errors.Is(err, account.ErrInvitationAccountExists):
		return "exists", true
	}
	u.fail(c, "invitation", err)
	return "", false
}

func (u *UI) invitationSubmit(c *gin.Context, token string) {
	invitationHeaders(c)
	form := c.Request.PostForm
	keep := func(name string) string { return strings.TrimSpace(truncateUTF8(form.Get(name), maxKeptValue)) }
	in := account.InvitedInput{Login: keep("login"), GivenName: keep("given_name"), FamilyName: keep("family_name"),
		Password: form.Get("password"), PasswordConfirm: form.Get("password_confirm"), Locale: u.lang(c)}
	user, err := u.invitations.RegisterInvited(c.Request.Context(), token, in, c.ClientIP())
	if re, ok := errors.AsType[*account.RegistrationError](err); ok {
		inv, peekErr := u.invitations.Invitation(c.Request.Context(), token)
		if problem, ok := u.invitationProblem(c, peekErr); !ok {
			return
		} else if problem != "" {
			u.Render(c, http.StatusGone, registerInviteTemplate, inviteForm{Problem: problem})
			return
		}
		lang := u.lang(c)
		f := inviteForm{Token: token, Email: inv.Email, Login: in.Login, GivenName: in.GivenName, FamilyName: in.FamilyName,
			Errors: map[string]string{}}
		policy := account.DefaultPasswordPolicy()
		if rs, err := u.registration.Settings(c.Request.Context()); err == nil {
			policy = rs.Password
		}
		for _, fe := range re.Fields {
			f.Errors[fe.Field] = u.fieldMessage(lang, fe, policy)
		}
		u.Render(c, http.StatusUnprocessableEntity, registerInviteTemplate, f)
		return
	}
	if problem, ok := u.invitationProblem(c, err); !ok {
		return
	} else if problem != "" {
		u.Render(c, http.StatusGone, registerInviteTemplate, inviteForm{Problem: problem})
		return
	}
	u.signInRegistered(c, user.ID, nil)
}

// invitationURL is the registration link of an invitation token.
func invitationURL(token string) string {
	return registerPath + "?" + url.Values{invitationParam: {token}}.Encode()
}
