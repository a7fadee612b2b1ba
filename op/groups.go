package op

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/storage"
)

// ScopeGroups asks for the groups claim: the names of the user's groups.
const ScopeGroups = "groups"

// ClaimGroups is the claim ScopeGroups releases (an array of names).
const ClaimGroups = "groups"

// ErrNoAccess: the client lists allowed_groups and the user is in none of
// them. The login page shows the no-access page and answers the client
// with access_denied.
var ErrNoAccess = errors.New("op: the user has no access to this application")

// groupNames returns the names of the user's groups, read from the
// database on every call so that a membership change shows in the next
// token and userinfo answer on every replica.
func (s *oidcStorage) groupNames(ctx context.Context, userID string) ([]string, error) {
	gs, err := s.store.Groups().OfUser(ctx, userID)
	if err != nil {
		return nil, serverError(err, "load groups")
	}
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		names = append(names, g.Name)
	}
	return names, nil
}

// addGroupsClaim puts the groups claim into info when scopes has
// ScopeGroups.
func (s *oidcStorage) addGroupsClaim(ctx context.Context, info *oidc.UserInfo, userID string, scopes []string) error {
	if !slices.Contains(scopes, ScopeGroups) {
		return nil
	}
	names, err := s.groupNames(ctx, userID)
	if err != nil {
		return err
	}
	info.AppendClaims(ClaimGroups, names)
	return nil
}

// MayUse reports whether a user in groups (names) may sign in to c: always
// when c lists no allowed groups, else when one of the names matches one
// of c.AllowedGroups under storage.FoldCase.
func MayUse(c storage.Client, groups []string) bool {
	if len(c.AllowedGroups) == 0 {
		return true
	}
	for _, g := range groups {
		for _, a := range c.AllowedGroups {
			if storage.FoldCase(g) == storage.FoldCase(a) {
				return true
			}
		}
	}
	return false
}

// checkAllowedGroups fails with ErrNoAccess (as access_denied) unless the
// user may use the client.
func (s *oidcStorage) checkAllowedGroups(ctx context.Context, clientID, userID string) error {
	if clientID == "" {
		return nil
	}
	c, err := s.client(ctx, clientID)
	if err != nil {
		return err
	}
	if len(c.AllowedGroups) == 0 {
		return nil
	}
	names, err := s.groupNames(ctx, userID)
	if err != nil {
		return err
	}
	if !MayUse(c, names) {
		return oidc.ErrAccessDenied().WithDescription("the user is not in a group allowed for this application").WithParent(ErrNoAccess)
	}
	return nil
}

// checkAllowedGroups: each allowed group is a group name (1-64
// characters, no commas, control characters or surrounding spaces).
func checkAllowedGroups(names []string, add addFunc) {
	for _, n := range names {
		if n == "" || len([]rune(n)) > 64 || strings.TrimSpace(n) != n ||
			strings.ContainsFunc(n, func(r rune) bool { return unicode.IsControl(r) || r == ',' }) {
			add("allowed group %q is not a group name (1 to 64 characters, no commas)", n)
		}
	}
}
