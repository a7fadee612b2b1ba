package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/storage"
)

// The console's client pages.
const (
	adminClientsPath       = adminPath + "/clients"
	adminClientsTemplate   = "admin_clients"
	adminClientTemplate    = "admin_client"
	adminSecretTemplate    = "admin_client_secret"
	newClientSegment       = "new"
	clientPublicConflict   = "admin.clients.error.public_secret"
	clientSecretCreatedKey = "admin.clients.secret.created"
	clientSecretRotatedKey = "admin.clients.secret.rotated"
)

// AdminClients manages OAuth clients: the server passes the management
// API's client adapter, which applies the registration rules of the CLI,
// drops changed clients from the provider's cache and writes the audit
// events. A client the rules refuse is a *ClientRulesError; a taken id
// wraps storage.ErrAlreadyExists; an unknown one storage.ErrNotFound.
type AdminClients interface {
	CountClients(ctx context.Context) (int, error)
	ListClients(ctx context.Context, cursor string, limit int) (storage.Page[storage.Client], error)
	Client(ctx context.Context, id string) (storage.Client, error)
	// CreateClient stores c and returns its new secret ("" for a public
	// client).
	CreateClient(ctx context.Context, actorID string, c storage.Client) (secret string, err error)
	// UpdateClient stores c, keeping its secret.
	UpdateClient(ctx context.Context, actorID string, c storage.Client) error
	// RotateClientSecret replaces the secret and returns the new one; a
	// public client wraps storage.ErrConflict.
	RotateClientSecret(ctx context.Context, actorID, id string) (secret string, err error)
	DeleteClient(ctx context.Context, actorID, id string) error
}

// ClientRulesError says which fields of a client the registration rules
// refused.
type ClientRulesError struct{ Problems []ClientProblem }

// ClientProblem is one refused field: Field is a form field name (id,
// redirect_uris, post_logout_redirect_uris, grant_types, scopes,
// access_token_format) or "" for the client as a whole; Value, when set,
// is the refused entry.
type ClientProblem struct{ Field, Value string }

func (e *ClientRulesError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, p.Field+" "+p.Value)
	}
	return "ui: client refused: " + strings.Join(parts, "; ")
}

func (u *UI) adminClientRoutes(g gin.IRouter) {
	g.GET("/clients", u.adminClientsPage)
	g.GET("/clients/:id", u.adminClientPage)
	g.POST("/clients/:id", u.adminClientSubmit)
	g.POST("/clients/:id/secret", u.adminClientRotate)
	g.POST("/clients/:id/delete", u.adminClientDelete)
}

// clientRow is one client of the list.
type clientRow struct {
	ID, Name, Kind, Grants string
	FirstParty             bool
}

// adminClientsData is the .Data of the client list.
type adminClientsData struct {
	adminNav
	Clients []clientRow
	Next    string
}

// adminClientsPage serves GET /admin/clients?cursor=.
func (u *UI) adminClientsPage(c *gin.Context) {
	lang := u.lang(c)
	notice := u.adminNotice(c, map[string]string{"deleted": "admin.clients.notice.deleted"})
	d := adminClientsData{adminNav: adminNav{Nav: "clients", Notice: notice}}
	page, err := u.admin.ListClients(c.Request.Context(), adminQuery(c, adminCursorParam), adminPageSize)
	if err != nil {
		u.fail(c, "list clients", err)
		return
	}
	for _, cl := range page.Items {
		kind := u.bundle.T(lang, "admin.clients.confidential")
		if cl.Public {
			kind = u.bundle.T(lang, "admin.clients.public")
		}
		d.Clients = append(d.Clients, clientRow{ID: cl.ID, Name: cl.Name, Kind: kind,
			Grants: strings.Join(cl.GrantTypes, ", "), FirstParty: cl.FirstParty})
	}
	d.Next = nextPageURL(adminClientsPath, nil, page.Next)
	u.Render(c, http.StatusOK, adminClientsTemplate, d)
}

// adminClientPage serves GET /admin/clients/new (the empty form) and GET
// /admin/clients/{id} (the client's form).
func (u *UI) adminClientPage(c *gin.Context) {
	id := c.Param("id")
	if id == newClientSegment {
		u.renderClientForm(c, http.StatusOK, newClientInput(), nil)
		return
	}
	cl, ok := u.adminClient(c, id)
	if !ok {
		return
	}
	in := clientInputOf(cl)
	notice := u.adminNotice(c, map[string]string{"saved": "admin.clients.notice.saved"})
	u.renderClientForm(c, http.StatusOK, in, &adminNav{Notice: notice})
}

// adminClient reads a client, rendering 404 or 500 when it cannot.
func (u *UI) adminClient(c *gin.Context, id string) (storage.Client, bool) {
	cl, err := u.admin.Client(c.Request.Context(), boundedID(id))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
		return cl, false
	case err != nil:
		u.fail(c, "read client", err)
		return cl, false
	}
	return cl, true
}

