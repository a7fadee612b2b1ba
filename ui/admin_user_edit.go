package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Editing a user in the console: GET /admin/users/{id}/edit shows the
// form, POST /admin/users/{id}/edit saves it through the account rules
// the management API's PATCH /api/v1/users/{id} uses (validated, audited
// as admin.user.update with the changed fields). Fields: login, email,
// email_verified (checkbox), given_name, family_name, company, country,
// locale (selects), role. A bad value comes back as typed, explained.

const (
	adminUserEditTemplate = "admin_user_edit"
	userEditDuplicateKey  = "console2.user_edit.error.duplicate"
	userEditSelfRoleKey   = "console2.user_edit.error.self_role"
	userEditCountryKey    = "console2.user_edit.error.country"
	userEditLocaleKey     = "console2.user_edit.error.locale"
)

// AdminUserEditor changes a user's profile, address and role
// (*account.Registrar); an Admin that provides it gets the edit form.
type AdminUserEditor interface {
	UpdateUserByAdmin(ctx context.Context, userID string, in account.AdminUserUpdate, actorID string, maySetRole bool) (storage.User, error)
}

// userEditFields are the text and select fields of the form, in order.
var userEditFields = []string{account.FieldLogin, account.FieldEmail, account.FieldGivenName, account.FieldFamilyName,
	account.FieldCompany, account.FieldCountry, account.FieldLocale}

// userEditInput is the form as typed.
type userEditInput struct {
	Values        map[string]string
	EmailVerified bool
	Role          string
}

func userEditInputOf(usr storage.User) userEditInput {
	return userEditInput{Values: map[string]string{
		account.FieldLogin: usr.Username, account.FieldEmail: usr.Email, account.FieldGivenName: usr.GivenName,
		account.FieldFamilyName: usr.FamilyName, account.FieldCompany: usr.Company, account.FieldCountry: usr.Country,
		account.FieldLocale: usr.Locale,
	}, EmailVerified: usr.EmailVerified, Role: string(usr.Role)}
}

func userEditInputFrom(form url.Values) userEditInput {
	in := userEditInput{Values: map[string]string{}, EmailVerified: checked(form.Get("email_verified")),
		Role: strings.TrimSpace(truncateUTF8(form.Get("role"), maxKeptValue))}
	for _, name := range userEditFields {
		in.Values[name] = truncateUTF8(form.Get(name), maxKeptValue)
	}
	return in
}

// update is in as the account rules take it: every field is set, the
// role only when it changes (a new role ends the user's sessions).
func (in userEditInput) update(usr storage.User) account.AdminUserUpdate {
	v := func(name string) *string { s := strings.TrimSpace(in.Values[name]); return &s }
	country := strings.ToUpper(*v(account.FieldCountry))
	verified := in.EmailVerified
	up := account.AdminUserUpdate{Username: v(account.FieldLogin), Email: v(account.FieldEmail), EmailVerified: &verified,
		GivenName: v(account.FieldGivenName), FamilyName: v(account.FieldFamilyName), Company: v(account.FieldCompany),
		Country: &country, Locale: v(account.FieldLocale)}
	if role := storage.Role(in.Role); role != usr.Role {
		up.Role = &role
	}
	return up
}

// adminUserEditData is the .Data of the form.
type adminUserEditData struct {
	adminNav
	UserID        string
	Email         string // the stored address, for the heading
	Fields        []formField
	EmailVerified bool
	Roles         []choice
	RoleError     string
}

// HasErrors reports whether the form shows an error.
func (d adminUserEditData) HasErrors() bool {
	if d.Alert != "" || d.RoleError != "" {
		return true
	}
	for _, f := range d.Fields {
		if f.Error != "" {
			return true
		}
	}
	return false
}

// adminUserEditPage serves GET /admin/users/{id}/edit.
func (u *UI) adminUserEditPage(c *gin.Context) {
	usr, ok := u.editableUser(c)
	if !ok {
		return
	}
	u.renderUserEdit(c, http.StatusOK, usr, userEditInputOf(usr), nil, map[string]string{})
}

