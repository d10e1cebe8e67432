package export

import (
	"bytes"
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

	mu    sync.Mutex
	files map[string]bool // files of this export

	wrote, kept int
	wroteNow    atomic.Int64
	advanced    atomic.Int64 // documents whose time was moved past their Last-Modified
}

// openFolder makes dir if needed. A folder that is not empty must hold
// an earlier export: an export never removes files it did not write,
// and would leave a folder of other files served beside the site.
func openFolder(dir string) (*folder, error) {
	f := &folder{root: dir, previous: map[string]bool{}, files: map[string]bool{}}
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

func (f *folder) wroteSoFar() int { return int(f.wroteNow.Load()) }

// putDocument writes a document's file and its compressed siblings (nil
// when it has none), all with one modification time, which docTime
// decides from modified (the document's Last-Modified; zero when it has
// none). It returns that time.
func (f *folder) putDocument(name string, body, gz, br []byte, modified, fallback time.Time) (time.Time, error) {
	if !validName(name) || name == manifestName {
		return time.Time{}, fmt.Errorf("export: no file can be named %q", name)
	}
	t := f.docTime(name, body, modified, fallback)
	// The siblings first: a server that sees the new file finds its
	// compressed forms already there.
	if br != nil {
		if err := f.put(name+".br", br, t); err != nil {
			return t, err
		}
	}
	if gz != nil {
		if err := f.put(name+".gz", gz, t); err != nil {
			return t, err
		}
	}
	return t, f.put(name, body, t)
}

// docTime is the time of a document's files. It is the document's
// Last-Modified; for a document without one, fallback (the content's
// newest change), except that an unchanged file keeps its time. And a
// change always moves the time forward: when the file had other bytes
// and a time at or past the one chosen, the time is one second past the
// file's, so nginx's Last-Modified and ETag (time and size) move with
// the bytes even where the server's Last-Modified did not (counted in
// advanced).
func (f *folder) docTime(name string, body []byte, modified, fallback time.Time) time.Time {
	t := modified
	if t.IsZero() {
		t = fallback
	}
	t = t.Truncate(time.Second)
	full := filepath.Join(f.root, filepath.FromSlash(name))
	fi, err := os.Stat(full)
	if err != nil || !fi.Mode().IsRegular() {
		return t
	}
	old := fi.ModTime()
	if b, err := os.ReadFile(full); err == nil && bytes.Equal(b, body) {
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

// siblings returns the .gz and .br files of name from the last export
// when name holds body already; nil when it does not, or one is missing.
func (f *folder) siblings(name string, body []byte) (gz, br []byte) {
	full := filepath.Join(f.root, filepath.FromSlash(name))
	if !f.previous[name] {
		return nil, nil
	}
	old, err := os.ReadFile(full)
	if err != nil || !bytes.Equal(old, body) {
		return nil, nil
	}
	gz, err1 := os.ReadFile(full + ".gz")
	br, err2 := os.ReadFile(full + ".br")
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	return gz, br
}

// putFile writes one file that is not a document (the servers'
// configuration), timed like a document without Last-Modified.
func (f *folder) putFile(name string, b []byte, fallback time.Time) error {
	_, err := f.putDocument(name, b, nil, nil, time.Time{}, fallback)
	return err
}

// put writes b to name with time t, unless the file holds b already.
func (f *folder) put(name string, b []byte, t time.Time) error {
	f.mu.Lock()
	dup := f.files[name]
	f.files[name] = true
	f.mu.Unlock()
	if dup {
		return fmt.Errorf("export: two URLs would both be the file %s", name)
	}
	full := filepath.Join(f.root, filepath.FromSlash(name))
	if fi, err := os.Stat(full); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(b)) {
		if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, b) {
			if fi.ModTime().Equal(t) {
				f.count(false)
				return nil
			}
			if err := os.Chtimes(full, t, t); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			f.count(true)
			return nil
		}
	}
	dir := filepath.Dir(full)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
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
	return nil
}

func (f *folder) count(wrote bool) {
	f.mu.Lock()
	if wrote {
		f.wrote++
		f.wroteNow.Add(1)
	} else {
		f.kept++
	}
	f.mu.Unlock()
}

// finish records this export's files and removes those of the last
// export that it did not write again, and folders left empty. It returns
// how many files it removed.
func (f *folder) finish() (int, error) {
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
	if err := f.writeManifest(buf.Bytes()); err != nil {
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

func (f *folder) writeManifest(b []byte) error {
	full := filepath.Join(f.root, manifestName)
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