// adminClientSubmit serves POST /admin/clients/new (create) and POST
// /admin/clients/{id} (save). A confidential client's new secret is shown
// once.
func (u *UI) adminClientSubmit(c *gin.Context) {
	if !u.parseForm(c) {
		return
	}
	in := clientInputFrom(c.Request.PostForm)
	ctx, actor := c.Request.Context(), adminActor(c)
	if c.Param("id") == newClientSegment {
		in.New = true
		secret, err := u.admin.CreateClient(ctx, actor, in.client(storage.Client{}))
		if err != nil {
			u.refuseClient(c, in, err)
			return
		}
		if secret != "" {
			u.renderSecret(c, in.ID, secret, clientSecretCreatedKey)
			return
		}
		redirect(c, noticeURL(adminClientsPath+"/"+url.PathEscape(in.ID), "saved"))
		return
	}
	cl, ok := u.adminClient(c, c.Param("id"))
	if !ok {
		return
	}
	in.ID, in.Public = cl.ID, cl.Public
	if err := u.admin.UpdateClient(ctx, actor, in.client(cl)); err != nil {
		u.refuseClient(c, in, err)
		return
	}
	redirect(c, noticeURL(adminClientsPath+"/"+url.PathEscape(cl.ID), "saved"))
}

// refuseClient shows the form again with what the administrator typed
// and what the rules refused.
func (u *UI) refuseClient(c *gin.Context, in clientInput, err error) {
	rules, isRules := errors.AsType[*ClientRulesError](err)
	switch {
	case isRules:
		in.problems = rules.Problems
	case errors.Is(err, storage.ErrAlreadyExists):
		in.problems = []ClientProblem{{Field: "id_taken", Value: in.ID}}
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
		return
	default:
		u.fail(c, "save client", err)
		return
	}
	u.renderClientForm(c, http.StatusUnprocessableEntity, in, nil)
}

// adminSecretData is the .Data of the page that shows a secret once.
type adminSecretData struct {
	adminNav
	ClientID string
	Secret   string
}

// renderSecret shows a client's new secret, once: the page is never
// stored and the secret is nowhere else.
func (u *UI) renderSecret(c *gin.Context, id, secret, noticeKey string) {
	d := adminSecretData{adminNav: adminNav{Nav: "clients", Notice: u.bundle.T(u.lang(c), noticeKey)}, ClientID: id, Secret: secret}
	u.Render(c, http.StatusOK, adminSecretTemplate, d)
}

// adminClientRotate serves POST /admin/clients/{id}/secret: after the
// confirmation step, a new secret replaces the old one at once.
func (u *UI) adminClientRotate(c *gin.Context) {
	cl, ok := u.confirmedClient(c, "rotate", "/secret")
	if !ok {
		return
	}
	secret, err := u.admin.RotateClientSecret(c.Request.Context(), adminActor(c), cl.ID)
	switch {
	case err == nil:
		u.renderSecret(c, cl.ID, secret, clientSecretRotatedKey)
	case errors.Is(err, storage.ErrConflict):
		in := clientInputOf(cl)
		u.renderClientForm(c, http.StatusConflict, in, &adminNav{Alert: u.bundle.T(u.lang(c), clientPublicConflict)})
	case errors.Is(err, storage.ErrNotFound):
		u.RenderError(c, http.StatusNotFound)
	default:
		u.fail(c, "rotate client secret", err)
	}
}

// adminClientDelete serves POST /admin/clients/{id}/delete, after the
// confirmation step.
func (u *UI) adminClientDelete(c *gin.Context) {
	cl, ok := u.confirmedClient(c, "delete_client", "/delete")
	if !ok {
		return
	}
	err := u.admin.DeleteClient(c.Request.Context(), adminActor(c), cl.ID)
	switch {
	case err == nil, errors.Is(err, storage.ErrNotFound):
		redirect(c, noticeURL(adminClientsPath, "deleted"))
	default:
		u.fail(c, "delete client", err)
	}
}

// confirmedClient returns the client a destructive POST is about, once
// the form carries confirm=1; before that it shows the confirmation page
// of action (posting to the client's path + suffix) and ok is false, as
// it is when the form or client is bad (the page is written).
func (u *UI) confirmedClient(c *gin.Context, action, suffix string) (storage.Client, bool) {
	if !u.parseForm(c) {
		return storage.Client{}, false
	}
	cl, ok := u.adminClient(c, c.Param("id"))
	if !ok {
		return storage.Client{}, false
	}
	if !confirmed(c) {
		u.confirmClientAction(c, cl, action, suffix)
		return storage.Client{}, false
	}
	return cl, true
}

// confirmClientAction shows the confirmation page of action (a catalog
// name under admin.confirm.) on cl, posting to its path + suffix.
func (u *UI) confirmClientAction(c *gin.Context, cl storage.Client, action, suffix string) {
	lang, base := u.lang(c), "admin.confirm."+action
	path := adminClientsPath + "/" + url.PathEscape(cl.ID)
	u.Render(c, http.StatusOK, adminConfirmPage, adminConfirmData{
		adminNav: adminNav{Nav: "clients"},
		Heading:  u.bundle.T(lang, base+".heading"), Message: u.bundle.T(lang, base+".message", "client", cl.ID),
		Button: u.bundle.T(lang, base+".button"), Action: path + suffix, Cancel: path,
	})
}

// adminClientMessageKeys lists the keys the client pages build in Go.
func adminClientMessageKeys() []string {
	keys := []string{clientPublicConflict, clientSecretCreatedKey, clientSecretRotatedKey,
		"admin.clients.confidential", "admin.clients.public", "admin.clients.notice.deleted", "admin.clients.notice.saved"}
	for _, action := range []string{"rotate", "delete_client"} {
		base := "admin.confirm." + action
		keys = append(keys, base+".heading", base+".message", base+".button")
	}
	return append(keys, clientFormMessageKeys()...)
}
