package adminapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// OpenAPIPath turns a gin path (/users/:id) into an OpenAPI one
// (/users/{id}).
func OpenAPIPath(ginPath string) string {
	parts := strings.Split(ginPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// Document returns the OpenAPI 3.1 document of the API, built from the
// route table that registers the routes.
func (a *API) Document() map[string]any {
	paths := map[string]any{}
	paths[Prefix+"/openapi.json"] = map[string]any{"get": map[string]any{
		"summary": "This document", "operationId": "openapi", "security": []any{},
		"responses": map[string]any{"200": map[string]any{"description": "OpenAPI 3.1 document"}},
	}}
	for _, rt := range a.routes() {
		p := Prefix + OpenAPIPath(rt.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(rt.Method)] = operation(rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Gatehouse management API", "version": "1",
			"description": "Bearer access tokens with scope " + Scope + " of an admin user (authorization code) or an admin service client (client credentials). Errors are RFC 9457 problem details."},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []string{Scope}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas(),
			"responses": map[string]any{"Problem": map[string]any{"description": "RFC 9457 problem details",
				"content": map[string]any{ProblemContentType: map[string]any{"schema": ref("Problem")}}}},
		},
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// operation describes one route.
func operation(rt route) map[string]any {
	var params []any
	for _, seg := range strings.Split(rt.Path, "/") {
		if strings.HasPrefix(seg, ":") {
			params = append(params, map[string]any{"name": seg[1:], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	for _, q := range rt.Query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
	}
	problem := map[string]any{"$ref": "#/components/responses/Problem"}
	ok := map[string]any{"description": http.StatusText(rt.Status)}
	if rt.Status != http.StatusNoContent {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
	}
	op := map[string]any{
		"summary": rt.Summary, "tags": []string{rt.Tag},
		"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", ":", "", "-", "_").Replace(rt.Path),
		"responses": map[string]any{strconv.Itoa(rt.Status): ok, "400": problem, "401": problem, "403": problem,
			"404": problem, "409": problem},
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Body != "" {
		mediaTypes := []string{"application/json"}
		switch rt.Body {
		case "UserImport":
			mediaTypes = []string{"application/x-ndjson"} // JSON Lines
		case "BrandingImage":
			mediaTypes = []string{"image/png", "image/webp", "image/svg+xml"} // the raw file
		case "BrandingCSS":
			mediaTypes = []string{"text/css"}
		}
		content := map[string]any{}
		for _, mt := range mediaTypes {
			content[mt] = map[string]any{"schema": ref(rt.Body)}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	return op
}

// schemas are the request bodies and the problem shape.
func schemas() map[string]any {
	obj := func(props map[string]string) map[string]any {
		p := map[string]any{}
		for k, t := range props {
			if t == "array" {
				p[k] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
			} else {
				p[k] = map[string]any{"type": t}
			}
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": p}
	}
	user := map[string]string{"email": "string", "username": "string", "given_name": "string", "family_name": "string",
		"company": "string", "country": "string", "locale": "string", "role": "string"}
	patch := map[string]string{"email_verified": "boolean"}
	for k, v := range user {
		patch[k] = v
	}
	client := map[string]string{"id": "string", "name": "string", "public": "boolean", "redirect_uris": "array",
		"post_logout_redirect_uris": "array", "grant_types": "array", "scopes": "array", "first_party": "boolean",
		"access_token_format": "string", "dev": "boolean", "admin": "boolean", "require_mfa": "boolean",
		"allowed_groups": "array", "backchannel_logout_uri": "string", "backchannel_logout_session_required": "boolean",
		"token_endpoint_auth_method": "string", "jwks": "object", "jwks_uri": "string", "id_token_signed_response_alg": "string",
		"require_pushed_authorization_requests": "boolean", "require_par": "boolean", "token_exchange_delegation": "boolean",
		"home_url": "string"}
	settings := map[string]string{"registration_mode": "string", "registration_fields": "array", "verify_email": "boolean",
		"terms_url": "string", "captcha_provider": "string", "reset_style": "string", "reset_identify": "string",
		"password_min_length": "integer", "password_require": "array", "session_lifetime": "string",
		"session_max_lifetime": "string", "session_idle_timeout": "string", "signin_captcha_after": "integer", "mfa_policy": "string",
		"tokens_scopes": "array", "tokens_max_lifetime": "string", "notify_new_device": "boolean", "self_delete": "boolean",
		"require_pushed_authorization_requests": "boolean", "dynamic_client_registration": "boolean"}
	return map[string]any{
		"UserCreate": obj(user), "UserPatch": obj(patch), "Reject": obj(map[string]string{"reason": "string"}),
		"ClientCreate": obj(client), "ClientPatch": obj(client), "SettingsPatch": obj(settings),
		"GroupCreate":             obj(map[string]string{"name": "string", "description": "string"}),
		"GroupPatch":              obj(map[string]string{"name": "string", "description": "string"}),
		"InvitationCreate":        obj(map[string]string{"email": "string", "groups": "array"}),
		"RegistrationTokenCreate": obj(map[string]string{"name": "string", "expires_in": "string"}),
		"BrandingPatch":           obj(map[string]string{"display_name": "string", "primary_color": "string"}),
		"BrandingImage": map[string]any{"type": "string", "format": "binary", "description": "the raw PNG, WebP or SVG file " +
			"(SVG is sanitised; scripts, event handlers, external links and foreignObject are refused), at most 256 KiB"},
		"BrandingCSS": map[string]any{"type": "string", "description": "the stylesheet, at most 64 KiB; @import, url() of " +
			"other origins and backslash escapes are refused"},
		"UserImport": map[string]any{"type": "string", "description": "JSON Lines: one user a line with email, username, given_name, " +
			"family_name, email_verified, groups, state and password_hash (README, Importing users)"},
		"Problem": map[string]any{"type": "object", "required": []string{"type", "title", "status"}, "properties": map[string]any{
			"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
			"status": map[string]any{"type": "integer"}, "detail": map[string]any{"type": "string"},
			"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"field": map[string]any{"type": "string"}, "detail": map[string]any{"type": "string"}}}},
		}},
	}
}

func (a *API) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.JSON(http.StatusOK, a.Document())
}
