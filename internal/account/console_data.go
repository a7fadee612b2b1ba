package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/useragent"
	"github.com/gatehouse/gatehouse/storage"
)

// ReauthWindow: exporting, deleting the account and creating a token need
// a sign-in (password entered) within this long.
const ReauthWindow = 5 * time.Minute

// AccountExport is the user's data as GET /account/export serves it. It
// never holds a secret or a hash: no password hash, no session or token
// hash, no token text.
type AccountExport struct {
	ExportedAt    time.Time          `json:"exported_at"`
	Profile       ExportProfile      `json:"profile"`
	Identities    []ExportIdentity   `json:"identities"`
	Sessions      []ExportSession    `json:"sessions"`
	ConnectedApps []ExportApp        `json:"connected_apps"`
	Tokens        []ExportToken      `json:"personal_tokens"`
	Activity      []ExportAuditEvent `json:"activity"`
}

// ExportProfile is the user's profile.
type ExportProfile struct {
	ID            string    `json:"id"`
	Username      string    `json:"username,omitempty"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	GivenName     string    `json:"given_name,omitempty"`
	FamilyName    string    `json:"family_name,omitempty"`
	Company       string    `json:"company,omitempty"`
	Country       string    `json:"country,omitempty"`
	Locale        string    `json:"locale,omitempty"`
	Role          string    `json:"role"`
	State         string    `json:"state"`
	HasPassword   bool      `json:"has_password"`
	TermsAccepted string    `json:"terms_accepted_at,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// ExportIdentity is a linked sign-in method.
type ExportIdentity struct {
	Provider   string     `json:"provider"`
	Subject    string     `json:"subject"`
	Email      string     `json:"email,omitempty"`
	LinkedAt   time.Time  `json:"linked_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// ExportSession is a browser session.
type ExportSession struct {
	Browser    string    `json:"browser"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	StartedAt  time.Time `json:"started_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// ExportApp is a connected application.
type ExportApp struct {
	ClientID      string     `json:"client_id"`
	Name          string     `json:"name"`
	Scopes        []string   `json:"scopes"`
	ConsentedAt   *time.Time `json:"consented_at,omitempty"`
	RefreshTokens int        `json:"refresh_tokens"`
}

// ExportToken is a personal token's metadata (never the token).
type ExportToken struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	LastUsedIP string     `json:"last_used_ip,omitempty"`
}

// ExportAuditEvent is one event of the user's activity.
type ExportAuditEvent struct {
	Time    time.Time         `json:"time"`
	Type    string            `json:"type"`
	IP      string            `json:"ip,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// maxExportEvents bounds the activity in an export.
const maxExportEvents = 5000

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ExportAccount gathers the user's data and audits the download.
func (r *Registrar) ExportAccount(ctx context.Context, userID, ip string) (AccountExport, error) {
	now := r.svc.now()
	ex := AccountExport{ExportedAt: now.UTC()}
	err := r.store.InTx(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return err
		}
		ex.Profile = ExportProfile{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified,
			GivenName: u.GivenName, FamilyName: u.FamilyName, Company: u.Company, Country: u.Country, Locale: u.Locale,
			Role: string(u.Role), State: string(u.State), HasPassword: u.PasswordHash != "", CreatedAt: u.CreatedAt}
		if !u.TermsAcceptedAt.IsZero() {
			ex.Profile.TermsAccepted = u.TermsAcceptedAt.UTC().Format(time.RFC3339)
		}
		ids, err := tx.Identities().ListByUser(ctx, userID)
		if err != nil {
			return err
		}
		ex.Identities = []ExportIdentity{}
		for _, id := range ids {
			ex.Identities = append(ex.Identities, ExportIdentity{Provider: id.Provider, Subject: id.Subject, Email: id.Email,
				LinkedAt: id.CreatedAt, LastUsedAt: timePtr(id.LastUsedAt)})
		}
		sessions, err := tx.Sessions().ListByUser(ctx, userID, now)
		if err != nil {
			return err
		}
		ex.Sessions = []ExportSession{}
		for _, bs := range sessions {
			ex.Sessions = append(ex.Sessions, ExportSession{Browser: useragent.Parse(bs.UserAgent).String(), UserAgent: bs.UserAgent,
				IP: bs.IP, StartedAt: bs.CreatedAt, LastSeenAt: bs.LastSeenAt, ExpiresAt: bs.ExpiresAt})
		}
		apps, err := connectedApps(ctx, tx, userID, now)
		if err != nil {
			return err
		}
		ex.ConnectedApps = []ExportApp{}
		for _, a := range apps {
			ex.ConnectedApps = append(ex.ConnectedApps, ExportApp{ClientID: a.ClientID, Name: a.Name, Scopes: a.Scopes,
				ConsentedAt: timePtr(a.GrantedAt), RefreshTokens: a.RefreshTokens})
		}
		toks, err := tx.PersonalTokens().ListByUser(ctx, userID)
		if err != nil {
			return err
		}
		ex.Tokens = []ExportToken{}
		for _, t := range toks {
			ex.Tokens = append(ex.Tokens, ExportToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt,
				ExpiresAt: t.ExpiresAt, LastUsedAt: timePtr(t.LastUsedAt), LastUsedIP: t.LastUsedIP})
		}
		ex.Activity = []ExportAuditEvent{}
		f := storage.AuditFilter{UserID: userID, Limit: storage.MaxLimit}
		for len(ex.Activity) < maxExportEvents {
			page, err := tx.Audit().List(ctx, f)
			if err != nil {
				return err
			}
			for _, e := range page.Items {
				ex.Activity = append(ex.Activity, ExportAuditEvent{Time: e.Time, Type: e.Type, IP: e.IP, Details: e.Details})
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		return r.audit(ctx, tx, storage.AuditEvent{Type: EventAccountExported, ActorID: userID, UserID: userID, IP: ip})
	})
	if err != nil {
		return AccountExport{}, fmt.Errorf("account: export: %w", err)
	}
	return ex, nil
}

// ErrAdminSelfDelete: an administrator's account is deleted by another
// administrator, never by itself (the instance must not lose its last
// administrator by accident).
var ErrAdminSelfDelete = errors.New("account: an administrator cannot delete their own account")

// DeleteOwnAccount deletes the user at their own request: confirmLogin
// must be their login or email address (a *FieldError on
// FieldConfirmLogin otherwise). In one transaction it ends every session
// and token, deletes the user with their identities, consents, personal
// tokens and known devices, strips the personal data from the audit
// events about them (which stay) and queues a goodbye letter. The login
// and address are free to register again at once. ErrSelfDeleteDisabled
// when the instance forbids it; ErrAdminSelfDelete for an administrator.
// The caller checks the recent sign-in.
func (r *Registrar) DeleteOwnAccount(ctx context.Context, userID, confirmLogin string) error {
	cs, err := r.ConsoleSettings(ctx)
	if err != nil {
		return err
	}
	if !cs.SelfDelete {
		return ErrSelfDeleteDisabled
	}
	err = r.store.InTx(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().ByID(ctx, userID)
		if err != nil {
			return fmt.Errorf("account: read user %s: %w", userID, err)
		}
		if u.Role == storage.RoleAdmin {
			return ErrAdminSelfDelete
		}
		typed := storage.FoldCase(strings.TrimSpace(confirmLogin))
		if typed == "" || (typed != storage.FoldCase(u.Username) && typed != storage.FoldCase(u.Email)) {
			return fieldError(FieldConfirmLogin, ErrSyntax, "type your login or email address")
		}
		if err := r.endEverything(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if err := r.send(ctx, tx, u, LetterGoodbye, nil); err != nil {
			return err
		}
		if err := tx.Users().Delete(ctx, u.ID); err != nil {
			return fmt.Errorf("account: delete user %s: %w", userID, err)
		}
		if err := tx.Audit().Anonymize(ctx, u.ID); err != nil {
			return fmt.Errorf("account: anonymize audit events: %w", err)
		}
		e := storage.AuditEvent{Type: EventAccountSelfDeleted, ActorID: u.ID, UserID: u.ID, Time: r.svc.now()}
		if err := tx.Audit().Append(ctx, &e); err != nil {
			return fmt.Errorf("account: audit %s: %w", e.Type, err)
		}
		return nil
	})
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return fe
		}
		return err
	}
	r.kick()
	return nil
}
