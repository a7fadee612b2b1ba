package server_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// brandPNG is a w×h PNG filled with c.
func brandPNG(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// apiUpload sends a raw body with a content type to the management API.
func apiUpload(t testing.TB, base, method, path, token, contentType string, body []byte) apiResp {
	t.Helper()
	req, err := http.NewRequest(method, base+"/api/v1"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := apiResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// brandServer sets a logo, a colour and a display name through the API
// and returns the API's answer (logo_url ...).
func brandServer(t testing.TB, srv *testserver.Server, name, colour string) map[string]any {
	t.Helper()
	token := serviceToken(t, srv, "branding-admin", true)
	apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/png", brandPNG(t, 120, 40, color.RGBA{0x0f, 0x76, 0x6e, 0xff})).want(t, http.StatusOK)
	return apiCall(t, srv.URL, http.MethodPatch, "/settings/branding", token,
		map[string]any{"display_name": name, "primary_color": colour}).want(t, http.StatusOK).body
}

// fetch GETs raw and returns the status, header and body.
func fetch(t testing.TB, raw string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// postMultipart posts fields and files (field -> content) as
// multipart/form-data with the browser of rp.
func (rp *relyingParty) postMultipart(raw string, fields map[string]string, files map[string][]byte) (int, string, string) {
	rp.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			rp.t.Fatal(err)
		}
	}
	for k, v := range files {
		fw, err := w.CreateFormFile(k, k+".bin")
		if err != nil {
			rp.t.Fatal(err)
		}
		if _, err := fw.Write(v); err != nil {
			rp.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		rp.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, rp.absolute(raw), &buf)
	if err != nil {
		rp.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return rp.do(req)
}
