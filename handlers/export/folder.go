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
	"regexp"
	"slices"
	"strconv"
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

// Files are written under tmpDirName, then renamed into place: a
// document's .br and .gz first, the file itself last, one rename after
// another once all three are written out. Before those renames, one
// line of journalName names them (see folder.commit), so an export
// killed between them leaves a journal the next export completes
// (recover) before it does anything else. An export that finishes
// removes both. Both are dot-files, which _nginx.conf never serves.
const (
	tmpDirName  = ".morningpost-tmp"
	journalName = ".morningpost-export.journal"
)

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

	dirs sync.Map // folders made (or found) by this export: mkdirAll

	jmu     sync.Mutex
	journal *os.File // journalName, opened at the first write

	interrupt func(file string) bool // Options.interrupt
}

// errInterrupted is the error of an export a test interrupted.
var errInterrupted = errors.New("export: interrupted")

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
		_, jerr := os.Stat(filepath.Join(dir, journalName))
		if len(entries) > 0 && jerr != nil {
			return nil, fmt.Errorf("export: %s is not empty and holds no earlier export; choose an empty or new folder", dir)
		}
		// Empty, or the folder of a first export that was interrupted.
		return f, f.recover()
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && validName(line) {
			f.previous[line] = true
		}
	}
	return f, f.recover()
}

// recover repairs what an interrupted export left: it completes the
// renames of every group of files its journal names (so a file and its
// compressed forms agree again), counts the files the journal names
// among the last export's (removed at the end unless written again),
// and removes every temporary file: those of tmpDirName, and the
// .NAME.tmpNNN files that exports wrote beside their files before
// tmpDirName. The journal is kept, with the names of those files, until
// this export finishes.
func (f *folder) recover() error {
	jpath := filepath.Join(f.root, journalName)
	b, err := os.ReadFile(jpath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export: %w", err)
	}
	var finals []string
	for len(b) > 0 {
		line, rest, complete := bytes.Cut(b, []byte("\n"))
		b = rest
		if !complete {
			break // cut short by the interruption: none of its renames began
		}
		pairs, ok := parseJournalLine(string(line))
		if !ok {
			continue
		}
		for _, p := range pairs {
			if !validName(p.final) || ownFile(p.final) {
				continue
			}
			finals = append(finals, p.final)
			if p.tmp == "" {
				continue
			}
			tmp := filepath.Join(f.root, tmpDirName, p.tmp)
			if _, err := os.Lstat(tmp); err != nil {
				continue // renamed before the interruption
			}
			full := f.full(p.final)
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return fmt.Errorf("export: completing the interrupted export: %w", err)
			}
			if err := os.Rename(tmp, full); err != nil {
				return fmt.Errorf("export: completing the interrupted export: %w", err)
			}
		}
	}
	if err := os.RemoveAll(filepath.Join(f.root, tmpDirName)); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, n := range []string{manifestName, stateName, journalName} {
		os.Remove(filepath.Join(f.root, n+".tmp")) // writeOwn's, when cut short
	}
	slices.Sort(finals)
	finals = slices.Compact(finals)
	for _, n := range finals {
		f.previous[n] = true
	}
	f.removeOldTemps()
	if len(finals) == 0 {
		if err := os.Remove(jpath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	// The journal again, with the names alone: its temporary names are
	// gone, and new ones could be given the same.
	var buf bytes.Buffer
	for _, n := range finals {
		buf.WriteString(journalLine([]journalPair{{final: n}}))
	}
	return writeOwn(jpath, buf.Bytes())
}

// oldTemp is the name exports gave their temporary files before
// tmpDirName: ".NAME.tmpDIGITS" beside NAME.
var oldTemp = regexp.MustCompile(`^\.(.+)\.tmp[0-9]+$`)

// removeOldTemps removes the temporary files of an export's files left
// beside them by an export killed while writing them.
func (f *folder) removeOldTemps() {
	dirs := map[string]bool{}
	for n := range f.previous {
		dirs[path.Dir(n)] = true
	}
	for d := range dirs {
		entries, err := os.ReadDir(filepath.Join(f.root, filepath.FromSlash(d)))
		if err != nil {
			continue
		}
		for _, e := range entries {
			m := oldTemp.FindStringSubmatch(e.Name())
			if m == nil || !e.Type().IsRegular() || !f.previous[path.Join(d, m[1])] {
				continue
			}
			os.Remove(filepath.Join(f.root, filepath.FromSlash(d), e.Name()))
		}
	}
}

// journalPair is a file to be renamed into place: tmp, its name under
// tmpDirName ("" for a file whose name alone is recorded), and final,
// its name in the folder.
type journalPair struct{ tmp, final string }

// journalLine is one line of the journal: the pairs, each name quoted.
func journalLine(pairs []journalPair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Quote(p.tmp))
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(p.final))
	}
	b.WriteByte('\n')
	return b.String()
}

