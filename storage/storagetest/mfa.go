package storagetest

import (
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) mfa(t *testing.T) {
	s.group(t, "MFA",
		sub("EnrolConfirmDelete", testMFAEnrol),
		sub("StepsOnlyMoveForward", testMFASteps),
		sub("ParallelStep50", testMFAParallelStep),
		sub("RecoveryCodes", testMFARecoveryCodes),
		sub("ParallelRecoveryCode50", testMFAParallelRecovery),
		sub("SessionFactorTime", testMFASessionTime),
		sub("RequestACRAndClientRequireMFA", testMFARequestAndClient),
		sub("ResealAndPages", testMFAReseal),
	)
}

func codeHash(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func testMFAEnrol(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	u := createUser(t, st)
	_, err := st.MFA().TOTP(ctx, u.ID)
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.MFA().ConfirmTOTP(ctx, u.ID, 1, now), storage.ErrNotFound) // nothing pending
	p := storage.TOTP{UserID: u.ID, SecretEnc: []byte("sealed-1"), CreatedAt: now}
	noErr(t, st.MFA().BeginTOTP(ctx, &p))
	p2 := storage.TOTP{UserID: u.ID, SecretEnc: []byte("sealed-2"), CreatedAt: now}
	noErr(t, st.MFA().BeginTOTP(ctx, &p2)) // a pending enrolment is replaced
	got, err := st.MFA().TOTP(ctx, u.ID)
	noErr(t, err)
	if got.Confirmed || string(got.SecretEnc) != "sealed-2" || !got.ConfirmedAt.IsZero() {
		t.Fatalf("pending TOTP = %+v", got)
	}
	wantErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 5), storage.ErrNotFound) // not confirmed yet
	noErr(t, st.MFA().ConfirmTOTP(ctx, u.ID, 100, now))
	wantErr(t, st.MFA().ConfirmTOTP(ctx, u.ID, 101, now), storage.ErrNotFound) // once
	got, err = st.MFA().TOTP(ctx, u.ID)
	noErr(t, err)
	if !got.Confirmed || got.LastStep != 100 || !got.ConfirmedAt.Equal(storage.Time(now)) {
		t.Fatalf("confirmed TOTP = %+v", got)
	}
	p3 := storage.TOTP{UserID: u.ID, SecretEnc: []byte("sealed-3")}
	wantErr(t, st.MFA().BeginTOTP(ctx, &p3), storage.ErrAlreadyExists) // a confirmed one stays
	on, err := st.MFA().DeleteTOTP(ctx, u.ID)
	noErr(t, err)
	if !on {
		t.Fatal("DeleteTOTP of a confirmed authenticator reported none")
	}
	on, err = st.MFA().DeleteTOTP(ctx, u.ID)
	noErr(t, err)
	if on {
		t.Fatal("DeleteTOTP of nothing reported a confirmed one")
	}
	ghost := storage.TOTP{UserID: storage.NewID(), SecretEnc: []byte("x")}
	wantErr(t, st.MFA().BeginTOTP(ctx, &ghost), storage.ErrNotFound)
}

func confirmedTOTP(t *testing.T, st storage.Store, step int64) storage.User {
	t.Helper()
	u := createUser(t, st)
	p := storage.TOTP{UserID: u.ID, SecretEnc: []byte("sealed"), CreatedAt: clock()}
	noErr(t, st.MFA().BeginTOTP(t.Context(), &p))
	noErr(t, st.MFA().ConfirmTOTP(t.Context(), u.ID, step, clock()))
	return u
}

func testMFASteps(t *testing.T, st storage.Store) {
	ctx := t.Context()
	u := confirmedTOTP(t, st, 10)
	wantErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 10), storage.ErrConflict) // the enrolment's own step
	wantErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 9), storage.ErrConflict)
	noErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 11))
	wantErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 11), storage.ErrConflict) // replay
	noErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 13))
	wantErr(t, st.MFA().UseTOTPStep(ctx, u.ID, 12), storage.ErrConflict) // older than the last
}

func testMFAParallelStep(t *testing.T, st storage.Store) {
	u := confirmedTOTP(t, st, 1)
	errs := race(50, func(int) error { return st.MFA().UseTOTPStep(t.Context(), u.ID, 2) })
	wantOneWinnerOf(t, errs, storage.ErrConflict)
}

func testMFARecoveryCodes(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	u := confirmedTOTP(t, st, 1)
	noErr(t, st.MFA().ReplaceRecoveryCodes(ctx, u.ID, [][]byte{codeHash("a"), codeHash("b"), codeHash("c")}, now))
	n, err := st.MFA().RecoveryCodesLeft(ctx, u.ID)
	noErr(t, err)
	if n != 3 {
		t.Fatalf("RecoveryCodesLeft = %d, want 3", n)
	}
	left, err := st.MFA().UseRecoveryCode(ctx, u.ID, codeHash("b"), now)
	noErr(t, err)
	if left != 2 {
		t.Fatalf("left after one use = %d, want 2", left)
	}
	_, err = st.MFA().UseRecoveryCode(ctx, u.ID, codeHash("b"), now)
	wantErr(t, err, storage.ErrNotFound) // single use
	other := createUser(t, st)
	_, err = st.MFA().UseRecoveryCode(ctx, other.ID, codeHash("a"), now)
	wantErr(t, err, storage.ErrNotFound) // another user's code
	noErr(t, st.MFA().ReplaceRecoveryCodes(ctx, u.ID, [][]byte{codeHash("d")}, now))
	_, err = st.MFA().UseRecoveryCode(ctx, u.ID, codeHash("a"), now)
	wantErr(t, err, storage.ErrNotFound) // voided by the new set
	noErr(t, st.MFA().DeleteRecoveryCodes(ctx, u.ID))
	if n, _ := st.MFA().RecoveryCodesLeft(ctx, u.ID); n != 0 {
		t.Fatalf("RecoveryCodesLeft after delete = %d", n)
	}
}

