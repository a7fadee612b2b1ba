package op

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// RFC 9207: every authorization response, success or error, carries the
// issuer in "iss", so a client talking to several providers can tell which
// one answered (mix-up attacks). zop builds these responses itself without
// it; withIss adds it to what zop writes on /authorize and
// /authorize/callback, and RejectURL adds it to the rejections the login
// pages send.

// ParamIss is the authorization response parameter of RFC 9207.
const ParamIss = "iss"

// withIss adds iss to the authorization responses next writes: redirects
// whose query or fragment holds code or error, and form_post pages.
func (p *Provider) withIss(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		iw := &issWriter{ResponseWriter: w, iss: p.opts.Issuer}
		next(iw, r)
		iw.flush()
	}
}

// addIss returns the redirect u with iss set where its response
// parameters are (fragment when they are there, else the query). A URL
// that is no authorization response (no code and no error) is unchanged.
func addIss(u, iss string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	if frag, err := url.ParseQuery(parsed.Fragment); err == nil && isAuthResponse(frag) {
		if frag.Has(ParamIss) {
			return u
		}
		frag.Set(ParamIss, iss)
		parsed.Fragment = ""
		return parsed.String() + "#" + frag.Encode()
	}
	q := parsed.Query()
	if !isAuthResponse(q) || q.Has(ParamIss) {
		return u
	}
	q.Set(ParamIss, iss)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

func isAuthResponse(v url.Values) bool { return v.Has("code") || v.Has("error") }

// issWriter rewrites the Location of redirects and buffers an HTML body
// (zop's form_post page) to add a hidden iss field to its form.
type issWriter struct {
	http.ResponseWriter
	iss     string
	status  int
	buf     *bytes.Buffer
	written bool
}

func (w *issWriter) WriteHeader(code int) {
	if w.written || w.buf != nil {
		return
	}
	h := w.Header()
	if loc := h.Get("Location"); loc != "" && code >= 300 && code < 400 {
		h.Set("Location", addIss(loc, w.iss))
	}
	if ct := h.Get("Content-Type"); code == http.StatusOK && (ct == "" || strings.HasPrefix(ct, "text/html")) {
		w.status, w.buf = code, &bytes.Buffer{}
		return
	}
	w.written = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *issWriter) Write(b []byte) (int, error) {
	if !w.written && w.buf == nil {
		w.WriteHeader(http.StatusOK)
	}
	if w.buf != nil {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// flush writes a buffered body, with the iss field added to a form_post
// page (a form posting code or error).
func (w *issWriter) flush() {
	if w.buf == nil {
		return
	}
	body := w.buf.Bytes()
	if bytes.Contains(body, []byte(`<form method="post"`)) &&
		(bytes.Contains(body, []byte(`name="code"`)) || bytes.Contains(body, []byte(`name="error"`))) &&
		!bytes.Contains(body, []byte(`name="iss"`)) {
		field := `<input type="hidden" name="iss" value="` + html.EscapeString(w.iss) + `"/>` + "\n</form>"
		body = bytes.Replace(body, []byte("</form>"), []byte(field), 1)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
}
