package export

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// versioned is a site whose feed and pages change with version v; at
// version 2 the home page links a page /new, gone again at 3.
func versioned(v *int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		body := "<p>home " + strings.Repeat("v", *v) + `</p><a href="/a">A</a>`
		if *v == 2 {
			body += `<a href="/new">new</a>`
		}
		w.Write([]byte(body))
	})
	mux.HandleFunc("GET /a", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>a " + strings.Repeat("version ", *v) + "</p>"))
	})
	mux.HandleFunc("GET /new", func(w http.ResponseWriter, r *http.Request) {
		if *v != 2 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>new</p>"))
	})
	mux.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write([]byte("<feed>" + strings.Repeat("<entry/>", *v) + "</feed>"))
	})
	return mux
}

// An export killed between the renames of a document's files leaves
// them out of step, and temporary files; the next export first
// completes the renames, so the files agree again, and removes every
// temporary file, the journal's and those of older exports; files of
// the interrupted export that the next one does not write are removed.
func TestExportRepairsInterruptedExport(t *testing.T) {
	base, _ := url.Parse("https://x.example/")
	out := filepath.Join(t.TempDir(), "out")
	v := 1
	opts := Options{Handler: versioned(&v), Base: base, Roots: []string{"/", "/feed.atom"}, Workers: 1,
		Fallback: time.Date(2026, 4, 26, 0, 0, 0, 0, time.UTC)}
	if _, err := Export(t.Context(), out, opts); err != nil {
		t.Fatal(err)
	}
	agree(t, out)

	// Version 2, killed right after the first rename of /new's files,
	// its .br: the .gz and the page itself are still temporary files.
	v = 2
	killed := opts
	killed.interrupt = func(file string) bool { return file == "new.html.br" }
	if _, err := Export(t.Context(), out, killed); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted export: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "new.html")); err == nil {
		t.Fatal("the interruption came after the page was renamed: the test does not test")
	}
	if tmps := dotFiles(t, out, tmpDirName); len(tmps) == 0 {
		t.Fatal("no temporary files left by the interruption")
	}
	// And what an export of an earlier version left when killed: a
	// temporary file beside its file.
	os.WriteFile(filepath.Join(out, ".a.html.gz.tmp123456"), []byte("half"), 0o644)

	// The next export starts by completing the interrupted one.
	prev := loadState(out, "")
	f, err := openFolder(out, prev)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"new.html", "new.html.gz", "new.html.br"} {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("after recovery: %v", err)
		}
		if !f.previous[n] {
			t.Errorf("%s, written by the interrupted export, is not counted as the export's", n)
		}
	}
	agree(t, out)
	if left := dotFiles(t, out, ""); strings.Join(left, " ") != manifestName+" "+journalName+" "+stateName {
		t.Errorf("after recovery, dot-files %v; want the manifest, the journal and the state", left)
	}

	// Version 3 has no /new: the files the interrupted export made for
	// it go, and nothing of the interruption is left.
	v = 3
	res, err := Export(t.Context(), out, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"new.html", "new.html.gz", "new.html.br"} {
		if _, err := os.Stat(filepath.Join(out, n)); err == nil {
			t.Errorf("%s of the interrupted export survives an export without /new", n)
		}
	}
	if res.Removed < 3 {
		t.Errorf("removed %d files, want at least /new's 3", res.Removed)
	}
	agree(t, out)
	if left := dotFiles(t, out, ""); strings.Join(left, " ") != manifestName+" "+stateName {
		t.Errorf("dot-files after a finished export: %v", left)
	}
	conf, _ := os.ReadFile(filepath.Join(out, nginxName))
	if !strings.Contains(string(conf), `location ~ "/\." { return 404; }`) {
		t.Error("_nginx.conf serves dot-files")
	}
}

// A journal whose last line was cut short by the interruption names no
// rename that began: it is ignored, and its temporary file removed.
func TestExportIgnoresTornJournalLine(t *testing.T) {
	base, _ := url.Parse("https://x.example/")
	out := filepath.Join(t.TempDir(), "out")
	v := 1
	opts := Options{Handler: versioned(&v), Base: base, Roots: []string{"/", "/feed.atom"}, Workers: 1}
	if _, err := Export(t.Context(), out, opts); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(out, "feed.atom"))
	os.MkdirAll(filepath.Join(out, tmpDirName), 0o755)
	os.WriteFile(filepath.Join(out, tmpDirName, "123"), []byte("<feed>new</feed>"), 0o644)
	line := journalLine([]journalPair{{tmp: "123", final: "feed.atom"}})
	os.WriteFile(filepath.Join(out, journalName), []byte(line[:len(line)-1]), 0o644)
	if _, err := openFolder(out, loadState(out, "")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "feed.atom")); !bytes.Equal(b, old) {
		t.Errorf("a torn journal line was carried out: %q", b)
	}
	if left := dotFiles(t, out, ""); strings.Join(left, " ") != manifestName+" "+stateName {
		t.Errorf("dot-files after recovery: %v", left)
	}
}

// agree fails the test unless every .gz and .br in dir holds its
// file's bytes, compressed.
func agree(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var r io.Reader
		plain := strings.TrimSuffix(strings.TrimSuffix(p, ".gz"), ".br")
		if plain == p {
			return nil
		}
		b, _ := os.ReadFile(p)
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			r = zr
		} else {
			r = brotli.NewReader(bytes.NewReader(b))
		}
		got, err := io.ReadAll(r)
		want, werr := os.ReadFile(plain)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			rel, _ := filepath.Rel(dir, p)
			t.Errorf("%s does not hold its file's bytes (%v, %v)", rel, err, werr)
		}
		return nil
	})
}

// dotFiles lists the names starting with a dot under dir (under
// dir/sub when sub is set), relative to it, sorted.
func dotFiles(t *testing.T, dir, sub string) []string {
	t.Helper()
	var out []string
	root := filepath.Join(dir, sub)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p != root && (sub != "" || strings.HasPrefix(d.Name(), ".")) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}
