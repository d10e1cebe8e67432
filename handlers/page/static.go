package page

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"path"

	"github.com/morningpost/morningpost/feed"
)

//go:embed static
var staticFS embed.FS

// Static are the embedded files under static/, with their headers
// computed once.
type Static struct {
	Files map[string]*StaticFile
}

// StaticFile is one static file, ready to be written.
type StaticFile struct {
	*feed.Response
	Version string // first hex digits of the content hash, for ?v=
}

// contentTypes of the static files by extension.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".png": "image/png",
	".js":  "text/javascript; charset=utf-8",
}

// LoadStatic reads the embedded static files.
func LoadStatic() (*Static, error) {
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		return nil, err
	}
	s := &Static{Files: map[string]*StaticFile{}}
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok || e.IsDir() {
			continue
		}
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		s.Files[e.Name()] = &StaticFile{
			Response: feed.File(ct, b, nil),
			Version:  hex.EncodeToString(sum[:])[:12],
		}
	}
	for _, need := range []string{"site.css", "icon.png", "live.js"} {
		if s.Files[need] == nil {
			return nil, fmt.Errorf("static/%s is missing", need)
		}
	}
	return s, nil
}

// URL is the file's URL with its version, which pages link to: the
// version changes with the bytes, so the URL may be cached for a year.
func (s *Static) URL(name string) string { return s.Files[name].URL(name) }

// URL is the URL of f, served as static/name, with its version.
func (f *StaticFile) URL(name string) string { return "/static/" + name + "?v=" + f.Version }
