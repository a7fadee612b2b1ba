package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/storage"
)

// Lifecycle counters are derived from committed audit events (the store
// calls ObserveAudit after each commit): every sign-in, registration,
// reset and second-factor step is audited, so counting the audit log
// counts each exactly once, on whichever replica handled it.
type lifecycle struct {
	signIns       *prometheus.CounterVec
	registrations *prometheus.CounterVec
	resets        *prometheus.CounterVec
	mfa           *prometheus.CounterVec
	mfaChanges    *prometheus.CounterVec
}

// Sign-in methods and outcomes (label values).
const (
	MethodPassword  = "pwd"
	MethodPasskey   = "passkey"
	MethodFederated = "fed"

	OutcomeSuccess            = "success"
	OutcomeInvalidCredentials = "invalid_credentials"
	OutcomeAccountState       = "account_state" // right password, account not active
	OutcomeFailure            = "failure"       // any other refusal
)

func newLifecycle() *lifecycle {
	return &lifecycle{
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_signins_total",
			Help: "First-step sign-ins by method (pwd, passkey, fed) and outcome (success, invalid_credentials, account_state, failure). Throttled attempts are in gatehouse_throttled_requests_total.",
		}, []string{"method", "outcome"}),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_registrations_total",
			Help: "Registration steps by event: submitted, resubmitted, duplicate, confirmed, activated, approved, rejected.",
		}, []string{"event"}),
		resets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_password_resets_total",
			Help: "Password reset steps by event: requested, unmatched (no account: nothing sent), completed, temporary_password_used, admin_requested.",
		}, []string{"event"}),
		mfa: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_mfa_verifications_total",
			Help: "Second sign-in steps by method (totp, recovery_code, passkey, code when a wrong code names none) and outcome (success, failure).",
		}, []string{"method", "outcome"}),
		mfaChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_mfa_enrolments_total",
			Help: "Changes to users' second factors: enabled, disabled, passkey_added, passkey_removed, recovery_regenerated.",
		}, []string{"change"}),
	}
}

// zero creates every known series at 0, so that dashboards and rate()
// see them before the first event.
func (l *lifecycle) zero() {
	for m := range signInMethods {
		for _, o := range []string{OutcomeSuccess, OutcomeInvalidCredentials, OutcomeAccountState, OutcomeFailure} {
			l.signIns.WithLabelValues(m, o)
		}
	}
	for _, ev := range registrationEvents {
		l.registrations.WithLabelValues(ev)
	}
	for _, ev := range resetEvents {
		l.resets.WithLabelValues(ev)
	}
	for m := range mfaMethods {
		l.mfa.WithLabelValues(m, OutcomeSuccess)
	}
	l.mfa.WithLabelValues("code", OutcomeFailure)
	for _, ev := range mfaChangeEvents {
		l.mfaChanges.WithLabelValues(ev)
	}
}

func (l *lifecycle) collectors() []prometheus.Collector {
	return []prometheus.Collector{l.signIns, l.registrations, l.resets, l.mfa, l.mfaChanges}
}

// Audit event types counted here (internal/account names them).
var (
	registrationEvents = map[string]string{
		"registration.submitted": "submitted", "registration.resubmitted": "resubmitted",
		"registration.duplicate": "duplicate", "registration.confirmed": "confirmed",
		"registration.activated": "activated", "registration.approved": "approved",
		"registration.rejected": "rejected",
	}
	resetEvents = map[string]string{
		"user.reset_requested": "requested", "user.reset_unmatched": "unmatched",
		"user.reset_completed": "completed", "user.temporary_password": "temporary_password_used",
		"admin.user.reset_password": "admin_requested",
	}
	mfaChangeEvents = map[string]string{
		"user.mfa_enabled": "enabled", "user.mfa_disabled": "disabled",
		"user.passkey_added": "passkey_added", "user.passkey_removed": "passkey_removed",
		"user.mfa_recovery_regenerated": "recovery_regenerated",
	}
	signInMethods = map[string]bool{MethodPassword: true, MethodPasskey: true, MethodFederated: true}
	mfaMethods    = map[string]bool{"totp": true, "recovery_code": true, "passkey": true}
)

// ObserveAudit counts one committed audit event.
func (m *Metrics) ObserveAudit(e storage.AuditEvent) {
	l := m.lifecycle
	switch e.Type {
	case "signin.success":
		l.signIns.WithLabelValues(bounded(e.Details["method"], signInMethods, MethodPassword), OutcomeSuccess).Inc()
	case "user.login_federated":
		l.signIns.WithLabelValues(MethodFederated, OutcomeSuccess).Inc()
	case "signin.failure":
		l.signIns.WithLabelValues(bounded(e.Details["method"], signInMethods, MethodPassword), failureOutcome(e.Details["reason"])).Inc()
	case "signin.passkey_failure":
		l.signIns.WithLabelValues(MethodPasskey, OutcomeFailure).Inc()
	case "signin.mfa_success":
		l.mfa.WithLabelValues(bounded(e.Details["method"], mfaMethods, "code"), OutcomeSuccess).Inc()
	case "signin.mfa_failure":
		l.mfa.WithLabelValues(bounded(e.Details["method"], mfaMethods, "code"), OutcomeFailure).Inc()
	default:
		if ev, ok := registrationEvents[e.Type]; ok {
			l.registrations.WithLabelValues(ev).Inc()
		} else if ev, ok := resetEvents[e.Type]; ok {
			l.resets.WithLabelValues(ev).Inc()
		} else if ev, ok := mfaChangeEvents[e.Type]; ok {
			l.mfaChanges.WithLabelValues(ev).Inc()
		}
	}
}

func failureOutcome(reason string) string {
	switch reason {
	case "invalid_credentials":
		return OutcomeInvalidCredentials
	case "state":
		return OutcomeAccountState
	}
	return OutcomeFailure
}

// bounded keeps a label value within known, or falls back: label values
// must not come unchecked from stored data.
func bounded(v string, known map[string]bool, fallback string) string {
	if known[v] {
		return v
	}
	return fallback
}
