package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// The device flow's page (RFC 8628): a signed-in user types the code a TV
// or a command-line tool shows, sees the application and what it asks
// for, and approves or denies.

const (
	devicePath      = "/device"
	deviceTemplate  = "device"
	deviceCodeField = "user_code"
	// deviceApprove and deviceDeny are the values of the action button;
	// no action only looks the code up.
	deviceApprove = "approve"
	deviceDeny    = "deny"
)

// Errors of DeviceFlow.Lookup.
var (
	// ErrDeviceCodeUnknown: no pending request has this code.
	ErrDeviceCodeUnknown = errors.New("ui: unknown or expired device code")
	// ErrDeviceCodeUsed: the request was approved or denied already.
	ErrDeviceCodeUsed = errors.New("ui: device code already used")
	// ErrDeviceThrottled: too many wrong codes from this user or address.
	ErrDeviceThrottled = errors.New("ui: too many wrong device codes")
)

// DeviceView is a pending device request as the page shows it.
type DeviceView struct {
	ID         string
	UserCode   string // XXXX-XXXX
	ClientName string
	Scopes     []string
}

// DeviceFlow is what the /device page needs from the provider. The server
// passes an adapter that also throttles wrong codes.
type DeviceFlow interface {
	// Lookup finds the pending request of a typed code for userID, typing
	// from clientIP: ErrDeviceCodeUnknown, ErrDeviceCodeUsed,
	// ErrDeviceThrottled.
	Lookup(ctx context.Context, userID, clientIP, userCode string) (DeviceView, error)
	// Decide records the user's answer; ErrDeviceCodeUsed when it was
	// decided meanwhile, ErrNoAccess or ErrScopeNotAllowed when the user
	// may not approve.
	Decide(ctx context.Context, v DeviceView, approve bool, userID string, authTime time.Time, amr []string) error
}

// deviceData is the .Data of the device page: the code form (Confirm
// false, Done "") or the confirmation (Confirm), or the outcome (Done
// "approved" or "denied").
type deviceData struct {
	UserCode   string
	Error      string
	Confirm    bool
	ClientName string
	Account    string
	Scopes     []scopeLine
	Done       string
	// Switch is the "Not you? Switch account" form (switch_account.go).
	Switch switchAccount
}

// deviceReturnTo is where sign-in sends the browser back to.
func deviceReturnTo(code string) string {
	if code == "" {
		return devicePath
	}
	return devicePath + "?" + url.Values{deviceCodeField: {code}}.Encode()
}

// devicePage serves GET /device[?user_code=...]: the code form, or, with
// a code (verification_uri_complete), the confirmation.
func (u *UI) devicePage(c *gin.Context) {
	code := strings.TrimSpace(truncateUTF8(c.Query(deviceCodeField), maxKeptValue))
	si, ok := u.accountUser(c, deviceReturnTo(code))
	if !ok {
		return
	}
	if code == "" {
		u.Render(c, http.StatusOK, deviceTemplate, deviceData{})
		return
	}
	u.deviceConfirm(c, si, code)
}

// deviceSubmit serves POST /device: user_code alone looks it up; with
// action approve or deny it answers the request.
func (u *UI) deviceSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	form := c.Request.PostForm
	code := strings.TrimSpace(truncateUTF8(form.Get(deviceCodeField), maxKeptValue))
	si, ok := u.accountUser(c, deviceReturnTo(code))
	if !ok {
		return
	}
	action := form.Get(consentActionField)
	if action == "" {
		u.deviceConfirm(c, si, code)
		return
	}
	if action != deviceApprove && action != deviceDeny {
		u.RenderError(c, http.StatusBadRequest)
		return
	}
	ctx := c.Request.Context()
	v, err := u.deviceFlow.Lookup(ctx, si.user.ID, c.ClientIP(), code)
	if err != nil {
		u.deviceProblem(c, code, err)
		return
	}
	err = u.deviceFlow.Decide(ctx, v, action == deviceApprove, si.user.ID, si.session.AuthTime, si.session.AMR)
	if err != nil {
		u.deviceProblem(c, code, err)
		return
	}
	done := "approved"
	if action == deviceDeny {
		done = "denied"
	}
	u.Render(c, http.StatusOK, deviceTemplate, deviceData{Done: done, ClientName: v.ClientName})
}

// deviceConfirm shows the request behind code, or the form with the
// reason it cannot.
func (u *UI) deviceConfirm(c *gin.Context, si *signedIn, code string) {
	if code == "" {
		u.Render(c, http.StatusUnprocessableEntity, deviceTemplate,
			deviceData{Error: u.bundle.T(u.lang(c), "protocol.device.error.empty")})
		return
	}
	v, err := u.deviceFlow.Lookup(c.Request.Context(), si.user.ID, c.ClientIP(), code)
	if err != nil {
		u.deviceProblem(c, code, err)
		return
	}
	u.Render(c, http.StatusOK, deviceTemplate, deviceData{UserCode: v.UserCode, Confirm: true, ClientName: v.ClientName,
		Account: accountName(si), Scopes: u.describeScopes(u.lang(c), v.Scopes),
		Switch: switchAccount{ReturnTo: deviceReturnTo(v.UserCode)}})
}

// deviceProblem shows the code form again with the code as typed and
// what is wrong with it.
func (u *UI) deviceProblem(c *gin.Context, code string, err error) {
	var key string
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, ErrDeviceThrottled):
		key, status = "protocol.device.error.throttled", http.StatusTooManyRequests
	case errors.Is(err, ErrDeviceCodeUnknown):
		key = "protocol.device.error.unknown"
	case errors.Is(err, ErrDeviceCodeUsed):
		key = "protocol.device.error.used"
	case errors.Is(err, ErrNoAccess), errors.Is(err, ErrScopeNotAllowed):
		key, status = "protocol.device.error.no_access", http.StatusForbidden
	default:
		u.fail(c, "device request", err)
		return
	}
	u.Render(c, status, deviceTemplate, deviceData{UserCode: code, Error: u.bundle.T(u.lang(c), key)})
}
