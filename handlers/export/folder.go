package export

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// manifestName lists, one per line, the files of the last export, so the
// next one knows which files are its own to remove. Files in the folder
// that an export did not write (a CNAME for GitHub Pages, say) are left
// alone.
const manifestName = ".morningpost-export"

// folder is the output folder of one export: which files it wrote,
// and which the export before wrote.
type folder struct {
	root     string
	previous map[string]bool // files of the last export
	prev     *loaded         // the last export's state (stateName)

	mu      sync.Mutex
	files   map[string]bool       // files of this export
	records map[string]fileRecord // and what they hold

	wrote, kept atomic.Int64 // files written (or given a new time) and kept
	advanced    atomic.Int64 // documents whose time was moved past their Last-Modified
}

// openFolder makes dir if needed. A folder that is not empty must hold
// an earlier export: an export never removes files it did not write,
// and would leave a folder of other files served beside the site.
func openFolder(dir string, prev *loaded) (*folder, error) {
	f := &folder{root: dir, previous: map[string]bool{}, prev: prev, files: map[string]bool{}, records: map[string]fileRecord{}}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("export: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		if len(entries) > 0 {
			return nil, fmt.Errorf("export: %s is not empty and holds no earlier export; choose an empty or new folder", dir)
		}
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && validName(line) {
			f.previous[line] = true
		}
	}
	return f, nil
}

// validName reports whether a slash-separated name stays inside the
// folder.
func validName(name string) bool {
	return name != "" && !strings.HasPrefix(name, "/") && path.Clean(name) == name && name != ".." && !strings.HasPrefix(name, "../")
}

func (f *folder) wroteSoFar() int { return int(f.wrote.Load()) }

// putDocument writes a document's file and, when compress is not nil,
// its compressed siblings, which compress makes from body; all with one
// modification time, which docTime decides from modified (the
// document's Last-Modified; zero when it has none). It returns that
// time. With reuse, unchanged siblings of an unchanged body are kept
// without compressing it again, since the same bytes compress to the
// same bytes.
func (f *folder) putDocument(name string, body []byte, sum [32]byte, compress func() (gz, br []byte, err error), reuse bool, modified, fallback time.Time) (time.Time, error) {
	if !validName(name) || name == manifestName || name == stateName {
		return time.Time{}, fmt.Errorf("export: no file can be named %q", name)
	}
	fi, same := f.current(name, body, sum)
	t := f.docTime(fi, same, modified, fallback)
	if compress == nil {
		return t, f.write(name, body, sum, t, fi, same)
	}
	// The siblings first: a server that sees the new file finds its
	// compressed forms already there.
	if gzRec, brRec, ok := f.siblings(name, fi, sum); ok && reuse {
		if err := f.keep(name+".br", brRec, t); err != nil {
			return t, err
		}
		if err := f.keep(name+".gz", gzRec, t); err != nil {
			return t, err
		}
		return t, f.write(name, body, sum, t, fi, same)
	}
	gz, br, err := compress()
	if err != nil {
		return t, err
	}
	if err := f.put(name+".br", br, sha256.Sum256(br), t); err != nil {
		return t, err
	}
	if err := f.put(name+".gz", gz, sha256.Sum256(gz), t); err != nil {
		return t, err
	}
	return t, f.write(name, body, sum, t, fi, same)
}

// current is the stat of the file name before this export writes it (nil
// when there is none), and whether it holds body (of hash sum) already:
// looked at once per file, for both its time and its write.
func (f *folder) current(name string, body []byte, sum [32]byte) (fi fs.FileInfo, same bool) {
	fi, err := os.Stat(f.full(name))
	if err != nil {
		return nil, false
	}
	return fi, f.holds(name, fi, body, sum)
}

// docTime is the time of a document's files. It is the document's
// Last-Modified; for a document without one, fallback (the content's
// newest change), except that an unchanged file keeps its time. And a
// change always moves the time forward: when the file had other bytes
// and a time at or past the one chosen, the time is one second past the
// file's, so nginx's Last-Modified and ETag (time and size) move with
// the bytes even where the server's Last-Modified did not (counted in
// advanced). fi and same are the file's, from current.
func (f *folder) docTime(fi fs.FileInfo, same bool, modified, fallback time.Time) time.Time {
	t := modified
	if t.IsZero() {
		t = fallback
	}
	t = t.Truncate(time.Second)
	if fi == nil || !fi.Mode().IsRegular() {
		return t
	}
	old := fi.ModTime()
	if same {
		if modified.IsZero() || !old.Before(t) {
			return old
		}
		return t
	}
	if old.Before(t) {
		return t
	}
	if !modified.IsZero() {
		f.advanced.Add(1)
	}
	return old.Truncate(time.Second).Add(time.Second)
}

func (f *folder) full(name string) string { return filepath.Join(f.root, filepath.FromSlash(name)) }

// holds reports whether the file name, of stat fi, holds body (of hash
// sum): from the last export's record when the file is as it left it,
// else by reading it.
func (f *folder) holds(name string, fi fs.FileInfo, body []byte, sum [32]byte) bool {
	if rec, ok := f.prev.files[name]; ok && unchanged(fi, rec) {
		return rec.Sum == sum
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(body)) {
		return false
	}
	old, err := os.ReadFile(f.full(name))
	return err == nil && bytes.Equal(old, body)
}

