package export

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/morningpost/morningpost/feed"
)

// stateName is what an export leaves for the next one in the folder:
// each file's size, time and hash, so that a file is known unchanged
// from a stat, without reading it; each document's links, so that an
// unchanged document is not parsed again; and each document's render
// key, so that an unchanged document is read back instead of rendered
// (see Renders). It is a cache: when it is missing or unreadable the
// export reads and compares files as it would without it.
const stateName = ".morningpost-export.state"

// stateVersion changes with the layout of state.
const stateVersion = 1

// state is stateName's content, in slices sorted by name so that the
// same export writes the same bytes (and so does not write it again).
type state struct {
	Version int
	// Namespace names the program and the site the links and renders
	// were made by (see Options.Namespace); files are files whoever
	// wrote them.
	Namespace string
	Files     []fileRecord
	// Targets are the link targets of Docs, sorted, each once.
	Targets []string
	Docs    []docRecord
	Renders []renderRecord
}

// fileRecord is one file as the export left it.
type fileRecord struct {
	Name     string
	Size     int64
	Modified time.Time
	Sum      [32]byte // SHA-256 of its bytes
}

// docRecord is the links of the document at Target (path and query)
// whose bytes had hash Sum, as indexes into a table of targets: a site
// of 24,000 documents has some 2.5 million links to 25,000 targets.
type docRecord struct {
	Target string
	Sum    [32]byte
	Links  []int32
}

// renderRecord is a rendering of Path under a feed cache key.
type renderRecord struct {
	Key, Path, ContentType, Link string
	Modified                     time.Time // as rendered, before Stamps
	ETag                         string    // of the identity bytes
}

// loaded is the last export's state, as maps.
type loaded struct {
	files   map[string]fileRecord
	targets []string // of docs' links
	docs    map[string]docRecord
	renders map[string]renderRecord
}

// links are the links of d, whose indexes are into targets.
func (l *loaded) links(d docRecord) ([]string, bool) {
	out := make([]string, len(d.Links))
	for i, n := range d.Links {
		if n < 0 || int(n) >= len(l.targets) {
			return nil, false
		}
		out[i] = l.targets[n]
	}
	return out, true
}

// loadState reads the state in dir; links and renders only when they
// are of namespace (an empty namespace never matches).
func loadState(dir, namespace string) *loaded {
	l := &loaded{files: map[string]fileRecord{}, docs: map[string]docRecord{}, renders: map[string]renderRecord{}}
	b, err := os.ReadFile(filepath.Join(dir, stateName))
	if err != nil {
		return l
	}
	var st state
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&st) != nil || st.Version != stateVersion {
		return l
	}
	for _, f := range st.Files {
		l.files[f.Name] = f
	}
	if namespace == "" || st.Namespace != namespace {
		return l
	}
	l.targets = st.Targets
	for _, d := range st.Docs {
		l.docs[d.Target] = d
	}
	for _, r := range st.Renders {
		l.renders[r.Key] = r
	}
	return l
}

// targetTable numbers link targets as an export finds them, so that
// each is held once.
type targetTable struct {
	mu      sync.Mutex
	index   map[string]int32
	targets []string
}

func newTargetTable() *targetTable { return &targetTable{index: map[string]int32{}} }

// numbers are the indexes of links, added to the table if new.
func (t *targetTable) numbers(links []string) []int32 {
	out := make([]int32, len(links))
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, l := range links {
		n, ok := t.index[l]
		if !ok {
			n = int32(len(t.targets))
			t.index[l] = n
			t.targets = append(t.targets, l)
		}
		out[i] = n
	}
	return out
}

// sorted sets st.Targets to the table's targets sorted, and renumbers
// docs' links to match, so that one export always writes the same state.
func (t *targetTable) sorted(st *state) {
	order := make([]int32, len(t.targets))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(t.targets[a], t.targets[b]) })
	renumber := make([]int32, len(order))
	st.Targets = make([]string, len(order))
	for i, old := range order {
		renumber[old] = int32(i)
		st.Targets[i] = t.targets[old]
	}
	for _, d := range st.Docs {
		for i, n := range d.Links {
			d.Links[i] = renumber[n]
		}
	}
}

