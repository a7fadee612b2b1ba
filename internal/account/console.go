package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/useragent"
	"github.com/gatehouse/gatehouse/storage"
)

// Audit event types of the account console.
const (
	EventSessionEnded       = "session.ended"        // the user ended one of their sessions
	EventSessionsEndedOther = "session.ended_others" // the user ended every other session
	EventAppAccessRemoved   = "app.access_removed"   // the user removed an application's access
	EventNewDevice          = "signin.new_device"    // a sign-in from a browser not used before
	EventAccountExported    = "user.exported"        // the user downloaded their data
	EventAccountSelfDeleted = "user.self_deleted"    // the user deleted their own account
)

// Letters of the account console.
const (
	LetterNewSignIn = "new_signin" // Data: Browser, IP, Time, Link
	LetterGoodbye   = "goodbye"    // Data: Name
)

// PathSessions is the session list (package ui serves it).
const PathSessions = "/account/sessions"

// Console errors. Test them with errors.Is.
var (
	// ErrSelfDeleteDisabled: the instance setting account.self_delete
	// forbids users to delete their own account.
	ErrSelfDeleteDisabled = errors.New("account: deleting one's own account is disabled")
	// ErrNoAccess: the user has neither consent nor tokens for the client.
	ErrNoAccess = errors.New("account: the application has no access")
)

// FieldConfirmLogin is the deletion form's field where the user types
// their login.
const FieldConfirmLogin = "confirm_login"

type userAgentKey struct{}

// WithUserAgent returns ctx carrying the request's User-Agent; audit
// events written under it name the browser ("Firefox on Linux") in their
// details, so the user's activity page can show it.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

// browserOf is the browser WithUserAgent put in ctx, in plain words.
func browserOf(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return useragent.Parse(ua).String()
}

// withBrowser adds the browser of ctx to an event's details.
func withBrowser(ctx context.Context, e *storage.AuditEvent) {
	b := browserOf(ctx)
	if b == "" {
		return
	}
	if _, set := e.Details["browser"]; set {
		return
	}
	d := make(map[string]string, len(e.Details)+1)
	for k, v := range e.Details {
		d[k] = v
	}
	d["browser"] = b
	e.Details = d
}

// EndOwnSession ends the user's session sessionID (and the tokens issued
// in it), as the session list does. ErrNoSession when the user has no such
// live session.
func (r *Registrar) EndOwnSession(ctx context.Context, userID, sessionID, ip string) error {
	list, err := r.svc.ListSessions(ctx, userID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(bs storage.BrowserSession) bool { return bs.ID == sessionID }) {
		return ErrNoSession
	}
	return r.inTx(ctx, func(tx txStores) error {
		if err := tx.Sessions().Delete(ctx, sessionID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("account: end session: %w", err)
		}
		if err := tx.Tokens().RevokeBySession(ctx, sessionID, r.svc.now()); err != nil {
			return fmt.Errorf("account: revoke the session's tokens: %w", err)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventSessionEnded, ActorID: userID, UserID: userID, IP: ip,
			Details: map[string]string{"session_id": sessionID}})
	})
}

// EndOtherOwnSessions ends every session of the user but keepID and
// returns how many it ended.
func (r *Registrar) EndOtherOwnSessions(ctx context.Context, userID, keepID, ip string) (int64, error) {
	var n int64
	err := r.inTx(ctx, func(tx txStores) error {
		list, err := tx.Sessions().ListByUser(ctx, userID, r.svc.now())
		if err != nil {
			return fmt.Errorf("account: list sessions: %w", err)
		}
		for _, bs := range list {
			if bs.ID == keepID {
				continue
			}
			if err := tx.Tokens().RevokeBySession(ctx, bs.ID, r.svc.now()); err != nil {
				return fmt.Errorf("account: revoke the session's tokens: %w", err)
			}
		}
		if n, err = tx.Sessions().DeleteByUser(ctx, userID, keepID); err != nil {
			return fmt.Errorf("account: end other sessions: %w", err)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventSessionsEndedOther, ActorID: userID, UserID: userID, IP: ip,
			Details: map[string]string{"count": strconv.FormatInt(n, 10)}})
	})
	return n, err
}

// ConnectedApp is an application that holds the user's consent or live
// refresh tokens.
type ConnectedApp struct {
	ClientID string
	Name     string // the client's name, or its id
	Scopes   []string
	// GrantedAt is when the user last consented; zero without consent
	// (first-party applications ask none).
	GrantedAt time.Time
	// RefreshTokens counts the live refresh tokens; LastIssued is the
	// newest one's creation.
	RefreshTokens int
	LastIssued    time.Time
	// HomePage is where the user goes to use the application
	// (storage.Client.HomePage); empty when it has no web page.
	HomePage string
}

