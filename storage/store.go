package storage

import "context"

// Page sizes for List methods. A limit of zero or less means DefaultLimit;
// more than MaxLimit is cut to MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Page is one page of a List result. Next is the opaque cursor of the
// following page, empty on the last one.
type Page[T any] struct {
	Items []T
	Next  string
}

// Stores gives access to every entity's store. Both Store (each call in its
// own transaction) and Tx (all calls in one transaction) provide it, so code
// written against Stores runs either way.
type Stores interface {
	Users() UserStore
	Identities() IdentityStore
	Sessions() SessionStore
	Settings() SettingStore
	Audit() AuditStore
	Clients() ClientStore
	AuthRequests() AuthRequestStore
	Tokens() TokenStore
	SigningKeys() SigningKeyStore
	Consents() ConsentStore
	Throttles() ThrottleStore
	Outbox() OutboxStore
	OneTimeTokens() OneTimeTokenStore
	Captchas() CaptchaStore
	FederationFlows() FederationFlowStore
	MFA() MFAStore
	PersonalTokens() PersonalTokenStore
	Devices() DeviceStore
	Groups() GroupStore
	Invitations() InvitationStore
	Passkeys() PasskeyStore
	LogoutDeliveries() LogoutDeliveryStore
	ClientAssertions() ClientAssertionStore
	// Issue 18 items 4 and 6 (PAR, dynamic client registration).
	PushedRequests() PushedRequestStore
	RegistrationTokens() RegistrationTokenStore
	BrandingAssets() BrandingAssetStore
	Leases() LeaseStore
}

// Tx is a transaction in progress. Its stores see and make changes that
// commit or roll back together.
type Tx interface {
	Stores
	// Lock takes the named lock until the transaction ends, waiting while
	// another transaction holds it (on any replica sharing the database).
	Lock(ctx context.Context, name string) error
}

// Store is the database.
type Store interface {
	Stores
	// InTx runs fn in one transaction: committed when fn returns nil, rolled
	// back when it returns an error (returned unchanged) or panics. Inside
	// fn use only tx: the outer Store may wait for the transaction, which
	// waits for fn.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// WithLock is InTx with the named lock taken first. Use it for work
	// that must happen once across replicas, such as creating the first
	// signing key.
	WithLock(ctx context.Context, name string, fn func(tx Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}
