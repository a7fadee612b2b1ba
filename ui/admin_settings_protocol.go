package ui

import (
	"context"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
)

// The OAuth protocol switches of the settings form (issue 18): checkboxes
// require_pushed_authorization_requests and dynamic_client_registration.
// The hidden protocol_settings marker tells a form that has them from an
// older page that does not (which keeps them as they are).
const protocolSettingsMarker = "protocol_settings"

// protocolInput is the protocol part of the settings form as sent.
type protocolInput struct {
	RequirePAR, DynamicRegistration bool
}

func protocolInputOf(ps account.ProtocolSettings) protocolInput {
	return protocolInput{RequirePAR: ps.RequirePAR, DynamicRegistration: ps.DynamicRegistration}
}

func protocolInputFrom(form url.Values) protocolInput {
	return protocolInput{RequirePAR: checked(form.Get("require_pushed_authorization_requests")),
		DynamicRegistration: checked(form.Get("dynamic_client_registration"))}
}

// protocolSettingsPage fills the protocol part of in for the page.
func (u *UI) protocolSettingsPage(c *gin.Context, in *settingsInput) bool {
	ps, err := u.admin.ProtocolSettings(c.Request.Context())
	if err != nil {
		u.fail(c, "read protocol settings", err)
		return false
	}
	in.Protocol = protocolInputOf(ps)
	return true
}

// saveProtocolSettings stores the protocol switches of a submitted form
// when it has them and they changed; in.Protocol shows what is in force.
func (u *UI) saveProtocolSettings(ctx context.Context, form url.Values, in *settingsInput, actor string) error {
	ps, err := u.admin.ProtocolSettings(ctx)
	if err != nil {
		return err
	}
	if form.Get(protocolSettingsMarker) != "1" {
		in.Protocol = protocolInputOf(ps)
		return nil
	}
	next := account.ProtocolSettings{RequirePAR: in.Protocol.RequirePAR, DynamicRegistration: in.Protocol.DynamicRegistration}
	if next == ps {
		return nil
	}
	return u.admin.SaveProtocolSettingsByAdmin(ctx, next, actor)
}
