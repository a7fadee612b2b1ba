package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/access"
	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/adminapi"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/ui"
)

// TestAuditEventTypesNamed: every event type the packages write has a
// readable name in the console (and so a place in its type filter).
func TestAuditEventTypesNamed(t *testing.T) {
	named := ui.AuditEventTypes()
	for _, typ := range []string{
		account.EventRegistrationSubmitted, account.EventRegistrationResubmitted, account.EventRegistrationDuplicate,
		account.EventRegistrationConfirmed, account.EventRegistrationActivated, account.EventRegistrationResent,
		account.EventRegistrationApproved, account.EventRegistrationRejected, account.EventSignInSuccess, account.EventSignInFailure,
		account.EventUserCreate, account.EventMFAEnabled, account.EventMFADisabled, account.EventMFARecoveryRegenerate,
		account.EventMFARecoveryUsed, account.EventMFAVerified, account.EventMFAFailure, account.EventAdminBootstrap,
		account.EventTokenCreated, account.EventTokenRevoked, account.EventAdminTokenRevoked, account.EventAdminUserCreate,
		account.EventAdminUserUpdate, account.EventAdminUserDelete, account.EventAdminUserBlock, account.EventAdminUserUnblock,
		account.EventAdminSessionsEnded, account.EventAdminIdentityUnlink, account.EventAdminResendVerify,
		account.EventAdminSettingsUpdated, account.EventSessionEnded, account.EventSessionsEndedOther, account.EventAppAccessRemoved,
		account.EventNewDevice, account.EventAccountExported, account.EventAccountSelfDeleted, account.EventPasskeyAdded,
		account.EventPasskeyRenamed, account.EventPasskeyRemoved, account.EventPasskeyClone, account.EventPasskeyFailure,
		account.EventProfileUpdated, account.EventEmailChangeRequested, account.EventEmailChanged, account.EventIdentityLinked,
		account.EventIdentityUnlinked, account.EventUserLoginFederated, account.EventResetRequested, account.EventResetUnmatched,
		account.EventResetCompleted, account.EventTemporaryPassword, account.EventPasswordChanged, account.EventResetByAdmin,
		access.EventGroupCreated, access.EventGroupUpdated, access.EventGroupDeleted, access.EventGroupMemberAdded,
		access.EventGroupMemberRemoved, access.EventInvitationCreated, access.EventInvitationRevoked, access.EventInvitationUsed,
		access.EventUsersImported, adminapi.EventAdminAPISignIn, adminapi.EventClientCreate, adminapi.EventClientUpdate,
		adminapi.EventClientDelete, adminapi.EventClientSecretRotated, op.EventBackchannelSent, op.EventBackchannelAbandoned,
		"device.approved", "device.denied",
	} {
		if !slices.Contains(named, typ) {
			t.Errorf("the console has no name for %q", typ)
		}
	}
}

// TestAdminConsoleAuditLog: against the real store, the log names the
// event, shows and links the actor's and the user's email, finds a user
// by email, and exports the same selection as JSON and CSV attachments.
func TestAdminConsoleAuditLog(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, rootID := adminRP(t, srv)
	victim := createUserWith(t, srv.Server, "victim@example.com", storage.UserActive, storage.RoleUser)
	consolePost(t, rp, "/admin/users/"+victim+"/block", map[string][]string{"confirm": {"1"}}, http.StatusSeeOther)

	_, _, body := rp.get("/admin/audit?user=Victim@Example.com&type=admin.user.block")
	text := mainText(body)
	if !strings.Contains(text, "User blocked") || !strings.Contains(body, `<a href="/admin/users/`+rootID+`">root@example.com</a>`) ||
		!strings.Contains(body, `<a href="/admin/users/`+victim+`">victim@example.com</a>`) || !strings.Contains(body, `<time datetime="`) {
		t.Fatalf("the log:\n%s", text)
	}
	status, _, body := rp.get("/admin/audit/export?format=json&user=victim@example.com&type=admin.user.block")
	var records []map[string]any
	if status != http.StatusOK || json.Unmarshal([]byte(body), &records) != nil || len(records) != 1 ||
		records[0]["actor_email"] != "root@example.com" || records[0]["user_id"] != victim {
		t.Fatalf("JSON export: %d %s", status, body)
	}
	status, _, body = rp.get("/admin/audit/export?format=csv&type=admin.user.block")
	if status != http.StatusOK || !strings.HasPrefix(body, "time,type,name,") || !strings.Contains(body, "victim@example.com") {
		t.Fatalf("CSV export: %d %s", status, body)
	}
}

// TestAdminConsoleIntegrationPanel: an application's page shows the
// issuer, the discovery URL and the endpoints of this instance, and
// example configurations (generic, oauth2-proxy, Grafana) with the
// client's id and redirect URI, each with a copy button (copy.js).
func TestAdminConsoleIntegrationPanel(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, _ := adminRP(t, srv)
	registerClient(t, srv.Server, "wiki", false)
	status, _, body := rp.get("/admin/clients/wiki")
	if status != http.StatusOK {
		t.Fatalf("client page: %d", status)
	}
	var disc map[string]any
	if _, _, raw := rp.get("/.well-known/openid-configuration"); json.Unmarshal([]byte(raw), &disc) != nil {
		t.Fatalf("discovery: %s", raw)
	}
	for id, key := range map[string]string{"issuer": "issuer", "authorization": "authorization_endpoint", "token": "token_endpoint",
		"userinfo": "userinfo_endpoint", "jwks": "jwks_uri", "end-session": "end_session_endpoint"} {
		want := `<code id="endpoint-` + id + `">` + disc[key].(string) + `</code>`
		if !strings.Contains(body, want) {
			t.Errorf("the panel lacks %s\n%s", want, mainText(body))
		}
	}
	if !strings.Contains(body, `<code id="endpoint-discovery">`+disc["issuer"].(string)+`/.well-known/openid-configuration</code>`) {
		t.Errorf("the panel lacks the discovery URL")
	}
	for _, want := range []string{`provider = &#34;oidc&#34;`, `client_id = &#34;wiki&#34;`, "[auth.generic_oauth]", "OIDC_CLIENT_ID=wiki",
		`data-copy="example-oauth2-proxy"`, `data-copy="endpoint-issuer"`, "copy.js", "&lt;the client secret&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the client page lacks %q", want)
		}
	}
}
