package storagetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) clients(t *testing.T) {
	s.group(t, "Clients",
		sub("CreateAndByID", testClientRoundTrip),
		sub("Defaults", testClientDefaults),
		sub("RejectsInvalid", testClientInvalid),
		sub("DuplicateID", testClientDuplicate),
		sub("ByIDNotFound", testClientNotFound),
		sub("ListPages", testClientList),
		sub("Update", testClientUpdate),
		sub("Delete", testClientDelete),
		sub("DeleteCascades", testClientDeleteCascades),
	)
}

func testClientRoundTrip(t *testing.T, st storage.Store) {
	c := storage.Client{
		ID: "app-" + storage.NewID(), SecretHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Name: "Shop", RedirectURIs: []string{"https://shop.example.test/cb", "http://127.0.0.1:8000/cb"},
		PostLogoutRedirectURIs: []string{"https://shop.example.test/"},
		GrantTypes:             []string{"authorization_code", "refresh_token", "client_credentials"},
		Scopes:                 []string{"openid", "gatehouse:admin"}, FirstParty: true,
		AccessTokenFormat: storage.AccessTokenOpaque, Dev: true, Admin: true,
		HomeURL: "https://shop.example.test/start",
	}
	noErr(t, st.Clients().Create(t.Context(), &c))
	wantUTCMillis(t, "CreatedAt", c.CreatedAt)
	if c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Fatalf("Create set CreatedAt %v, UpdatedAt %v", c.CreatedAt, c.UpdatedAt)
	}
	got, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("ByID:\n got %+v\nwant %+v", got, c)
	}
	pub := storage.Client{ID: "spa-" + storage.NewID(), Public: true, Name: "SPA", CreatedAt: clock().Add(123 * time.Microsecond)}
	noErr(t, st.Clients().Create(t.Context(), &pub))
	got, err = st.Clients().ByID(t.Context(), pub.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, pub) || !got.CreatedAt.Equal(clock()) {
		t.Fatalf("public client:\n got %+v\nwant %+v", got, pub)
	}
}

func testClientDefaults(t *testing.T, st storage.Store) {
	c := storage.Client{Name: "no id"}
	noErr(t, st.Clients().Create(t.Context(), &c))
	if len(c.ID) != storage.IDLength || c.AccessTokenFormat != storage.AccessTokenJWT {
		t.Fatalf("Create set ID %q, format %q", c.ID, c.AccessTokenFormat)
	}
	got, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if got.RedirectURIs != nil || got.Scopes != nil || got.GrantTypes != nil || got.PostLogoutRedirectURIs != nil {
		t.Fatalf("empty lists read back as %+v", got)
	}
}

func testClientInvalid(t *testing.T, st storage.Store) {
	c := storage.Client{ID: storage.NewID(), AccessTokenFormat: "paseto"}
	wantErr(t, st.Clients().Create(t.Context(), &c), storage.ErrInvalid)
	ok := createClient(t, st)
	ok.AccessTokenFormat = "JWT"
	wantErr(t, st.Clients().Update(t.Context(), &ok), storage.ErrInvalid)
}

func testClientDuplicate(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	dup := storage.Client{ID: c.ID, Name: "other"}
	wantErr(t, st.Clients().Create(t.Context(), &dup), storage.ErrAlreadyExists)
}

func testClientNotFound(t *testing.T, st storage.Store) {
	_, err := st.Clients().ByID(t.Context(), "no-such-client")
	wantErr(t, err, storage.ErrNotFound)
}

// testClientList pages through every client (other subtests add theirs)
// and checks the order and that its own clients are all there, once.
func testClientList(t *testing.T, st storage.Store) {
	var mine []string
	for range 5 {
		mine = append(mine, createClient(t, st).ID)
	}
	slices.Sort(mine)
	all := listClientIDs(t, st, storage.MaxLimit)
	paged := listClientIDs(t, st, 2)
	if !slices.Equal(all, paged) {
		t.Fatalf("pages of 2 give %v, one page %v", paged, all)
	}
	if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Fatalf("List is not ordered by id without repeats: %v", all)
	}
	got := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return !slices.Contains(mine, id) })
	if !slices.Equal(got, mine) {
		t.Fatalf("List has %v of this test's clients, want %v", got, mine)
	}
	page, err := st.Clients().List(t.Context(), "", 0)
	noErr(t, err)
	if len(page.Items) != min(len(all), storage.DefaultLimit) {
		t.Fatalf("default page has %d clients", len(page.Items))
	}
	_, err = st.Clients().List(t.Context(), "%%%", 10)
	wantErr(t, err, storage.ErrInvalid)
}

