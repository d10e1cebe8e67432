package content

import (
	"context"
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

	siteSum  [sha256.Size]byte
	site     *Site // nil unless the site file was read and parsed
	sitePs   Problems
	siteWarn Problems           // see Content.Warnings
	folders  map[string]*folder // by folder name under issues/
	// rendered is the body of every article of the last load, by the
	// hash of its Markdown: a change of morningpost.yaml parses every
	// folder again, but renders no Markdown that did not change.
	rendered map[[sha256.Size]byte]*body
}

// folder is one issue folder as last read.
type folder struct {
	sum      [sha256.Size]byte // of the names, sizes and bytes of the files read
	issue    *Issue            // nil when the folder is not an issue or did not load
	problems Problems
	warnings Problems // see Content.Warnings
}

// Load reads a whole content root. On any problem it returns a nil
// Content and a Problems error listing every problem found.
func Load(fsys fs.FS) (*Content, error) {
	return (&loader{}).load(context.Background(), fsys)
}

// load reads every file again, re-parsing only the folders whose files
// changed since the last load. When ctx is done first, the load stops
// between folders and returns ctx's error, the loader as it was.
func (l *loader) load(ctx context.Context, fsys fs.FS) (*Content, error) {
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
	read := l.readFolders(ctx, fsys, names, l.folders)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.folders = make(map[string]*folder, len(names)+len(bad))
	for i, f := range read {
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
func (l *loader) update(ctx context.Context, fsys fs.FS, names []string) (*Content, error) {
	if l.folders == nil || l.site == nil {
		return l.load(ctx, fsys)
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
	read := l.readFolders(ctx, fsys, present, l.folders)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, f := range read {
		l.folders[present[i]] = f
	}
	return l.assemble()
}

// readSite reads morningpost.yaml, parsing it only when it changed. A
// changed site makes every folder's parse stale.
func (l *loader) readSite(fsys fs.FS) bool {
	b, _, err := readRegular(nil, fsys, SiteFile, nil, MaxSiteSize)
	if err != nil {
		l.site, l.folders = nil, nil
		l.sitePs = Problems{{Path: SiteFile, Msg: readError(err)}}
		return false
	}
	sum := fileSum(SiteFile, b)
	if l.site != nil && l.site.Icon != nil {
		// The icon is part of the site: a new picture under the same
		// name changes the pages that link it.
		icon, _ := fs.ReadFile(fsys, l.site.Icon.Name)
		sum = siteSum(b, l.site.Icon.Name, icon)
	}
	if l.site != nil && sum == l.siteSum {
		return true
	}
	var ps Problems
	site := parseSite(b, fsys, &ps)
	if site.Icon != nil {
		sum = siteSum(b, site.Icon.Name, site.Icon.Data)
	} else {
		sum = fileSum(SiteFile, b)
	}
	if l.baseURL != nil {
		site.BaseURL = l.baseURL
	}
	if l.hubs != nil {
		site.WebSubHubs = l.hubs
	}
	site.Version = hex.EncodeToString(sum[:8])
	l.siteWarn = nil
	if site.warnings != nil {
		l.siteWarn = append(l.siteWarn, *site.warnings...)
	}
	if w := authorityWarning(site, site.authorityLine); w != nil {
		l.siteWarn = append(l.siteWarn, *w)
	}
	l.site, l.siteSum, l.sitePs, l.folders = site, sum, ps, nil
	return true
}

// siteSum is the hash of morningpost.yaml and the icon it names.
func siteSum(site []byte, iconName string, icon []byte) [sha256.Size]byte {
	h := sha256.New()
	hashFile(h, SiteFile, site)
	hashFile(h, iconName, icon)
	return [sha256.Size]byte(h.Sum(nil))
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
// Parsing renders the articles' Markdown, so the renders too run one per
// CPU. When ctx is done, the workers stop before their next folder and
// the result is incomplete.
func (l *loader) readFolders(ctx context.Context, fsys fs.FS, names []string, old map[string]*folder) []*folder {
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
				if j >= len(names) || ctx.Err() != nil {
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
	f.issue = parseIssueFiles(dir, n, files, images, l.site, l.rendered, &f.problems, &f.warnings)
	if f.issue != nil {
		f.issue.Version = hex.EncodeToString(f.sum[:8])
		f.issue.publicSum = publicSum(f.issue, files)
		readerSums(f.issue)
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
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		ps = append(ps, Problem{Path: dir, Msg: readError(err)})
		return nil, nil, ps, buf
	}
	total := 0 // bytes of Markdown read; past MaxIssueMarkdown, no more are
	read := func(name string, e fs.DirEntry) {
		if total > MaxIssueMarkdown {
			return
		}
		p := dir + "/" + name
		b, nbuf, err := readRegular(buf, fsys, p, e, MaxMarkdownSize)
		if err != nil {
			ps = append(ps, Problem{Path: p, Msg: readError(err)})
			return
		}
		files = append(files, rawFile{p, b})
		buf = nbuf
		if total += len(b); total > MaxIssueMarkdown {
			ps = append(ps, Problem{Path: dir, Msg: fmt.Sprintf("the issue's Markdown files hold more than %s together, the most an issue may hold (its feed entry carries them all): move some articles to another issue", sizeString(MaxIssueMarkdown))})
		}
	}
	i := slices.IndexFunc(entries, func(e fs.DirEntry) bool { return e.Name() == "issue.md" })
	if i < 0 {
		ps = append(ps, Problem{Path: dir + "/issue.md", Msg: readError(fs.ErrNotExist)})
	} else {
		read("issue.md", entries[i])
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
		read(name, e)
	}
	return files, images, ps, buf
}

// The most bytes a file of the content root may hold. Markdown is
// rendered in time that grows faster than its size on some inputs, and
// everything is read at every load: a file that is too large is a
// problem naming it, never read further than its limit.
const (
	// MaxMarkdownSize is the largest issue.md or article: twice a long
	// read of 5,000 words.
	MaxMarkdownSize = 64 << 10
	// MaxIssueMarkdown is the most Markdown an issue folder may hold,
	// issue.md and articles together: an issue's feed entry and page
	// carry all of it, so this bounds the largest feed document too
	// (feed_length entries).
	MaxIssueMarkdown = 512 << 10
	// MaxSiteSize is the largest morningpost.yaml.
	MaxSiteSize = 256 << 10
)

// tooLargeError is a file larger than its kind's limit.
type tooLargeError struct{ limit int }

func (e tooLargeError) Error() string {
	return fmt.Sprintf("too large: a file of this kind may hold at most %s; split it or make it shorter", sizeString(e.limit))
}

// sizeString writes a size limit in KB or MB.
func sizeString(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MB"
	}
	return strconv.Itoa(n>>10) + " KB"
}

// readRegular appends the bytes of the regular file name to buf (see
// appendFile), reading at most limit bytes. The file's type is looked
// at before it is opened, from e (its entry in its folder's listing)
// when given: a named pipe is never opened, for opening one waits for a
// writer. A larger file is an error (tooLargeError) found by reading
// limit+1 bytes: a sparse file of a gigabyte costs no more than that.
func readRegular(buf []byte, fsys fs.FS, name string, e fs.DirEntry, limit int) (data, nbuf []byte, err error) {
	var t fs.FileMode
	if e != nil {
		t = e.Type()
	}
	if e == nil || t&fs.ModeSymlink != 0 {
		fi, err := fs.Stat(fsys, name)
		if err != nil {
			return nil, buf, err
		}
		t = fi.Mode().Type()
	}
	if !t.IsRegular() {
		return nil, buf, &fs.PathError{Op: "open", Path: name, Err: notRegular(t)}
	}
	return appendFile(buf, fsys, name, limit)
}

// appendFile is fs.ReadFile reading into buf: it appends the file's bytes
// to buf and returns them and the buffer. It opens and reads as
// fs.ReadFile does when fsys has no ReadFile method, so its errors are
// the same, but asks for no file size: reading into a buffer with room to
// spare finds the end as soon, with one system call fewer per file. It
// reads at most limit+1 bytes, and returns a tooLargeError when there
// are more than limit. Growing buf leaves the bytes of earlier files
// where they were.
func appendFile(buf []byte, fsys fs.FS, name string, limit int) (data, nbuf []byte, err error) {
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
		room := buf[len(buf):cap(buf)]
		if rest := limit + 1 - (len(buf) - start); len(room) > rest {
			room = room[:rest]
		}
		n, err := f.Read(room)
		buf = buf[:len(buf)+n]
		if len(buf)-start > limit {
			return nil, buf[:start], &fs.PathError{Op: "read", Path: name, Err: tooLargeError{limit}}
		}
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
	c := &Content{Site: l.site, record: l.record, slugs: l.slugs, Warnings: slices.Clone(l.siteWarn)}
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
		c.Warnings = append(c.Warnings, f.warnings...)
		fmt.Fprintf(h, "%s\x00", name)
		h.Write(f.sum[:])
		if f.issue != nil {
			c.Issues = append(c.Issues, f.issue)
		}
	}
	sort.Slice(c.Issues, func(i, j int) bool { return c.newer(c.Issues[i], c.Issues[j]) })
	ps = append(ps, copies(c.Issues)...)
	if len(ps) > 0 {
		ps.sort()
		return nil, ps
	}
	l.rendered = make(map[[sha256.Size]byte]*body, len(l.rendered))
	for _, iss := range c.Issues {
		for _, a := range iss.Articles {
			if a.body != nil {
				l.rendered[a.body.sum] = a.body
			}
		}
	}
	c.Warnings.sort()
	if c.record != nil {
		c.recallIssues()
	}
	sort.Slice(c.Issues, func(i, j int) bool { return c.newer(c.Issues[i], c.Issues[j]) })
	c.Version = hex.EncodeToString(h.Sum(nil))[:16]
	c.index()
	return c, nil
}
