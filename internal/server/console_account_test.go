package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// ageSignIns makes every session's last sign-in older than the five
// minutes sensitive actions accept (SQLite stores unix milliseconds).
func ageSignIns(t *testing.T, srv *testserver.Server) {
	t.Helper()
	old := time.Now().Add(-10 * time.Minute).UnixMilli()
	if _, err := srv.Srv.Store().DB().ExecContext(context.Background(), `UPDATE browser_sessions SET auth_time = ?`, old); err != nil {
		t.Fatal(err)
	}
}

var sessionRowRe = regexp.MustCompile(`<tr id="session-([^"]+)"><th scope="row">([^<]+)`)

// TestEndOtherSessionInBrowser: a user signed in in Chromium and in another
// browser sees both sessions (browser, system, IP, "this device"); ending
// the Chromium session from the other browser signs Chromium out at once.
func TestEndOtherSessionInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "sam@example.com", testPass)
	page.Navigate(srv.URL + "/account/sessions")
	signInOnPage(t, page, "sam@example.com", testPass)
	if !strings.Contains(page.Text("#this-device"), "this device") {
		t.Fatalf("the session list does not mark this device:\n%s", mainText(page.HTML()))
	}

	other := browserOn(t, srv.Server, "sam@example.com")
	_, _, body := other.get("/account/sessions")
	rows := sessionRowRe.FindAllStringSubmatch(body, -1)
	if len(rows) != 2 || !strings.HasPrefix(rows[0][2], "Go HTTP client") || !strings.Contains(body, "127.0.0.1") {
		t.Fatalf("sessions seen from the other browser: %v\n%s", rows, mainText(body))
	}
	chromium := rows[1]
	if !strings.Contains(chromium[2], "Headless Chrome on Linux") {
		t.Errorf("the Chromium session is named %q", chromium[2])
	}
	status, loc := confirmPost(t, other, "/account/sessions/"+chromium[1]+"/end")
	if status != http.StatusSeeOther || !strings.Contains(loc, "notice=ended") {
		t.Fatalf("end session: %d %s", status, loc)
	}
	page.Navigate(srv.URL + "/account")
	if !strings.Contains(page.CurrentURL(), "/login") {
		t.Fatalf("the ended browser is still signed in: %s", page.CurrentURL())
	}
	if status, _, _ := other.get("/account"); status != http.StatusOK {
		t.Errorf("the browser that ended the other session was signed out too: %d", status)
	}
	status, _, _ = other.postForm("/account/sessions/"+chromium[1]+"/end", url.Values{"confirm": {"1"}})
	if status != http.StatusNotFound {
		t.Errorf("ending a session that is gone: %d", status)
	}
}

// TestEndAllOtherSessions: "End all other sessions" keeps only this one.
func TestEndAllOtherSessions(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ed@example.com", testPass)
	first, second, me := browserOn(t, srv.Server, "ed@example.com"), browserOn(t, srv.Server, "ed@example.com"), browserOn(t, srv.Server, "ed@example.com")
	if status, loc := confirmPost(t, me, "/account/sessions/end-others"); status != http.StatusSeeOther || !strings.Contains(loc, "ended_others") {
		t.Fatalf("end others: %d %s", status, loc)
	}
	for i, rp := range []*relyingParty{first, second} {
		if status, _, _ := rp.get("/account"); status != http.StatusSeeOther {
			t.Errorf("browser %d still signed in: %d", i, status)
		}
	}
	if _, _, body := me.get("/account/sessions"); len(sessionRowRe.FindAllString(body, -1)) != 1 || strings.Contains(body, `id="end-others"`) {
		t.Errorf("after ending the others:\n%s", mainText(body))
	}
}

