package content

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// loader reads a content root and remembers what it parsed, so that a
// reload parses only the issue folders whose files changed.
//
// A content root of ten years holds 3,650 issue folders; parsing them
// (YAML front matter and Markdown) is almost all the cost of a load. The
// loader parses folders in parallel, keeps every folder's result keyed by
// the hash of its files, and on reload re-reads either every folder (and
// re-parses those whose hash changed) or only the folders it is told
// about. A change of morningpost.yaml re-parses everything: issues take
// their time zone, publication time and default author from it.
type loader struct {
	baseURL *url.URL // replaces the site's base_url when set
	record  Record   // dates the snapshots of every Content made (see Record)
	slugs   Slugs    // gives the snapshots of every Content made their URLs (see Slugs)
	hubs    []string // replace the site's websub_hubs when not nil

	siteSum [sha256.Size]byte
	site    *Site // nil unless the site file was read and parsed
	sitePs  Problems
	folders map[string]*folder // by folder name under issues/
}

// folder is one issue folder as last read.
type folder struct {
	sum      [sha256.Size]byte // of the names, sizes and bytes of the files read
	issue    *Issue            // nil when the folder is not an issue or did not load
	problems Problems
}

// Load reads a whole content root. On any problem it returns a nil
// Content and a Problems error listing every problem found.
func Load(fsys fs.FS) (*Content, error) {
	return (&loader{}).load(fsys)
}

// load reads every file again, re-parsing only the folders whose files
// changed since the last load.
func (l *loader) load(fsys fs.FS) (*Content, error) {
	if !l.readSite(fsys) {
		return nil, l.sitePs
	}
	entries, err := fs.ReadDir(fsys, "issues")
	if err != nil {
		// Not an empty site: a deploy swapping folders, a typo in the
		// path. The folders last read are forgotten, so the next reload
		// reads every folder again, not only those it is told about.
		l.folders = nil
		msg := readError(err)
		if errors.Is(err, fs.ErrNotExist) {
			msg = "missing: the issues are folders in issues/ (issues/1/issue.md, …)"
		}
		ps := append(slices.Clone(l.sitePs), Problem{Path: "issues", Msg: msg})
		ps.sort()
		return nil, ps
	}
	var names []string
	bad := map[string]string{} // entries that should be issue folders and are not
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if e.IsDir() {
			names = append(names, name)
		} else if isDir, msg := notDir(fsys, name); isDir {
			names = append(names, name) // a link to a folder inside the root
		} else if msg != "" {
			bad[name] = msg
		}
	}
	old := l.folders
	l.folders = make(map[string]*folder, len(names)+len(bad))
	for i, f := range l.readFolders(fsys, names, old) {
		l.folders[names[i]] = f
	}
	for name, msg := range bad {
		l.folders[name] = &folder{problems: Problems{{Path: "issues/" + name, Msg: msg}}}
	}
	return l.assemble()
}

// notDir looks at an entry of issues/ that is not a folder itself: a
// link to a folder inside the root counts as one (isDir); a link out of
// the root, or a plain file where an issue folder would be (a number),
// is a problem, so that an issue never disappears without a word.
// Other files (a README) are none of the loader's business.
func notDir(fsys fs.FS, name string) (isDir bool, problem string) {
	fi, err := fs.Stat(fsys, "issues/"+name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, "" // gone, or a dangling link
	case err != nil:
		return false, readError(err)
	case fi.IsDir():
		return true, ""
	case strings.TrimLeft(name, "0123456789") == "":
		return false, "not a folder: an issue is a folder, issues/" + name + "/issue.md and its articles"
	}
	return false, ""
}

// update re-reads only the issue folders named (names under issues/),
// keeping every other folder as last read. A folder that is gone is
// dropped. The caller must know that nothing else changed.
func (l *loader) update(fsys fs.FS, names []string) (*Content, error) {
	if l.folders == nil || l.site == nil {
		return l.load(fsys)
	}
	var present []string
	for _, name := range names {
		if isDir, msg := notDir(fsys, name); isDir {
			present = append(present, name)
		} else if msg != "" {
			l.folders[name] = &folder{problems: Problems{{Path: "issues/" + name, Msg: msg}}}
		} else {
			delete(l.folders, name) // removed: on purpose, as far as we can tell
		}
	}
	for i, f := range l.readFolders(fsys, present, l.folders) {
		l.folders[present[i]] = f
	}
	return l.assemble()
}

