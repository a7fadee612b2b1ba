package op

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/storage"
)

// Back-channel logout (OpenID Connect Back-Channel Logout 1.0). Ending a
// browser session queues, in the same transaction, one delivery per client
// with a backchannel_logout_uri that received tokens in the session (see
// storage.LogoutDelivery). BackchannelWorker, run on every replica, signs a
// logout token for each and POSTs it; failures are retried with backoff
// and given up after MaxAttempts, which is counted and audited.

// Audit event types of back-channel logout.
const (
	EventBackchannelSent      = "oidc.backchannel_logout.sent"
	EventBackchannelAbandoned = "oidc.backchannel_logout.abandoned"
)

// backchannelEvent is the events claim member of a logout token.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// Outcomes passed to BackchannelOptions.Count.
const (
	BackchannelSent      = "sent"
	BackchannelFailed    = "failed"
	BackchannelAbandoned = "abandoned"
)

// BackchannelStore is what the worker needs; storage.Store has it.
type BackchannelStore interface {
	LogoutDeliveries() storage.LogoutDeliveryStore
	Clients() storage.ClientStore
	Audit() storage.AuditStore
}

// BackchannelOptions tune the worker; zero values take the defaults.
type BackchannelOptions struct {
	PollInterval time.Duration // how often to look for due deliveries (1s)
	RetryBase    time.Duration // the first retry delay (2s), doubled per failure
	RetryMax     time.Duration // the longest retry delay (1h)
	MaxAttempts  int           // attempts before giving up (15)
	Timeout      time.Duration // one POST (10s)
	// Count, if set, is told each outcome (BackchannelSent, ...): the
	// server counts them in a metric.
	Count func(outcome string)
	// HTTPClient sends the POSTs; nil: a client that follows no redirects.
	HTTPClient *http.Client
}

func (o BackchannelOptions) withDefaults() BackchannelOptions {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 2 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 15
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Count == nil {
		o.Count = func(string) {}
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return o
}

const (
	backchannelLease = time.Minute
	backchannelBatch = 20
	logoutTokenTTL   = 2 * time.Minute
)

// RunBackchannel delivers due logout tokens until ctx ends. Call Kick
// after ending a session for the first try at once (the poll finds it
// otherwise).
func (p *Provider) RunBackchannel(ctx context.Context, store BackchannelStore, o BackchannelOptions) {
	o = o.withDefaults()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-p.kick:
		}
		list, err := store.LogoutDeliveries().ClaimDue(ctx, time.Now(), backchannelLease, backchannelBatch)
		if err != nil && ctx.Err() == nil {
			p.log.WarnContext(ctx, "logout deliveries unavailable", slog.Any("error", err))
		}
		for _, d := range list {
			if ctx.Err() != nil {
				return
			}
			p.deliverLogout(ctx, store, o, d)
		}
		if len(list) == backchannelBatch {
			timer.Reset(0)
		} else {
			timer.Reset(o.PollInterval)
		}
	}
}