// siblings returns the records of the .gz and .br files of name, of
// stat fi (nil when missing), when the last export left them beside a
// file of hash sum, and all three are as it left them.
func (f *folder) siblings(name string, fi fs.FileInfo, sum [32]byte) (gz, br fileRecord, ok bool) {
	if !f.previous[name] || fi == nil {
		return gz, br, false
	}
	rec, ok1 := f.prev.files[name]
	gz, ok2 := f.prev.files[name+".gz"]
	br, ok3 := f.prev.files[name+".br"]
	if !ok1 || !ok2 || !ok3 || rec.Sum != sum || !unchanged(fi, rec) {
		return gz, br, false
	}
	for _, r := range []fileRecord{gz, br} {
		fi, err := os.Stat(f.full(r.Name))
		if err != nil || !unchanged(fi, r) {
			return gz, br, false
		}
	}
	return gz, br, true
}

// putFile writes one file that is not a document (the servers'
// configuration), timed like a document without Last-Modified.
func (f *folder) putFile(name string, b []byte, fallback time.Time) error {
	_, err := f.putDocument(name, b, sha256.Sum256(b), nil, false, time.Time{}, fallback)
	return err
}

// claim marks name as a file of this export.
func (f *folder) claim(name string) error {
	f.mu.Lock()
	dup := f.files[name]
	f.files[name] = true
	f.mu.Unlock()
	if dup {
		return fmt.Errorf("export: two URLs would both be the file %s", name)
	}
	return nil
}

func (f *folder) record(rec fileRecord) {
	rec.Modified = rec.Modified.UTC() // one encoding for one time
	f.mu.Lock()
	f.records[rec.Name] = rec
	f.mu.Unlock()
}

// keep keeps the file the last export left as rec, giving it time t.
func (f *folder) keep(name string, rec fileRecord, t time.Time) error {
	if err := f.claim(name); err != nil {
		return err
	}
	if !rec.Modified.Equal(t) {
		if err := os.Chtimes(f.full(name), t, t); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		rec.Modified = t
		f.count(true)
	} else {
		f.count(false)
	}
	f.record(rec)
	return nil
}

// put writes b (of hash sum) to name with time t, unless the file holds
// b already.
func (f *folder) put(name string, b []byte, sum [32]byte, t time.Time) error {
	fi, same := f.current(name, b, sum)
	return f.write(name, b, sum, t, fi, same)
}

// write is put for a file whose stat fi and same, whether it holds b
// already, current has found.
func (f *folder) write(name string, b []byte, sum [32]byte, t time.Time, fi fs.FileInfo, same bool) error {
	if err := f.claim(name); err != nil {
		return err
	}
	full := f.full(name)
	rec := fileRecord{Name: name, Size: int64(len(b)), Modified: t, Sum: sum}
	if same {
		if fi.ModTime().Equal(t) {
			f.count(false)
			f.record(rec)
			return nil
		}
		if err := os.Chtimes(full, t, t); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		f.count(true)
		f.record(rec)
		return nil
	}
	dir := filepath.Dir(full)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	// No fsync: the rename is what makes the write atomic for a server
	// reading the folder; after a crash the next export finds a file
	// that differs from its record and writes it again.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(full)+".tmp*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Chtimes(tmp.Name(), t, t)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), full)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("export: %s: %w", name, err)
	}
	f.count(true)
	f.record(rec)
	return nil
}

func (f *folder) count(wrote bool) {
	if wrote {
		f.wrote.Add(1)
	} else {
		f.kept.Add(1)
	}
}

// finish records this export's files, with st (whose Files it fills),
// and removes those of the last export that it did not write again, and
// folders left empty. It returns how many files it removed.
func (f *folder) finish(st *state) (int, error) {
	names := make([]string, 0, len(f.files))
	for n := range f.files {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	for _, n := range names {
		buf.WriteString(n)
		buf.WriteByte('\n')
	}
	if err := writeOwn(filepath.Join(f.root, manifestName), buf.Bytes()); err != nil {
		return 0, err
	}
	st.Files = make([]fileRecord, 0, len(f.records))
	for _, r := range f.records {
		st.Files = append(st.Files, r)
	}
	if err := writeState(f.root, st); err != nil {
		return 0, err
	}
	var gone []string
	for n := range f.previous {
		if !f.files[n] {
			gone = append(gone, n)
		}
	}
	slices.Sort(gone)
	removed := 0
	for _, n := range gone {
		full := filepath.Join(f.root, filepath.FromSlash(n))
		err := os.Remove(full)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("export: %w", err)
		}
		if err == nil {
			removed++
		}
		// Folders left empty go too; Remove fails on one that is not.
		for d := path.Dir(n); d != "."; d = path.Dir(d) {
			if os.Remove(filepath.Join(f.root, filepath.FromSlash(d))) != nil {
				break
			}
		}
	}
	return removed, nil
}