func listClientIDs(t *testing.T, st storage.Store, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for {
		page, err := st.Clients().List(t.Context(), cursor, limit)
		noErr(t, err)
		if len(page.Items) > limit {
			t.Fatalf("page of %d clients, limit %d", len(page.Items), limit)
		}
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		if page.Next == "" {
			return ids
		}
		cursor = page.Next
	}
}

func testClientUpdate(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	created := c.CreatedAt
	c.Name, c.SecretHash, c.Public = "Renamed", "", true
	c.RedirectURIs = []string{"https://new.example.test/cb"}
	c.Scopes, c.FirstParty, c.AccessTokenFormat = []string{"openid"}, true, storage.AccessTokenOpaque
	c.HomeURL = "https://new.example.test/"
	c.CreatedAt = created.Add(time.Hour) // ignored
	noErr(t, st.Clients().Update(t.Context(), &c))
	if !c.UpdatedAt.After(created) {
		t.Fatalf("UpdatedAt %v not after %v", c.UpdatedAt, created)
	}
	c.CreatedAt = created
	got, err := st.Clients().ByID(t.Context(), c.ID)
	noErr(t, err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("after Update:\n got %+v\nwant %+v", got, c)
	}
	gone := storage.Client{ID: "no-such-client"}
	wantErr(t, st.Clients().Update(t.Context(), &gone), storage.ErrNotFound)
}

func testClientDelete(t *testing.T, st storage.Store) {
	c := createClient(t, st)
	noErr(t, st.Clients().Delete(t.Context(), c.ID))
	_, err := st.Clients().ByID(t.Context(), c.ID)
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, st.Clients().Delete(t.Context(), c.ID), storage.ErrNotFound)
}

// clientWorld is one client with a request, tokens and a consent of a user.
type clientWorld struct {
	client  storage.Client
	request storage.AuthRequest
	access  storage.AccessToken
	cc      storage.AccessToken // client credentials
	refresh storage.RefreshToken
}

func makeClientWorld(t *testing.T, st storage.Store, userID string) clientWorld {
	t.Helper()
	now := clock()
	w := clientWorld{client: createClient(t, st)}
	w.request = createAuthRequest(t, st, w.client.ID, now)
	w.refresh = newRefresh(w.client.ID, userID, now)
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &w.refresh))
	w.access = newAccess(w.client.ID, userID, now)
	w.access.RefreshTokenID = w.refresh.ID
	noErr(t, st.Tokens().CreateAccess(t.Context(), &w.access))
	w.cc = newAccess(w.client.ID, w.client.ID, now)
	noErr(t, st.Tokens().CreateAccess(t.Context(), &w.cc))
	noErr(t, st.Consents().Grant(t.Context(), userID, w.client.ID, []string{"openid"}, now))
	return w
}

// wantWorld checks whether every row of w exists.
func wantWorld(t *testing.T, st storage.Store, w clientWorld, userID string, exists bool) {
	t.Helper()
	check := func(what string, err error) {
		t.Helper()
		if exists && err != nil {
			t.Fatalf("%s: %v, want it to exist", what, err)
		}
		if !exists && !isErr(err, storage.ErrNotFound) {
			t.Fatalf("%s: got %v, want ErrNotFound", what, err)
		}
	}
	_, err := st.AuthRequests().ByID(t.Context(), w.request.ID, clock())
	check("auth request", err)
	_, err = st.Tokens().AccessByID(t.Context(), w.access.ID)
	check("access token", err)
	_, err = st.Tokens().RefreshByID(t.Context(), w.refresh.ID)
	check("refresh token", err)
	_, err = st.Consents().Get(t.Context(), userID, w.client.ID)
	check("consent", err)
}

func testClientDeleteCascades(t *testing.T, st storage.Store) {
	u := createUser(t, st)
	gone, kept := makeClientWorld(t, st, u.ID), makeClientWorld(t, st, u.ID)
	noErr(t, st.Clients().Delete(t.Context(), gone.client.ID))
	wantWorld(t, st, gone, u.ID, false)
	_, err := st.Tokens().AccessByID(t.Context(), gone.cc.ID)
	wantErr(t, err, storage.ErrNotFound)
	wantWorld(t, st, kept, u.ID, true)
	_, err = st.Tokens().AccessByID(t.Context(), kept.cc.ID)
	noErr(t, err)
}
