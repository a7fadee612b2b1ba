package op

import (
	"context"
	"sync/atomic"
)

// Policy holds the instance-wide protocol switches administrators change
// at run time (instance settings, read through SetPolicy's function):
// whether every client must use pushed authorization requests, and
// whether dynamic client registration is open.
type Policy struct {
	// RequirePAR: /authorize accepts requests only through a request_uri
	// from the PAR endpoint, for every client (RFC 9126 §5).
	RequirePAR bool
	// DynamicRegistration serves /oauth/register (RFC 7591) to holders of
	// an initial access token; off, it answers 404 and discovery has no
	// registration_endpoint.
	DynamicRegistration bool
}

// PolicyFunc returns the policy in force (cached by its provider: a
// change reaches every replica within a few seconds).
type PolicyFunc func(ctx context.Context) (Policy, error)

type policyHolder struct{ fn atomic.Pointer[PolicyFunc] }

// SetPolicy sets where the provider reads the instance policy; until it
// is called every switch is off.
func (p *Provider) SetPolicy(fn PolicyFunc) { p.policyFn.fn.Store(&fn) }

// policy returns the policy in force.
func (p *Provider) policy(ctx context.Context) (Policy, error) {
	fn := p.policyFn.fn.Load()
	if fn == nil {
		return Policy{}, nil
	}
	return (*fn)(ctx)
}
