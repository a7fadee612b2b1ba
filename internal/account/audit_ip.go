package account

import "context"

type clientIPKey struct{}

// WithClientIP returns ctx carrying the IP address of the request that
// acts; audit events written under it without an IP of their own record
// it. The management API and the admin console set it, so every
// administrator's change names where it came from.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// clientIP is the IP WithClientIP put in ctx, or "".
func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// ClientIPOf is the IP WithClientIP put in ctx, or "".
func ClientIPOf(ctx context.Context) string { return clientIP(ctx) }