// TestRemoveAppAccess: an application the user consented to holds a
// refresh token; "Remove access" deletes the consent and the refresh
// token fails; the next sign-in asks for consent again.
func TestRemoveAppAccess(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "amy@example.com", testPass)
	secret := registerClient(t, srv.Server, "thirdparty", false)
	rp := newRelyingParty(t, srv.Server, "thirdparty", secret)
	f := rp.newFlow()
	_, _, body := rp.follow(f.url)
	m := authRequestIDRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no login page")
	}
	rp.postForm("/login", url.Values{"login": {"amy@example.com"}, "password": {testPass}, "authRequestID": {m[1]}})
	status, loc, _ := rp.postForm("/consent", url.Values{"authRequestID": {m[1]}, "action": {"allow"}})
	if status != http.StatusSeeOther {
		t.Fatalf("consent: %d", status)
	}
	tok, err := rp.exchange(f, rp.codeFrom(f, loc))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("tokens: %v", err)
	}

	_, _, body = rp.get("/account/apps")
	text := mainText(body)
	if !strings.Contains(text, "App thirdparty") || !strings.Contains(text, "offline_access") || !strings.Contains(body, `id="remove-thirdparty"`) {
		t.Fatalf("the apps page:\n%s", text)
	}
	if status, loc := confirmPost(t, rp, "/account/apps/thirdparty/remove"); status != http.StatusSeeOther || !strings.Contains(loc, "removed") {
		t.Fatalf("remove access: %d %s", status, loc)
	}
	status, out, _ := tokenRequest(t, srv.URL, "thirdparty", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status == http.StatusOK || out["error"] != "invalid_grant" {
		t.Fatalf("the refresh token after removing access: %d %v", status, out)
	}
	if info := introspect(t, srv.URL, "thirdparty", secret, tok.AccessToken); info["active"] != false {
		t.Errorf("the access token after removing access: %v", info)
	}
	if _, _, body := rp.get("/account/apps"); !strings.Contains(body, `id="apps-none"`) {
		t.Errorf("the app is still listed:\n%s", mainText(body))
	}
	f2 := rp.newFlow()
	_, _, body = rp.follow(f2.url)
	if !strings.Contains(body, `value="allow"`) {
		t.Errorf("the next sign-in does not ask for consent again:\n%s", mainText(body))
	}
	if status, _, _ := rp.postForm("/account/apps/thirdparty/remove", url.Values{"confirm": {"1"}}); status != http.StatusNotFound {
		t.Errorf("removing an app without access: %d", status)
	}
}

