package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	staticPrefix = "/static/"
	staticRoute  = staticPrefix + "*filepath"
	versionParam = "v"

	// cacheVersioned is for a URL carrying the file's current version:
	// its content never changes, a new release links a new URL.
	cacheVersioned = "public, max-age=31536000, immutable"
	// cacheUnversioned is for bare URLs, revalidated by ETag after a day.
	cacheUnversioned = "public, max-age=86400"
)

// asset is one static file, held in memory with its metadata.
type asset struct {
	body        []byte
	contentType string
	etag        string // strong, from the content hash
	version     string // short content hash, the ?v= of its URL
}

// assets maps a path relative to the static folder to its file.
type assets map[string]asset

// loadAssets reads every file of fsys into memory. Static files are few and
// small; holding them lets responses skip the file system entirely.
func loadAssets(fsys fs.FS) (assets, error) {
	a := assets{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		a[name] = newAsset(name, body)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk static files: %w", err)
	}
	return a, nil
}

func newAsset(name string, body []byte) asset {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	return asset{body: body, contentType: staticContentType(name, body), etag: `"` + hash[:32] + `"`, version: hash[:12]}
}

// staticTypes are the content types of the static files by extension: the
// common web ones (a test checks that every shipped file's is here). The
// table is fixed, not mime.TypeByExtension: that reads the host's MIME
// database on first use, so a file's type would depend on the machine (and
// a container image without the database), and the database's maps stay in
// memory for the life of the process (0.45 MB of live heap here).
var staticTypes = map[string]string{
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".pdf":         "application/pdf",
}

// staticContentType is the content type of the static file name: by its
// extension (in any case), or sniffed from body for an extension the
// table does not know.
func staticContentType(name string, body []byte) string {
	if t, ok := staticTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return http.DetectContentType(body)
}

// url is the versioned URL of a static file; the static template function.
func (a assets) url(name string) (string, error) {
	f, ok := a[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return staticPrefix + name + "?" + versionParam + "=" + f.version, nil
}

// serveStatic serves one static file from memory, with conditional and
// range requests handled by http.ServeContent. Unknown names, folders
// included, get the 404 page.
func (u *UI) serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("filepath"), "/")
	f, ok := u.assets[name]
	if !ok {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	if c.Query(versionParam) == f.version {
		h.Set("Cache-Control", cacheVersioned)
	} else {
		h.Set("Cache-Control", cacheUnversioned)
	}
	http.ServeContent(c.Writer, c.Request, name, time.Time{}, bytes.NewReader(f.body))
}