func testMFAParallelRecovery(t *testing.T, st storage.Store) {
	u := confirmedTOTP(t, st, 1)
	noErr(t, st.MFA().ReplaceRecoveryCodes(t.Context(), u.ID, [][]byte{codeHash("only")}, clock()))
	errs := race(50, func(int) error {
		_, err := st.MFA().UseRecoveryCode(t.Context(), u.ID, codeHash("only"), clock())
		return err
	})
	wantOneWinnerOf(t, errs, storage.ErrNotFound)
}

func testMFASessionTime(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	u := createUser(t, st)
	for _, mfaTime := range []storage.BrowserSession{{}, {MFATime: now.Add(timeStep(5))}} {
		bs := storage.BrowserSession{UserID: u.ID, TokenHash: codeHash(storage.NewID()), CreatedAt: now,
			ExpiresAt: now.Add(timeStep(3600)), AuthTime: now, AMR: []string{"pwd"}, MFATime: mfaTime.MFATime}
		noErr(t, st.Sessions().Create(ctx, &bs))
		got, err := st.Sessions().ByTokenHash(ctx, bs.TokenHash, now)
		noErr(t, err)
		if !got.MFATime.Equal(storage.Time(mfaTime.MFATime)) || !got.FactorTime().Equal(storage.Time(bs.FactorTime())) {
			t.Fatalf("MFATime = %v, want %v", got.MFATime, mfaTime.MFATime)
		}
	}
}

func testMFARequestAndClient(t *testing.T, st storage.Store) {
	ctx, now := t.Context(), clock()
	c := storage.Client{ID: "c-" + storage.NewID(), Name: "app", RedirectURIs: []string{"https://app.example.test/cb"},
		GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, RequireMFA: true}
	noErr(t, st.Clients().Create(ctx, &c))
	got, err := st.Clients().ByID(ctx, c.ID)
	noErr(t, err)
	if !got.RequireMFA {
		t.Fatal("RequireMFA lost on Create")
	}
	got.RequireMFA = false
	noErr(t, st.Clients().Update(ctx, &got))
	if again, _ := st.Clients().ByID(ctx, c.ID); again.RequireMFA {
		t.Fatal("RequireMFA not cleared by Update")
	}
	r := storage.AuthRequest{ClientID: c.ID, RedirectURI: c.RedirectURIs[0], ACRValues: []string{"mfa"},
		CreatedAt: now, ExpiresAt: now.Add(timeStep(600))}
	noErr(t, st.AuthRequests().Create(ctx, &r))
	ar, err := st.AuthRequests().ByID(ctx, r.ID, now)
	noErr(t, err)
	if len(ar.ACRValues) != 1 || ar.ACRValues[0] != "mfa" {
		t.Fatalf("ACRValues = %v, want [mfa]", ar.ACRValues)
	}
}

// testMFAReseal: TOTPAfter pages every authenticator in user id order;
// ResealTOTP is a compare-and-set on the sealed secret.
func testMFAReseal(t *testing.T, st storage.Store) {
	ctx := t.Context()
	a, b := confirmedTOTP(t, st, 1), confirmedTOTP(t, st, 1)
	var seen []string
	after := ""
	for {
		page, err := st.MFA().TOTPAfter(ctx, after, 1)
		noErr(t, err)
		if len(page) == 0 {
			break
		}
		after = page[0].UserID
		seen = append(seen, after)
	}
	if !slices.Contains(seen, a.ID) || !slices.Contains(seen, b.ID) || !slices.IsSorted(seen) {
		t.Fatalf("TOTPAfter pages %v, want both users in id order", seen)
	}
	wantErr(t, st.MFA().ResealTOTP(ctx, a.ID, []byte("not-this"), []byte("new")), storage.ErrConflict)
	noErr(t, st.MFA().ResealTOTP(ctx, a.ID, []byte("sealed"), []byte("resealed")))
	got, err := st.MFA().TOTP(ctx, a.ID)
	noErr(t, err)
	if string(got.SecretEnc) != "resealed" || !got.Confirmed || got.LastStep != 1 {
		t.Fatalf("after reseal: %+v", got)
	}
	wantErr(t, st.MFA().ResealTOTP(ctx, a.ID, []byte("sealed"), []byte("again")), storage.ErrConflict)
	wantErr(t, st.MFA().ResealTOTP(ctx, storage.NewID(), []byte("sealed"), []byte("x")), storage.ErrNotFound)
}