func parseJournalLine(line string) ([]journalPair, bool) {
	var names []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		q, err := strconv.QuotedPrefix(line)
		if err != nil {
			return nil, false
		}
		n, err := strconv.Unquote(q)
		if err != nil {
			return nil, false
		}
		names = append(names, n)
		line = line[len(q):]
	}
	if len(names) == 0 || len(names)%2 != 0 {
		return nil, false
	}
	pairs := make([]journalPair, 0, len(names)/2)
	for i := 0; i < len(names); i += 2 {
		if strings.ContainsAny(names[i], "/\\") || names[i] == ".." {
			return nil, false
		}
		pairs = append(pairs, journalPair{tmp: names[i], final: names[i+1]})
	}
	return pairs, true
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
// same bytes. With gzipOnly, compress gives no brotli and there is no
// .br sibling.
//
// What changed is written out first, then renamed into place: the
// siblings, then the file (commit). A server that serves a document
// only when its file is there (try_files in _nginx.conf) sees a new
// document with its compressed forms, never without.
func (f *folder) putDocument(name string, body []byte, sum [32]byte, compress func() (gz, br []byte, err error), reuse, gzipOnly bool, modified, fallback time.Time) (time.Time, error) {
	if !validName(name) || ownFile(name) {
		return time.Time{}, fmt.Errorf("export: no file can be named %q", name)
	}
	fi, same := f.current(name, body, sum)
	t := f.docTime(fi, same, modified, fallback)
	if compress == nil {
		op, err := f.stage(name, body, sum, t, fi, same)
		if err != nil {
			return t, err
		}
		return t, f.commit(op)
	}
	if gzRec, brRec, ok := f.siblings(name, fi, sum, !gzipOnly); ok && reuse {
		if brRec.Name != "" {
			if err := f.keep(name+".br", brRec, t); err != nil {
				return t, err
			}
		}
		if err := f.keep(name+".gz", gzRec, t); err != nil {
			return t, err
		}
		op, err := f.stage(name, body, sum, t, fi, same)
		if err != nil {
			return t, err
		}
		return t, f.commit(op)
	}
	gz, br, err := compress()
	if err != nil {
		return t, err
	}
	var ops []*pending
	for _, c := range []struct {
		name string
		b    []byte
	}{{name + ".br", br}, {name + ".gz", gz}} {
		if c.b == nil {
			continue // gzip only (Options.GzipOnly)
		}
		sum := sha256.Sum256(c.b)
		fi, same := f.current(c.name, c.b, sum)
		op, err := f.stage(c.name, c.b, sum, t, fi, same)
		if err != nil {
			discard(ops)
			return t, err
		}
		ops = append(ops, op)
	}
	op, err := f.stage(name, body, sum, t, fi, same)
	if err != nil {
		discard(ops)
		return t, err
	}
	return t, f.commit(append(ops, op)...)
}