// ConnectedApps lists the applications the user consented to or holds
// refresh tokens for, most recent first.
func (r *Registrar) ConnectedApps(ctx context.Context, userID string) ([]ConnectedApp, error) {
	var apps []ConnectedApp
	err := r.store.InTx(ctx, func(tx storage.Tx) error {
		var err error
		apps, err = connectedApps(ctx, tx, userID, r.svc.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("account: connected apps: %w", err)
	}
	return apps, nil
}

func connectedApps(ctx context.Context, tx storage.Tx, userID string, now time.Time) ([]ConnectedApp, error) {
	consents, err := tx.Consents().ListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	refresh, err := tx.Tokens().ListRefreshByUser(ctx, userID, now)
	if err != nil {
		return nil, err
	}
	byID := map[string]*ConnectedApp{}
	var order []string
	app := func(clientID string) *ConnectedApp {
		if a, ok := byID[clientID]; ok {
			return a
		}
		byID[clientID] = &ConnectedApp{ClientID: clientID, Name: clientID}
		order = append(order, clientID)
		return byID[clientID]
	}
	for _, c := range consents {
		a := app(c.ClientID)
		a.Scopes, a.GrantedAt = mergeScopes(a.Scopes, c.Scopes), c.GrantedAt
	}
	for _, t := range refresh {
		a := app(t.ClientID)
		a.RefreshTokens++
		a.Scopes = mergeScopes(a.Scopes, t.Scopes)
		if t.CreatedAt.After(a.LastIssued) {
			a.LastIssued = t.CreatedAt
		}
	}
	out := make([]ConnectedApp, 0, len(order))
	for _, id := range order {
		a := byID[id]
		if c, err := tx.Clients().ByID(ctx, id); err == nil {
			if c.Name != "" {
				a.Name = c.Name
			}
			a.HomePage = c.HomePage()
		}
		out = append(out, *a)
	}
	slices.SortStableFunc(out, func(a, b ConnectedApp) int { return latest(b).Compare(latest(a)) })
	return out, nil
}

func latest(a ConnectedApp) time.Time {
	if a.LastIssued.After(a.GrantedAt) {
		return a.LastIssued
	}
	return a.GrantedAt
}

func mergeScopes(have, add []string) []string {
	out := slices.Clone(have)
	for _, sc := range add {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// RemoveAppAccess deletes the user's consent for the client and revokes
// every token the client holds for the user, at once on every replica.
// ErrNoAccess when the application had none.
func (r *Registrar) RemoveAppAccess(ctx context.Context, userID, clientID, ip string) error {
	return r.store.InTx(ctx, func(tx storage.Tx) error {
		apps, err := connectedApps(ctx, tx, userID, r.svc.now())
		if err != nil {
			return fmt.Errorf("account: connected apps: %w", err)
		}
		if !slices.ContainsFunc(apps, func(a ConnectedApp) bool { return a.ClientID == clientID }) {
			return ErrNoAccess
		}
		if err := tx.Consents().Revoke(ctx, userID, clientID); err != nil {
			return fmt.Errorf("account: remove consent: %w", err)
		}
		if err := tx.Tokens().RevokeByUserClient(ctx, userID, clientID, r.svc.now()); err != nil {
			return fmt.Errorf("account: revoke the application's tokens: %w", err)
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAppAccessRemoved, ActorID: userID, UserID: userID, IP: ip,
			Details: map[string]string{"client_id": clientID}})
	})
}

// Activity returns a page of the user's own audit events, newest first.
func (r *Registrar) Activity(ctx context.Context, userID, cursor string, limit int) (storage.Page[storage.AuditEvent], error) {
	return r.AuditEvents(ctx, storage.AuditFilter{UserID: userID, Cursor: cursor, Limit: limit})
}

// Device cookie secrets: 32 random bytes, base64url.
const deviceSecretLen = 43

// NoteSignIn records the browser (its device cookie secret; a new one is
// made when it has none) the user just signed in with, and returns the
// secret to keep in the cookie. A browser the account has not used before,
// when the account has used others, is audited and, with the instance
// setting notify.new_device, announced by a "new sign-in" letter.
func (r *Registrar) NoteSignIn(ctx context.Context, userID, deviceSecret, userAgent, ip string) (string, error) {
	if len(deviceSecret) != deviceSecretLen {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		deviceSecret = base64.RawURLEncoding.EncodeToString(b)
	}
	cs, err := r.ConsoleSettings(ctx)
	if err != nil {
		return "", err
	}
	now := r.svc.now()
	err = r.inTx(ctx, func(tx txStores) error {
		known, others, err := tx.Devices().Remember(ctx, userID, hashSecret(deviceSecret), now)
		if err != nil || known || others == 0 {
			return err
		}
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user: %w", err)
		}
		browser := useragent.Parse(userAgent).String()
		if err := r.audit(ctx, tx, storage.AuditEvent{Type: EventNewDevice, ActorID: userID, UserID: userID, IP: ip,
			Details: map[string]string{"browser": browser}}); err != nil {
			return err
		}
		if !cs.NotifyNewDevice {
			return nil
		}
		return r.send(ctx, tx, u, LetterNewSignIn, map[string]any{
			"Browser": browser, "IP": ip, "Time": now.UTC().Format("2006-01-02 15:04 UTC"),
			"Link": r.mailer.Link(PathSessions, nil),
		})
	})
	if err != nil {
		return "", fmt.Errorf("account: note sign-in: %w", err)
	}
	r.kick()
	return deviceSecret, nil
}

// OwnSessions returns the user's live sessions, most recently seen first.
func (r *Registrar) OwnSessions(ctx context.Context, userID string) ([]storage.BrowserSession, error) {
	return r.svc.ListSessions(ctx, userID)
}
