package testserver

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/op"
)

// CreateUser creates an active user with a verified email through the
// account rules, as `gatehouse users create` does, and returns its id.
func (s *Server) CreateUser(t testing.TB, email, password string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svc := account.New(s.Srv.Store(), server.AccountOptions(s.Config, nil))
	u, err := svc.CreateUser(ctx, account.NewUser{Email: email, Password: password, GivenName: "Test", FamilyName: "User"})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u.ID
}

// CreateClient registers a client as `gatehouse clients create` does and
// returns its secret (generated unless cc.Secret is set; "" for public
// clients).
func (s *Server) CreateClient(t testing.TB, cc config.ClientConfig) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !cc.Public && cc.Secret == "" {
		cc.Secret = op.GenerateClientSecret()
	}
	c, secret, err := server.ClientFromConfig(cc)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.RegisterClient(ctx, s.Srv.Store().Clients(), c, secret, false); err != nil {
		t.Fatalf("create client %s: %v", cc.ID, err)
	}
	return secret
}
