package server

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/ui"
)

// The device flow's page (RFC 8628) over the provider, with wrong user
// codes throttled per user and per address like sign-in failures
// (internal/account/throttle.go): a user code has 20^8 values, but
// guessing one that someone else's device shows must stay out of reach.

// Throttle keys and limits of wrong user codes.
const (
	deviceKeyUser      = "device:user:" // + user id
	deviceKeyIP        = "device:ip:"   // + address, or IPv6 /64 prefix
	deviceCodeLimit    = 5              // wrong codes in deviceCodeWindow, then refused
	deviceCodeWindow   = 15 * time.Minute
	deviceAuditApprove = "device.approved"
	deviceAuditDeny    = "device.denied"
)

// deviceFlow adapts the provider to ui.DeviceFlow.
type deviceFlow struct {
	p         *op.Provider
	throttles storage.ThrottleStore
	audit     storage.AuditStore
	now       func() time.Time
}

func deviceIPKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		if len(ip) > 64 {
			ip = ip[:64]
		}
		return deviceKeyIP + ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		return deviceKeyIP + netip.PrefixFrom(addr, 64).Masked().String()
	}
	return deviceKeyIP + addr.String()
}

func (d deviceFlow) Lookup(ctx context.Context, userID, clientIP, userCode string) (ui.DeviceView, error) {
	keys := []string{deviceKeyUser + userID, deviceIPKey(clientIP)}
	now := d.now()
	for _, k := range keys {
		n, err := d.throttles.Count(ctx, k, now, deviceCodeWindow)
		if err != nil {
			return ui.DeviceView{}, fmt.Errorf("device throttle: %w", err)
		}
		if n >= deviceCodeLimit {
			return ui.DeviceView{}, ui.ErrDeviceThrottled
		}
	}
	r, err := d.p.DeviceRequest(ctx, userCode)
	switch {
	case errors.Is(err, op.ErrUserCodeUnknown):
		for _, k := range keys {
			if _, err := d.throttles.Hit(ctx, k, now, deviceCodeWindow); err != nil {
				return ui.DeviceView{}, fmt.Errorf("device throttle: %w", err)
			}
		}
		return ui.DeviceView{}, fmt.Errorf("%w: %w", ui.ErrDeviceCodeUnknown, err)
	case errors.Is(err, op.ErrUserCodeUsed):
		return ui.DeviceView{}, fmt.Errorf("%w: %w", ui.ErrDeviceCodeUsed, err)
	case err != nil:
		return ui.DeviceView{}, err
	}
	name := r.Client.Name
	if name == "" {
		name = r.Client.ID
	}
	return ui.DeviceView{ID: r.ID, UserCode: op.FormatUserCode(userCode), ClientName: name, Scopes: r.Scopes}, nil
}

func (d deviceFlow) Decide(ctx context.Context, v ui.DeviceView, approve bool, userID string, authTime time.Time, amr []string) error {
	r, err := d.p.DeviceRequest(ctx, v.UserCode)
	if err != nil {
		return fmt.Errorf("%w: %w", ui.ErrDeviceCodeUsed, err)
	}
	err = d.p.DecideDevice(ctx, r, approve, userID, authTime, amr)
	switch {
	case errors.Is(err, op.ErrUserCodeUsed):
		return fmt.Errorf("%w: %w", ui.ErrDeviceCodeUsed, err)
	case errors.Is(err, op.ErrNoAccess):
		return fmt.Errorf("%w: %w", ui.ErrNoAccess, err)
	case errors.Is(err, op.ErrScopeNotAllowed):
		return fmt.Errorf("%w: %w", ui.ErrScopeNotAllowed, err)
	case err != nil:
		return err
	}
	typ := deviceAuditDeny
	if approve {
		typ = deviceAuditApprove
	}
	e := &storage.AuditEvent{Time: d.now(), Type: typ, UserID: userID, Details: map[string]string{"client_id": r.Client.ID}}
	if err := d.audit.Append(ctx, e); err != nil {
		return fmt.Errorf("audit device decision: %w", err)
	}
	return nil
}