// readSite reads morningpost.yaml, parsing it only when it changed. A
// changed site makes every folder's parse stale.
func (l *loader) readSite(fsys fs.FS) bool {
	b, err := fs.ReadFile(fsys, SiteFile)
	if err != nil {
		l.site, l.folders = nil, nil
		l.sitePs = Problems{{Path: SiteFile, Msg: readError(err)}}
		return false
	}
	sum := fileSum(SiteFile, b)
	if l.site != nil && sum == l.siteSum {
		return true
	}
	var ps Problems
	site := parseSite(b, fsys, &ps)
	if l.baseURL != nil {
		site.BaseURL = l.baseURL
	}
	if l.hubs != nil {
		site.WebSubHubs = l.hubs
	}
	site.Version = hex.EncodeToString(sum[:8])
	l.site, l.siteSum, l.sitePs, l.folders = site, sum, ps, nil
	return true
}

func fileSum(name string, b []byte) [sha256.Size]byte {
	h := sha256.New()
	hashFile(h, name, b)
	return [sha256.Size]byte(h.Sum(nil))
}

// hashFile writes a file's name, size and bytes to h.
func hashFile(h hash.Hash, name string, b []byte) {
	fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
	h.Write(b)
}

// readFolders reads the named folders in parallel, one worker per CPU,
// reusing the parse in old of any folder whose files are unchanged. The
// result is in the order of names. Each worker reads its folders' files
// into one buffer of its own, reused from folder to folder: the files'
// bytes are garbage once parsed, and allocating them afresh for every
// folder of a large archive makes the garbage collector run more often.
func (l *loader) readFolders(fsys fs.FS, names []string, old map[string]*folder) []*folder {
	out := make([]*folder, len(names))
	workers := min(runtime.GOMAXPROCS(0), len(names))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []byte
			for {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= len(names) {
					return
				}
				out[j], buf = l.readFolder(fsys, names[j], old[names[j]], buf[:0])
			}
		})
	}
	wg.Wait()
	return out
}

// readFolder reads one issue folder. The files are read first and hashed;
// when they are what prev was parsed from, prev is kept. The files are
// read into buf, which is returned for reading the next folder into:
// nothing parsed from them may keep a reference to their bytes.
func (l *loader) readFolder(fsys fs.FS, name string, prev *folder, buf []byte) (*folder, []byte) {
	f := &folder{}
	dir := "issues/" + name
	n, err := strconv.Atoi(name)
	if err != nil || n <= 0 || strings.TrimLeft(name, "0123456789") != "" {
		f.problems = Problems{{Path: dir, Msg: "issue folders are named by issue number (e.g. issues/87)"}}
		return f, buf
	}
	files, imageNames, ps, buf := readIssueFiles(fsys, dir, buf)
	h := sha256.New()
	for _, file := range files {
		hashFile(h, file.name, file.data)
	}
	var images []*Image
	for _, p := range imageNames {
		img, problem := readImage(fsys, p, n, h)
		if problem != nil {
			ps = append(ps, *problem)
			continue
		}
		images = append(images, img)
	}
	f.sum = [sha256.Size]byte(h.Sum(nil))
	if prev != nil && prev.sum == f.sum && len(ps) == 0 && len(prev.problems) == 0 && prev.issue != nil {
		return prev, buf
	}
	f.problems = ps
	f.issue = parseIssueFiles(dir, n, files, images, l.site, &f.problems)
	if f.issue != nil {
		f.issue.Version = hex.EncodeToString(f.sum[:8])
		f.issue.publicSum = publicSum(f.issue, files)
	}
	return f, buf
}

