package ui

import (
	"slices"
	"strings"
)

// auditEventTypes are the audit event types Gatehouse writes, in the
// order the type filter offers them; each has a readable name in the
// catalog (auditTypeKey). A test in internal/server checks this list
// against the Event constants of every package that writes the log.
var auditEventTypes = []string{
	"signin.success", "signin.failure", "signin.new_device", "signin.mfa_success", "signin.mfa_failure",
	"signin.passkey_failure", "signin.passkey_clone_suspected", "user.login_federated",
	"registration.submitted", "registration.resubmitted", "registration.duplicate", "registration.confirmed",
	"registration.activated", "registration.resent", "registration.approved", "registration.rejected",
	"registration.invitation_used",
	"user.create", "user.profile_updated", "user.email_change_requested", "user.email_changed",
	"user.password_changed", "user.reset_requested", "user.reset_unmatched", "user.reset_completed",
	"user.temporary_password", "user.mfa_enabled", "user.mfa_disabled", "user.mfa_recovery_regenerated",
	"user.mfa_recovery_used", "user.passkey_added", "user.passkey_renamed", "user.passkey_removed",
	"user.exported", "user.self_deleted",
	"identity.linked", "identity.unlinked", "token.created", "token.revoked",
	"session.ended", "session.ended_others", "app.access_removed", "device.approved", "device.denied",
	"admin.bootstrap", "admin.api.signin", "admin.user.create", "admin.user.update", "admin.user.delete",
	"admin.user.block", "admin.user.unblock", "admin.user.sessions_ended", "admin.user.identity_unlinked",
	"admin.user.resend_verification", "admin.user.reset_password", "admin.user.token_revoked",
	"admin.settings.update", "admin.client.create", "admin.client.update", "admin.client.delete",
	"admin.client.secret_rotated", "admin.group.create", "admin.group.update", "admin.group.delete",
	"admin.group.member_added", "admin.group.member_removed", "admin.invitation.create",
	"admin.invitation.revoke", "admin.users.import",
	"oidc.backchannel_logout.sent", "oidc.backchannel_logout.abandoned",
}

// AuditEventTypes lists the audit event types the console names.
func AuditEventTypes() []string { return slices.Clone(auditEventTypes) }

// auditTypeKey is the catalog key of an event type's readable name.
func auditTypeKey(typ string) string { return "console2.event." + strings.ReplaceAll(typ, ".", "_") }

// auditTypeName is the readable name of typ in lang; an unknown type is
// shown as recorded.
func (u *UI) auditTypeName(lang, typ string) string {
	if !slices.Contains(auditEventTypes, typ) {
		return typ
	}
	return u.bundle.T(lang, auditTypeKey(typ))
}

// auditTypeKeys lists the catalog keys of the event names.
func auditTypeKeys() []string {
	keys := make([]string, 0, len(auditEventTypes))
	for _, t := range auditEventTypes {
		keys = append(keys, auditTypeKey(t))
	}
	return keys
}