// KickBackchannel wakes the worker of this replica so that logouts just
// queued are sent at once.
func (p *Provider) KickBackchannel() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// deliverLogout sends one logout token and records the outcome.
func (p *Provider) deliverLogout(ctx context.Context, store BackchannelStore, o BackchannelOptions, d storage.LogoutDelivery) {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	c, err := store.Clients().ByID(ctx, d.ClientID)
	if err == nil && c.BackchannelLogoutURI == "" {
		err = errors.New("the client no longer has a back-channel logout URI")
	}
	if err == nil {
		err = p.postLogoutToken(ctx, o, c, d)
	}
	if err != nil && ctx.Err() != nil {
		return // shutting down: the lease runs out and a worker tries again
	}
	if err == nil {
		o.Count(BackchannelSent)
		if err := store.LogoutDeliveries().MarkSent(mctx, d.ID, time.Now()); err != nil {
			p.log.ErrorContext(ctx, "logout token sent but not marked as sent", slog.String("id", d.ID), slog.Any("error", err))
		}
		p.auditLogout(mctx, store, EventBackchannelSent, d, "")
		return
	}
	o.Count(BackchannelFailed)
	attempt := d.Attempts + 1
	abandon := attempt >= o.MaxAttempts
	now := time.Now()
	wait := backoff(o, attempt)
	msg := shortError(err)
	if err := store.LogoutDeliveries().MarkFailed(mctx, d.ID, now, now.Add(wait), msg, abandon); err != nil {
		p.log.ErrorContext(ctx, "logout token not delivered, and the failure not recorded", slog.String("id", d.ID), slog.Any("error", err))
		return
	}
	if abandon {
		o.Count(BackchannelAbandoned)
		p.log.ErrorContext(ctx, "logout token abandoned", slog.String("id", d.ID), slog.String("client_id", d.ClientID), slog.String("error", msg))
		p.auditLogout(mctx, store, EventBackchannelAbandoned, d, msg)
		return
	}
	p.log.WarnContext(ctx, "logout token not delivered; will retry", slog.String("id", d.ID),
		slog.String("client_id", d.ClientID), slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.String("error", msg))
}

func (p *Provider) auditLogout(ctx context.Context, store BackchannelStore, typ string, d storage.LogoutDelivery, cause string) {
	details := map[string]string{"client_id": d.ClientID, "session_id": d.SessionID, "delivery_id": d.ID}
	if cause != "" {
		details["error"] = cause
	}
	if err := store.Audit().Append(ctx, &storage.AuditEvent{Type: typ, UserID: d.UserID, Details: details}); err != nil {
		p.log.ErrorContext(ctx, "audit logout delivery", slog.Any("error", err))
	}
}

// postLogoutToken signs the logout token and POSTs it as logout_token.
func (p *Provider) postLogoutToken(ctx context.Context, o BackchannelOptions, c storage.Client, d storage.LogoutDelivery) error {
	token, err := p.LogoutToken(ctx, c.ID, d.UserID, d.SessionID, d.ID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("back-channel logout request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := o.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("back-channel logout POST: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("back-channel logout POST: status %d", resp.StatusCode)
	}
	return nil
}

// LogoutToken signs a logout token for the client (aud) about sub's
// session sid, with jti, using the active signing key; header typ
// logout+jwt; no nonce.
func (p *Provider) LogoutToken(ctx context.Context, clientID, sub, sid, jti string) (string, error) {
	st, err := p.st.keys.current(ctx)
	if err != nil {
		return "", fmt.Errorf("op: logout token: %w", err)
	}
	if st.active == nil {
		return "", errNoActiveKey
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: st.active.alg, Key: st.active.key},
		(&jose.SignerOptions{}).WithType("logout+jwt").WithHeader(jose.HeaderKey("kid"), st.active.id))
	if err != nil {
		return "", fmt.Errorf("op: logout token signer: %w", err)
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.opts.Issuer, "aud": clientID, "iat": now.Unix(), "exp": now.Add(logoutTokenTTL).Unix(),
		"jti": jti, "sub": sub, "sid": sid, "events": map[string]any{backchannelEvent: map[string]any{}},
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("op: logout token claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("op: sign logout token: %w", err)
	}
	return jws.CompactSerialize()
}

// backoff is the wait after the attempt-th failure: RetryBase doubled per
// earlier failure (so the first retries fall within the first minute),
// capped at RetryMax, spread by ±20%.
func backoff(o BackchannelOptions, attempt int) time.Duration {
	d := o.RetryBase
	for i := 1; i < attempt && d < o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, o.RetryMax)
	spread := int64(d) * 2 / 5
	if spread <= 0 {
		return d
	}
	return d - time.Duration(spread/2) + time.Duration(rand.Int64N(spread+1))
}

// shortError is err on one line, at most 300 bytes.
func shortError(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "")
	}
	return s
}