// TestAccountExportHasNoSecrets: the export holds the profile, sessions,
// the token's metadata and the activity, and neither the token, the
// password, nor any hash; an old sign-in must confirm the password first.
func TestAccountExportHasNoSecrets(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "eve@example.com", testPass)
	rp := browserOn(t, srv.Server, "eve@example.com")
	tok := createToken(t, rp, "exporter", "7", "profile")
	if status, _ := bearerGet(t, srv.URL+"/userinfo", tok); status != http.StatusOK {
		t.Fatal("token does not work")
	}
	status, _, body := rp.get("/account/export")
	if status != http.StatusOK {
		t.Fatalf("export: %d\n%s", status, mainText(body))
	}
	var ex map[string]any
	if err := json.Unmarshal([]byte(body), &ex); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, body)
	}
	for _, secret := range []string{tok, tok[4:], testPass, "argon2", "token_hash", "password_hash", "$argon"} {
		if strings.Contains(body, secret) {
			t.Errorf("the export contains %q", secret)
		}
	}
	profile, _ := ex["profile"].(map[string]any)
	tokens, _ := ex["personal_tokens"].([]any)
	sessions, _ := ex["sessions"].([]any)
	activity, _ := ex["activity"].([]any)
	if profile["email"] != "eve@example.com" || len(tokens) != 1 || len(sessions) != 1 || len(activity) == 0 {
		t.Fatalf("export content: %s", body)
	}
	if !strings.Contains(body, `"exporter"`) || !strings.Contains(body, "token.created") || !strings.Contains(body, "signin.success") {
		t.Errorf("the export lacks the token's metadata or the activity:\n%s", body)
	}

	ageSignIns(t, srv.Server)
	if _, _, body := rp.get("/account/tokens"); !strings.Contains(body, `id="reauth-link"`) || strings.Contains(body, `id="create-token"`) {
		t.Errorf("an old sign-in is offered the token form:\n%s", mainText(body))
	}
	if status, loc, _ := rp.postForm("/account/tokens", url.Values{"name": {"late"}, "scopes": {"profile"}, "expires_days": {"7"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/account/reauth") {
		t.Errorf("creating a token after an old sign-in: %d %s", status, loc)
	}
	status, loc, _ := rp.get("/account/export")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/account/reauth?return_to=%2Faccount%2Fexport") {
		t.Fatalf("export after an old sign-in: %d %s", status, loc)
	}
	status, _, body = rp.postForm("/account/reauth", url.Values{"password": {"wrong password here"}, "return_to": {"/account/export"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "password is not correct") || strings.Contains(body, "wrong password here") {
		t.Fatalf("wrong password: %d\n%s", status, mainText(body))
	}
	status, loc, _ = rp.postForm("/account/reauth", url.Values{"password": {testPass}, "return_to": {"/account/export"}})
	if status != http.StatusSeeOther || loc != "/account/export" {
		t.Fatalf("confirm password: %d %s", status, loc)
	}
	if status, _, _ := rp.get("/account/export"); status != http.StatusOK {
		t.Errorf("export after confirming: %d", status)
	}
}

// TestAccountSelfDeleteAndRegisterAgain: deleting one's account needs a
// recent sign-in and the login typed; it removes the user with sessions,
// tokens and identities, keeps the audit events without personal data,
// mails a goodbye letter, and the login and address can register again.
func TestAccountSelfDeleteAndRegisterAgain(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_VERIFY_EMAIL": "false"})
	userID := srv.CreateUser(t, "dora@example.com", testPass)
	rp := browserOn(t, srv.Server, "dora@example.com")
	tok := createToken(t, rp, "doomed", "7", "profile")

	ageSignIns(t, srv.Server)
	if _, _, body := rp.get("/account/delete"); !strings.Contains(body, `id="reauth-link"`) || strings.Contains(body, `name="confirm_login"`) {
		t.Fatalf("an old sign-in may delete without confirming the password:\n%s", mainText(body))
	}
	if status, loc, _ := rp.postForm("/account/delete", url.Values{"confirm_login": {"dora@example.com"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/account/reauth") {
		t.Fatalf("POST with an old sign-in: %d %s", status, loc)
	}
	if status, loc, _ := rp.postForm("/account/reauth", url.Values{"password": {testPass}, "return_to": {"/account/delete"}}); status != http.StatusSeeOther || loc != "/account/delete" {
		t.Fatalf("confirm password: %d %s", status, loc)
	}
	status, _, body := rp.postForm("/account/delete", url.Values{"confirm_login": {"someone-else"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "Type your login exactly") || !strings.Contains(body, `value="someone-else"`) {
		t.Fatalf("a wrong login: %d\n%s", status, mainText(body))
	}
	if _, err := srv.userByEmail(t, "dora@example.com"); err != nil {
		t.Fatal("deleted on a wrong login")
	}
	status, _, body = rp.postForm("/account/delete", url.Values{"confirm_login": {"Dora@Example.com"}})
	if status != http.StatusOK || !strings.Contains(mainText(body), "has been deleted") {
		t.Fatalf("delete: %d\n%s", status, mainText(body))
	}
	if _, err := srv.userByEmail(t, "dora@example.com"); err == nil {
		t.Fatal("the user still exists")
	}
	if status, _, _ := rp.get("/account"); status != http.StatusSeeOther {
		t.Errorf("the deleted user's browser is still signed in: %d", status)
	}
	if status, _ := bearerGet(t, srv.URL+"/userinfo", tok); status != http.StatusUnauthorized {
		t.Errorf("the deleted user's token: %d", status)
	}
	srv.letter(t, "dora@example.com", "has been deleted")
	page, err := srv.Srv.Store().Audit().List(context.Background(), storage.AuditFilter{UserID: userID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) < 3 {
		t.Fatalf("the audit events were not kept: %d", len(page.Items))
	}
	for _, e := range page.Items {
		if e.IP != "" || len(e.Details) != 0 {
			t.Errorf("event %s keeps personal data: %+v", e.Type, e)
		}
	}

	anon := newRelyingParty(t, srv.Server, "none", "")
	_, _, regPage := anon.get("/register")
	form := shapeAForm("dora", "dora@example.com", testPass)
	form.Set("captcha_id", captchaIDOf(t, regPage))
	form.Set("captcha", testCaptcha)
	status, _, body = registerHTTP(t, anon, form)
	if status >= 400 {
		t.Fatalf("registering again: %d\n%s", status, mainText(body))
	}
	again, err := srv.userByEmail(t, "dora@example.com")
	if err != nil || again.ID == userID || again.Username != "dora" {
		t.Fatalf("the new account: %+v %v", again, err)
	}
}

// TestSelfDeleteDisabled: with account.self_delete off the page says so
// and the POST is refused.
func TestSelfDeleteDisabled(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "fay@example.com", testPass)
	if _, err := srv.registrar(t).SetSetting(context.Background(), "account.self_delete", json.RawMessage("false"), ""); err != nil {
		t.Fatal(err)
	}
	rp := browserOn(t, srv.Server, "fay@example.com")
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _, body := rp.get("/account/delete")
		if status == http.StatusForbidden && strings.Contains(body, `id="delete-disabled"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the setting did not reach the page: %d", status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status, _, _ := rp.postForm("/account/delete", url.Values{"confirm_login": {"fay@example.com"}}); status != http.StatusForbidden {
		t.Errorf("POST while disabled: %d", status)
	}
	if _, err := srv.userByEmail(t, "fay@example.com"); err != nil {
		t.Error("deleted while disabled")
	}
}

// TestNewSignInLetterAndActivity: the first browser of an account is
// remembered quietly; another browser gets a "new sign-in" letter (with
// the browser and IP) and an activity entry; the same browser again gets
// none. The activity page lists sign-ins and failures, newest first.
func TestNewSignInLetterAndActivity(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "nia@example.com", testPass)
	first := browserOn(t, srv.Server, "nia@example.com")
	status, _, _ := first.postForm("/login", url.Values{"login": {"nia@example.com"}, "password": {"not the password"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("failed sign-in: %d", status)
	}
	browserOn(t, srv.Server, "nia@example.com")
	m := srv.letter(t, "nia@example.com", "New sign-in")
	if !strings.Contains(m.TextBody, "Go HTTP client") || !strings.Contains(m.TextBody, "127.0.0.1") {
		t.Errorf("the letter lacks the browser or IP:\n%s", m.TextBody)
	}
	status, loc, _ := first.postForm("/login", url.Values{"login": {"nia@example.com"}, "password": {testPass}, "return_to": {"/account/activity"}})
	if status != http.StatusSeeOther {
		t.Fatalf("sign-in again: %d %s", status, loc)
	}
	_, _, body := first.get("/account/activity")
	text := mainText(body)
	for _, want := range []string{"Signed in from a new browser", "Failed sign-in", "Signed in", "Go HTTP client", "127.0.0.1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the activity page lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "Signed in from a new browser") > strings.Index(text, "Failed sign-in") {
		t.Error("the activity is not newest first")
	}
	time.Sleep(time.Second) // a second letter would be out by now
	count := 0
	for _, msg := range srv.sink.Messages() {
		if strings.Contains(msg.Subject, "New sign-in") {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d new sign-in letters, want 1 (the first browser and its return are known)", count)
	}
}

// TestActivityPagesAndAdminSelfDelete: the activity comes in pages of 25,
// newest first, with a link to older events and back; an administrator
// cannot delete their own account (409, nothing deleted).
func TestActivityPagesAndAdminSelfDelete(t *testing.T) {
	srv := startRegServer(t, nil)
	id := createUserWith(t, srv.Server, "root@example.com", storage.UserActive, storage.RoleAdmin)
	base := time.Now().Add(-time.Hour)
	for i := range 30 {
		e := storage.AuditEvent{Type: "user.profile_updated", UserID: id, IP: "198.51.100.7", Time: base.Add(time.Duration(i) * time.Second)}
		if err := srv.Srv.Store().Audit().Append(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
	}
	rp := browserOn(t, srv.Server, "root@example.com")
	_, _, body := rp.get("/account/activity")
	next := htmlUnescape(regexpFind(body, `id="next-page" href="([^"]+)"`))
	if strings.Count(body, "<tr>") != 25+1 || next == "" || !strings.Contains(mainText(body), "Signed in") {
		t.Fatalf("first page (%d rows, next %q):\n%s", strings.Count(body, "<tr>"), next, mainText(body))
	}
	_, _, body = rp.get(next)
	if rows := strings.Count(body, "<tr>") - 1; rows != 6 || !strings.Contains(body, `id="newest-page"`) || strings.Contains(body, `id="next-page"`) {
		t.Fatalf("second page (%d rows):\n%s", rows, mainText(body))
	}
	if status, _, _ := rp.get("/account/activity?cursor=garbage"); status != http.StatusBadRequest {
		t.Errorf("a bad cursor: %d", status)
	}
	status, _, body := rp.postForm("/account/delete", url.Values{"confirm_login": {"root@example.com"}})
	if status != http.StatusConflict || !strings.Contains(mainText(body), "another administrator") {
		t.Fatalf("an administrator deleting themselves: %d\n%s", status, mainText(body))
	}
	if _, err := srv.userByEmail(t, "root@example.com"); err != nil {
		t.Fatal("the administrator was deleted")
	}
}

// TestReauthAsksForTheSecondFactor: a user with an authenticator who
// confirms the password before a sensitive action (/account/reauth) is
// asked for the code too, and the fresh session keeps its second factor.
func TestReauthAsksForTheSecondFactor(t *testing.T) {
	srv := startRegServer(t, nil)
	id := srv.CreateUser(t, "mia@example.com", testPass)
	rp := browserOn(t, srv.Server, "mia@example.com")
	secret, _ := enrolTOTP(t, srv.Server, id)
	ageSignIns(t, srv.Server)
	status, loc, body := rp.postForm("/account/reauth", url.Values{"password": {testPass}, "return_to": {"/account/export"}})
	if status != http.StatusSeeOther {
		t.Fatalf("confirm password: %d\n%s", status, mainText(body))
	}
	wantSecondStep(t, rp, loc)
	if status, loc, _ := rp.get("/account/export"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("the export opened before the code: %d %s", status, loc)
	}
	page, err := url.Parse(loc)
	if err != nil || page.Query().Get("return_to") != "/account/export" {
		t.Fatalf("the second step forgot where to return: %q", loc)
	}
	status, loc, body = rp.postForm("/login/mfa", url.Values{"code": {totpCode(t, secret, 0)}, "return_to": {page.Query().Get("return_to")}})
	if status != http.StatusSeeOther || loc != "/account/export" {
		t.Fatalf("code step: %d %s\n%s", status, loc, mainText(body))
	}
	if status, _, _ := rp.get("/account/export"); status != http.StatusOK {
		t.Errorf("export after password and code: %d", status)
	}
}