// editableUser reads the user of the request, writing 404 when the
// console cannot edit users or the user is unknown.
func (u *UI) editableUser(c *gin.Context) (storage.User, bool) {
	if _, ok := u.admin.(AdminUserEditor); !ok {
		u.RenderError(c, http.StatusNotFound)
		return storage.User{}, false
	}
	usr, err := u.admin.User(c.Request.Context(), boundedID(c.Param("id")))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
		return usr, false
	case err != nil:
		u.fail(c, "read user", err)
		return usr, false
	}
	return usr, true
}

// adminUserEditSubmit serves POST /admin/users/{id}/edit (through
// adminUserAction, which owns POST /admin/users/{id}/{action}).
func (u *UI) adminUserEditSubmit(c *gin.Context) {
	usr, ok := u.editableUser(c)
	if !ok {
		return
	}
	lang, in := u.lang(c), userEditInputFrom(c.Request.PostForm)
	own := map[string]string{} // checks of the console's own: country and language codes, own role
	if cc := strings.ToUpper(strings.TrimSpace(in.Values[account.FieldCountry])); cc != "" && !account.ValidCountry(cc) {
		own[account.FieldCountry] = u.bundle.T(lang, userEditCountryKey)
	}
	if l := strings.TrimSpace(in.Values[account.FieldLocale]); l != "" {
		if _, ok := u.bundle.Match(l); !ok {
			own[account.FieldLocale] = u.bundle.T(lang, userEditLocaleKey)
		}
	}
	if usr.ID == adminActor(c) && in.Role != string(usr.Role) {
		own["role"] = u.bundle.T(lang, userEditSelfRoleKey)
	}
	if len(own) > 0 {
		u.renderUserEdit(c, http.StatusUnprocessableEntity, usr, in, nil, own)
		return
	}
	_, err := u.admin.(AdminUserEditor).UpdateUserByAdmin(c.Request.Context(), usr.ID, in.update(usr), adminActor(c), true)
	_, dup := errors.AsType[*account.DuplicateError](err)
	switch {
	case err == nil:
		redirect(c, noticeURL(adminUsersPath+"/"+url.PathEscape(usr.ID), "edited"))
	case dup:
		u.renderUserEdit(c, http.StatusConflict, usr, in, nil, map[string]string{"": u.bundle.T(lang, userEditDuplicateKey)})
	case errors.Is(err, account.ErrInvalid):
		u.renderUserEdit(c, http.StatusUnprocessableEntity, usr, in, err, map[string]string{})
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
	default:
		u.fail(c, "edit user", err)
	}
}

// renderUserEdit shows the form with in, the field errors of err and the
// console's own messages (by field; "" for the form as a whole).
func (u *UI) renderUserEdit(c *gin.Context, status int, usr storage.User, in userEditInput, err error, own map[string]string) {
	lang := u.lang(c)
	d := adminUserEditData{adminNav: adminNav{Nav: "users", Alert: own[""]}, UserID: usr.ID, Email: usr.Email,
		EmailVerified: in.EmailVerified, RoleError: own["role"]}
	for _, name := range userEditFields {
		spec := registerFieldSpecs[name]
		ff := formField{Name: name, Kind: spec.kind, Label: u.bundle.T(lang, spec.label), Value: in.Values[name],
			MaxLength: spec.maxLength, Required: name == account.FieldEmail, Error: own[name]}
		fe := fieldErrorOf(err, name)
		if fe == nil && name == account.FieldLogin {
			fe = fieldErrorOf(err, account.FieldUsername)
		}
		if fe != nil {
			ff.Error = u.bundle.T(lang, fieldErrorKey(name, fe.Reason))
		}
		u.completeField(lang, account.RegistrationSettings{}, &ff)
		ff.Autocomplete = "off"
		d.Fields = append(d.Fields, ff)
	}
	if fieldErrorOf(err, account.FieldRole) != nil {
		d.RoleError = u.bundle.T(lang, fieldInvalidKey)
	}
	for _, r := range []storage.Role{storage.RoleUser, storage.RoleAdmin} {
		d.Roles = append(d.Roles, choice{Value: string(r), Label: u.bundle.T(lang, "console2.role."+string(r)), Checked: in.Role == string(r)})
	}
	u.Render(c, status, adminUserEditTemplate, d)
}

// userEditMessageKeys lists the keys the form builds in Go.
func userEditMessageKeys() []string {
	return []string{userEditDuplicateKey, userEditSelfRoleKey, userEditCountryKey, userEditLocaleKey,
		"console2.role.user", "console2.role.admin", "console2.user_edit.heading"}
}
