package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func clientsCommand() *command {
	return &command{name: "clients", summary: "manage the applications that sign users in through Gatehouse", sub: []*command{
		{name: "create", summary: "register a client; prints JSON with client_id and, when generated, client_secret", run: runClientsCreate, flags: clientsCreateFlags},
		{name: "list", summary: "list clients", run: runClientsList},
		{name: "show", args: "ID", summary: "print one client as JSON", run: runClientsShow},
		{name: "delete", args: "ID", summary: "delete a client with its tokens and consents", run: runClientsDelete},
	}}
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type clientsCreateOptions struct {
	cc         config.ClientConfig
	grantTypes string
	scopes     string
	redirects  listFlag
	postLogout listFlag
	// allowedGroups is --allowed-groups (issue 16).
	allowedGroups string
	jwks          string // --jwks, JSON or @FILE (issue 18)
}

func clientsCreateFlags(fs *flag.FlagSet) any {
	o := &clientsCreateOptions{}
	fs.StringVar(&o.cc.ID, "id", "", "client `id` (required)")
	fs.StringVar(&o.cc.Secret, "secret", "", "client `secret` of at least 32 characters (default: one is generated and printed)")
	fs.BoolVar(&o.cc.Public, "public", false, "a public client (native or single-page app) without a secret")
	fs.Var(&o.redirects, "redirect-uri", "exact redirect `URI` (repeatable)")
	fs.Var(&o.postLogout, "post-logout-redirect-uri", "exact post-logout redirect `URI` (repeatable)")
	fs.StringVar(&o.grantTypes, "grant-types", strings.Join(op.DefaultGrantTypes(), ","), "comma `list` of authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code, urn:ietf:params:oauth:grant-type:token-exchange")
	fs.StringVar(&o.scopes, "scopes", "", "comma `list` of scopes the client may request (default: openid,profile,email, plus offline_access with refresh_token)")
	fs.StringVar(&o.cc.Name, "name", "", "`name` shown on the consent page (default: the id)")
	fs.BoolVar(&o.cc.FirstParty, "first-party", false, "trusted first-party client: no consent page")
	fs.StringVar(&o.cc.AccessTokenFormat, "access-token-format", "jwt", "`jwt` or opaque")
	fs.BoolVar(&o.cc.Dev, "dev", false, "development client: allows http redirect URIs on any host")
	fs.BoolVar(&o.cc.Admin, "admin", false, "service client that gets the gatehouse:admin scope by client credentials")
	fs.BoolVar(&o.cc.RequireMFA, "require-mfa", false, "users must pass two-step verification before this client gets a code")
	fs.StringVar(&o.allowedGroups, "allowed-groups", "", "comma `list` of groups whose members alone may sign in (default: everyone)")
	fs.StringVar(&o.cc.BackchannelLogoutURI, "backchannel-logout-uri", "", "`URL` that receives logout tokens when a session ends (back-channel logout)")
	fs.StringVar(&o.cc.TokenEndpointAuthMethod, "token-endpoint-auth-method", "", "`method`: client_secret_basic, client_secret_post, private_key_jwt or none (default: by secret, none when --public)")
	fs.StringVar(&o.jwks, "jwks", "", "the client's public key set (JSON) for private_key_jwt; @FILE reads it from a file")
	fs.StringVar(&o.cc.JWKSURI, "jwks-uri", "", "`URL` of the client's public key set for private_key_jwt")
	fs.BoolVar(&o.cc.BackchannelLogoutSessionRequired, "backchannel-logout-session-required", false, "the client needs sid in logout tokens (always sent)")
	fs.StringVar(&o.cc.HomeURL, "home-url", "", "`URL` of the application's home page, where the users' list of applications links (default: the origin of the first redirect URI)")
	fs.StringVar(&o.cc.IDTokenSignedResponseAlg, "id-token-signed-response-alg", "", "`algorithm` of this client's ID tokens: RS256, ES256 or EdDSA (default: the instance's)")
	// Issue 18 items 4 and 8.
	fs.BoolVar(&o.cc.RequirePushedAuthorizationRequests, "require-pushed-authorization-requests", false, "the client must push its authorization requests (PAR, RFC 9126)")
	fs.BoolVar(&o.cc.RequirePAR, "require-par", false, "short for --require-pushed-authorization-requests")
	fs.BoolVar(&o.cc.TokenExchangeDelegation, "token-exchange-delegation", false, "token exchange may issue delegated tokens with an act claim naming this client (RFC 8693)")
	return o
}

func withStore(ctx context.Context, e *env, common *commonFlags, fn func(*sqlstore.Store) error) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	store, err := server.OpenStore(ctx, cfg, commandLogger(cfg, e, common))
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

func runClientsCreate(ctx context.Context, e *env, common *commonFlags, opts any, _ []string) error {
	o := opts.(*clientsCreateOptions)
	if o.cc.ID == "" {
		return fmt.Errorf("%w: clients create: --id is required", errUsage)
	}
	if o.cc.Public && o.cc.Secret != "" {
		return fmt.Errorf("%w: clients create: --public and --secret exclude each other", errUsage)
	}
	o.cc.RedirectURIs, o.cc.PostLogoutRedirectURIs = o.redirects, o.postLogout
	o.cc.GrantTypes, o.cc.Scopes = splitCSV(o.grantTypes), splitCSV(o.scopes)
	o.cc.AllowedGroups = splitGroups(o.allowedGroups)
	if path, ok := strings.CutPrefix(o.jwks, "@"); ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%w: clients create: --jwks: %v", errUsage, err)
		}
		o.jwks = string(data)
	}
	if o.jwks != "" {
		o.cc.JWKS = o.jwks
	}
	generated := ""
	if !o.cc.Public && o.cc.Secret == "" {
		generated = op.GenerateClientSecret()
		o.cc.Secret = generated
	}
	c, secret, err := server.ClientFromConfig(o.cc)
	if err != nil {
		return err
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		err := server.RegisterClient(ctx, store.Clients(), c, secret, false)
		switch {
		case errors.Is(err, op.ErrInvalidClient), errors.Is(err, op.ErrSecretTooShort):
			return fmt.Errorf("%w: clients create: %v", errUsage, strings.ReplaceAll(err.Error(), "\n", "; "))
		case errors.Is(err, storage.ErrAlreadyExists):
			return fmt.Errorf("%w: clients create: a client with id %q already exists", errUsage, c.ID)
		case err != nil:
			return err
		}
		out := map[string]string{"client_id": c.ID}
		if generated != "" {
			out["client_secret"] = generated
		}
		return printJSON(e, out)
	})
}