// ownFile reports whether name is one of the export's own files, which
// no document may be.
func ownFile(name string) bool {
	switch name {
	case manifestName, stateName, journalName, tmpDirName:
		return true
	}
	return strings.HasPrefix(name, tmpDirName+"/")
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
// file of hash sum, and all are as it left them. br is the zero record
// when wantBr is false (a document given gzip only), and then there
// must be no .br of the last export's.
func (f *folder) siblings(name string, fi fs.FileInfo, sum [32]byte, wantBr bool) (gz, br fileRecord, ok bool) {
	if !f.previous[name] || fi == nil {
		return gz, br, false
	}
	rec, ok1 := f.prev.files[name]
	gz, ok2 := f.prev.files[name+".gz"]
	br, ok3 := f.prev.files[name+".br"]
	if !ok1 || !ok2 || ok3 != wantBr || rec.Sum != sum || !unchanged(fi, rec) {
		return gz, br, false
	}
	check := []fileRecord{gz, br}
	if !wantBr {
		check = check[:1]
	}
	for _, r := range check {
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
	_, err := f.putDocument(name, b, sha256.Sum256(b), nil, false, false, time.Time{}, fallback)
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

// pending is a file staged by stage, put into place by commit.
type pending struct {
	name    string
	rec     fileRecord
	tmp     string // the full name of its bytes under tmpDirName; "" when the file holds them already
	chtimes bool   // the file holds its bytes, with another time
}

// stage prepares the file name to hold b (of hash sum) with time t:
// when it does not hold b already (fi and same are from current), b is
// written out in full under tmpDirName, with its mode and time, and its
// folder made, so that commit has only renames left to do.
func (f *folder) stage(name string, b []byte, sum [32]byte, t time.Time, fi fs.FileInfo, same bool) (*pending, error) {
	if err := f.claim(name); err != nil {
		return nil, err
	}
	op := &pending{name: name, rec: fileRecord{Name: name, Size: int64(len(b)), Modified: t, Sum: sum}}
	if same {
		op.chtimes = !fi.ModTime().Equal(t)
		return op, nil
	}
	full := f.full(name)
	if err := f.mkdirAll(filepath.Dir(full)); err != nil {
		return nil, fmt.Errorf("export: %s: %w", name, err)
	}
	tmpDir := filepath.Join(f.root, tmpDirName)
	if err := f.mkdirAll(tmpDir); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	// No fsync: the rename is what makes the write atomic for a server
	// reading the folder; after a crash the next export finds a file
	// that differs from its record and writes it again.
	tmp, err := os.CreateTemp(tmpDir, "*")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
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
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("export: %s: %w", name, err)
	}
	op.tmp = tmp.Name()
	return op, nil
}

// mkdirAll is os.MkdirAll, once per folder and export: a site's files
// share a few thousand folders, and asking again for each file was a
// stat (or a mkdir) per file.
func (f *folder) mkdirAll(dir string) error {
	if _, ok := f.dirs.Load(dir); ok {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f.dirs.Store(dir, true)
	return nil
}

// discard removes the temporary files of staged files not committed.
func discard(ops []*pending) {
	for _, op := range ops {
		if op.tmp != "" {
			os.Remove(op.tmp)
		}
	}
}

// commit puts staged files into place, in their order: one line of the
// journal names those written out, then each is renamed (or given its
// time), one right after the other. Killed between those renames, the
// export leaves files that disagree (a .br newer than its file) until
// the next export, whose recover completes the renames first.
func (f *folder) commit(ops ...*pending) error {
	var pairs []journalPair
	for _, op := range ops {
		if op.tmp != "" {
			pairs = append(pairs, journalPair{tmp: filepath.Base(op.tmp), final: op.name})
		}
	}
	if len(pairs) > 0 {
		if err := f.logRenames(pairs); err != nil {
			discard(ops)
			return err
		}
	}
	for i, op := range ops {
		full := f.full(op.name)
		var err error
		switch {
		case op.tmp != "":
			err = os.Rename(op.tmp, full)
		case op.chtimes:
			err = os.Chtimes(full, op.rec.Modified, op.rec.Modified)
		}
		if err != nil {
			discard(ops[i:])
			return fmt.Errorf("export: %s: %w", op.name, err)
		}
		f.count(op.tmp != "" || op.chtimes)
		f.record(op.rec)
		if f.interrupt != nil && f.interrupt(op.name) {
			return errInterrupted
		}
	}
	return nil
}

// logRenames appends a line naming pairs to the journal, in one write.
func (f *folder) logRenames(pairs []journalPair) error {
	f.jmu.Lock()
	defer f.jmu.Unlock()
	if f.journal == nil {
		j, err := os.OpenFile(filepath.Join(f.root, journalName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		f.journal = j
	}
	if _, err := f.journal.WriteString(journalLine(pairs)); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// closeJournal ends this export's journal: removed once the export's
// manifest names its files.
func (f *folder) closeJournal(remove bool) error {
	f.jmu.Lock()
	defer f.jmu.Unlock()
	if f.journal != nil {
		f.journal.Close()
		f.journal = nil
	}
	if !remove {
		return nil
	}
	if err := os.Remove(filepath.Join(f.root, journalName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(f.root, tmpDirName)); err != nil {
		return fmt.Errorf("export: %w", err)
	}
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
	// The manifest names every file this export wrote: the journal has
	// nothing left to tell.
	return removed, f.closeJournal(true)
}