// publicSum hashes the files of iss that readers see once it is public:
// issue.md and every article that is not a draft.
func publicSum(iss *Issue, files []rawFile) string {
	drafts := map[string]bool{}
	for _, a := range iss.Articles {
		if a.Draft {
			drafts[a.Path] = true
		}
	}
	h := sha256.New()
	for _, file := range files {
		if !drafts[file.name] {
			hashFile(h, file.name, file.data)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// rawFile is one file of an issue folder as read, before parsing.
type rawFile struct {
	name string // path inside the content root
	data []byte // in the buffer of readIssueFiles: valid until it is reused
}

// readIssueFiles reads issue.md and the articles of one folder, issue.md
// first, then the articles by file name, and lists the folder's images
// (see readImage). The files' bytes are appended to buf, which is
// returned (grown if need be) for reuse.
func readIssueFiles(fsys fs.FS, dir string, buf []byte) (files []rawFile, images []string, ps Problems, _ []byte) {
	issuePath := dir + "/issue.md"
	if b, nbuf, err := appendFile(buf, fsys, issuePath); err != nil {
		ps = append(ps, Problem{Path: issuePath, Msg: readError(err)})
	} else {
		files = append(files, rawFile{issuePath, b})
		buf = nbuf
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		ps = append(ps, Problem{Path: dir, Msg: readError(err)})
		return nil, nil, ps, buf
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && !strings.HasPrefix(name, ".") && isImageName(name) {
			images = append(images, dir+"/"+name)
			continue
		}
		if e.IsDir() || strings.HasPrefix(name, ".") || path.Ext(name) != ".md" || name == "issue.md" {
			continue
		}
		p := dir + "/" + name
		b, nbuf, err := appendFile(buf, fsys, p)
		if err != nil {
			ps = append(ps, Problem{Path: p, Msg: readError(err)})
			continue
		}
		files = append(files, rawFile{p, b})
		buf = nbuf
	}
	return files, images, ps, buf
}

// appendFile is fs.ReadFile reading into buf: it appends the file's bytes
// to buf and returns them and the buffer. It opens and reads as
// fs.ReadFile does when fsys has no ReadFile method, so its errors are
// the same, but asks for no file size: reading into a buffer with room to
// spare finds the end as soon, with one system call fewer per file.
// Growing buf leaves the bytes of earlier files where they were.
func appendFile(buf []byte, fsys fs.FS, name string) (data, nbuf []byte, err error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, buf, err
	}
	defer f.Close()
	start := len(buf)
	for {
		if cap(buf)-len(buf) < minRead {
			buf = slices.Grow(buf, minRead)
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf[start:len(buf):len(buf)], buf, nil
		}
		if err != nil {
			return nil, buf[:start], err
		}
	}
}

// minRead is the least room appendFile reads into: more than most
// content files hold.
const minRead = 16 << 10

// assemble makes a Content of the site and every folder, or returns every
// problem of them all.
func (l *loader) assemble() (*Content, error) {
	ps := slices.Clone(l.sitePs)
	names := make([]string, 0, len(l.folders))
	for name := range l.folders {
		names = append(names, name)
	}
	sort.Strings(names) // the order fs.ReadDir lists them in

	h := sha256.New()
	h.Write(l.siteSum[:])
	c := &Content{Site: l.site, record: l.record, slugs: l.slugs}
	seen := map[int]string{}
	for _, name := range names {
		f := l.folders[name]
		dir := "issues/" + name
		if f.issue != nil {
			if other, dup := seen[f.issue.Number]; dup {
				ps = append(ps, Problem{Path: dir, Msg: fmt.Sprintf("duplicate issue number %d: %s is issue %d too", f.issue.Number, other, f.issue.Number)})
				continue
			}
			seen[f.issue.Number] = dir
		}
		ps = append(ps, f.problems...)
		fmt.Fprintf(h, "%s\x00", name)
		h.Write(f.sum[:])
		if f.issue != nil {
			c.Issues = append(c.Issues, f.issue)
		}
	}
	if len(ps) > 0 {
		ps.sort()
		return nil, ps
	}
	sort.Slice(c.Issues, func(i, j int) bool { return newer(c.Issues[i], c.Issues[j]) })
	c.Version = hex.EncodeToString(h.Sum(nil))[:16]
	c.index()
	return c, nil
}