func splitCSV(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// clientJSON is the printable form of a client: everything but the secret
// hash.
func clientJSON(c storage.Client) map[string]any {
	return map[string]any{
		"client_id": c.ID, "name": c.Name, "public": c.Public,
		"redirect_uris": c.RedirectURIs, "post_logout_redirect_uris": c.PostLogoutRedirectURIs,
		"grant_types": c.GrantTypes, "scopes": c.Scopes, "first_party": c.FirstParty,
		"access_token_format": c.AccessTokenFormat, "dev": c.Dev, "admin": c.Admin, "require_mfa": c.RequireMFA,
		"created_at": c.CreatedAt, "updated_at": c.UpdatedAt,
		"allowed_groups":         nonNil(c.AllowedGroups),
		"backchannel_logout_uri": c.BackchannelLogoutURI, "backchannel_logout_session_required": c.BackchannelLogoutSessionRequired,
		"token_endpoint_auth_method": c.TokenEndpointAuthMethod, "jwks_uri": c.JWKSURI, "jwks": jwksValue(c.JWKS),
		"id_token_signed_response_alg":          c.IDTokenSignedResponseAlg,
		"require_pushed_authorization_requests": c.RequirePushedAuthorizationRequests,
		"token_exchange_delegation":             c.TokenExchangeDelegation,
		"home_url":                              c.HomeURL,
	}
}

// splitGroups splits a comma list of group names (names may hold spaces).
func splitGroups(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func runClientsList(ctx context.Context, e *env, common *commonFlags, _ any, _ []string) error {
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tTYPE\tGRANT TYPES\tREDIRECT URIS")
		cursor := ""
		for {
			page, err := store.Clients().List(ctx, cursor, storage.MaxLimit)
			if err != nil {
				return fmt.Errorf("list clients: %w", err)
			}
			for _, c := range page.Items {
				kind := "confidential"
				if c.Public {
					kind = "public"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, kind,
					strings.Join(c.GrantTypes, ","), strings.Join(c.RedirectURIs, " "))
			}
			if cursor = page.Next; cursor == "" {
				return tw.Flush()
			}
		}
	})
}

func runClientsShow(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: clients show takes one client id", errUsage)
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		c, err := store.Clients().ByID(ctx, args[0])
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%w: no client with id %q", errUsage, args[0])
		}
		if err != nil {
			return fmt.Errorf("show client: %w", err)
		}
		return printJSON(e, clientJSON(c))
	})
}

func runClientsDelete(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: clients delete takes one client id", errUsage)
	}
	return withStore(ctx, e, common, func(store *sqlstore.Store) error {
		err := store.Clients().Delete(ctx, args[0])
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%w: no client with id %q", errUsage, args[0])
		}
		if err != nil {
			return fmt.Errorf("delete client: %w", err)
		}
		fmt.Fprintf(e.stdout, "deleted client %s\n", args[0])
		return nil
	})
}

// jwksValue shows a stored key set as JSON, nil when none.
func jwksValue(s string) any {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}