// writeState writes st into dir, atomically, unless it holds it already.
func writeState(dir string, st *state) error {
	slices.SortFunc(st.Files, func(a, b fileRecord) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(st.Docs, func(a, b docRecord) int { return strings.Compare(a.Target, b.Target) })
	slices.SortFunc(st.Renders, func(a, b renderRecord) int { return strings.Compare(a.Key, b.Key) })
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return writeOwn(filepath.Join(dir, stateName), buf.Bytes())
}

// writeOwn writes one of the export's own files, atomically, unless it
// holds b already.
func writeOwn(full string, b []byte) error {
	if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp := full + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, full); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// Renders is a feed.Renders kept in an export's folder: the handler's
// feed cache reads back, instead of rendering, each document the last
// export rendered under the same key, from its file. Give the same one
// to the cache (feed.Cache.UseRenders) and to Export (Options.Renders).
type Renders struct {
	dir  string
	prev *loaded

	mu  sync.Mutex
	now map[string]renderRecord // renders loaded or stored in this export
}

// NewRenders reads the renders the last export into dir left, when they
// are of namespace: a name of the program and of everything besides the
// render keys that a document's bytes depend on (see
// Options.Namespace). A missing or other folder gives an empty Renders.
func NewRenders(dir, namespace string) *Renders {
	return &Renders{dir: dir, prev: loadState(dir, namespace), now: map[string]renderRecord{}}
}

// Load returns the document rendered under key by the last export, read
// from its file, when the file is as that export left it.
func (r *Renders) Load(key string) (*feed.Response, string) {
	rec, ok := r.prev.renders[key]
	if !ok {
		return nil, ""
	}
	name := fileName(rec.Path, isHTML(rec.ContentType))
	fr, ok := r.prev.files[name]
	if !ok || feed.ETag(fr.Sum) != rec.ETag {
		return nil, ""
	}
	full := filepath.Join(r.dir, filepath.FromSlash(name))
	fi, err := os.Stat(full)
	if err != nil || !unchanged(fi, fr) {
		return nil, ""
	}
	b, err := os.ReadFile(full)
	if err != nil || int64(len(b)) != fr.Size {
		return nil, ""
	}
	// The file is as the last export left it (its stat), so its bytes
	// are those of the record's hash: not hashed again.
	resp := &feed.Response{ContentType: rec.ContentType, Identity: feed.Body{Bytes: b, ETag: rec.ETag}}
	resp.Link, resp.LastModified = rec.Link, rec.Modified
	r.remember(rec)
	return resp, rec.Path
}

// Store records a document just rendered.
func (r *Renders) Store(key, path string, resp *feed.Response) {
	r.remember(renderRecord{Key: key, Path: path, ContentType: resp.ContentType, Link: resp.Link, Modified: resp.LastModified, ETag: resp.Identity.ETag})
}

func (r *Renders) remember(rec renderRecord) {
	rec.Modified = rec.Modified.UTC() // one encoding for one time
	r.mu.Lock()
	r.now[rec.Key] = rec
	r.mu.Unlock()
}

// kept are the renders of this export whose document's file holds the
// bytes rendered: those the next export may read back.
func (r *Renders) kept(files map[string]fileRecord) []renderRecord {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []renderRecord
	for _, rec := range r.now {
		fr, ok := files[fileName(rec.Path, isHTML(rec.ContentType))]
		if ok && feed.ETag(fr.Sum) == rec.ETag {
			out = append(out, rec)
		}
	}
	return out
}

// unchanged reports whether a file's stat is that of its record: the
// export wrote it and nothing has written it since (a writer that keeps
// size and time to the nanosecond is not looked for).
func unchanged(fi fs.FileInfo, rec fileRecord) bool {
	return fi.Mode().IsRegular() && fi.Size() == rec.Size && fi.ModTime().Equal(rec.Modified)
}
