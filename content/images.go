package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"html/template"
	"image"
	_ "image/gif" // registers GIF for image.DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"go.yaml.in/yaml/v3"
	_ "golang.org/x/image/webp" // registers WebP
	"golang.org/x/net/html"
)

// MaxImageSize is the largest image file an issue may hold.
const MaxImageSize = 10 << 20

// Image is a picture in an issue folder (issues/88/chart.png), which the
// issue's Markdown refers to by its name and an article may name as its
// lead image (image: in the front matter).
type Image struct {
	Name   string // file name, e.g. chart.png
	Path   string // path inside the content root
	Type   string // media type: image/png, image/jpeg, image/gif, image/webp, image/svg+xml
	Width  int    // pixels, read from the file
	Height int
	Size   int64  // bytes
	Hash   string // the first 16 hex digits of the SHA-256 of the bytes
	issue  int
	fsys   fs.FS
}

// imageTypes are the image formats an issue may hold, by file extension
// (lower case), with the name image.DecodeConfig gives each.
var imageTypes = map[string]struct{ format, mediaType string }{
	".png":  {"png", "image/png"},
	".jpg":  {"jpeg", "image/jpeg"},
	".jpeg": {"jpeg", "image/jpeg"},
	".gif":  {"gif", "image/gif"},
	".webp": {"webp", "image/webp"},
	".svg":  {"svg", "image/svg+xml"},
}

// isImageName reports whether a file in an issue folder is an image by
// its name.
func isImageName(name string) bool {
	_, ok := imageTypes[strings.ToLower(path.Ext(name))]
	return ok
}

// URLPath is where the image is served: /issues/88/images/{hash}/chart.png.
// The hash changes whenever the bytes do, so the URL may be cached for
// ever.
func (img *Image) URLPath() string {
	return "/issues/" + strconv.Itoa(img.issue) + "/images/" + img.Hash + "/" + img.Name
}

// ErrImageChanged is returned by Read when the file is no longer the one
// loaded (a reload is on its way).
var ErrImageChanged = errors.New("image changed since it was loaded")

// Read returns the image's bytes, read again from the content root.
func (img *Image) Read() ([]byte, error) {
	b, err := fs.ReadFile(img.fsys, img.Path)
	if err != nil {
		return nil, err
	}
	if imageHash(b) != img.Hash {
		return nil, fmt.Errorf("%s: %w", img.Path, ErrImageChanged)
	}
	return b, nil
}

func imageHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Image returns the issue's image named name, or nil.
func (i *Issue) Image(name string) *Image {
	for _, img := range i.Images {
		if img.Name == name {
			return img
		}
	}
	return nil
}

// PublicImage reports whether img may be served to readers of the
// snapshot's copy of the issue: it is referred to by the issue's note or
// by one of its articles (drafts are not in a public copy).
func (i *Issue) PublicImage(img *Image) bool {
	if i.noteImages[img.Name] {
		return true
	}
	for _, a := range i.Articles {
		if a.images[img.Name] {
			return true
		}
	}
	return false
}

// readImage reads one image file of an issue folder: its size, type and
// dimensions, checked against its name. The bytes are hashed into h (the
// folder's version) and not kept.
func readImage(fsys fs.FS, p string, issue int, h hash.Hash) (*Image, *Problem) {
	name := path.Base(p)
	fail := func(format string, args ...any) (*Image, *Problem) {
		return nil, &Problem{Path: p, Msg: fmt.Sprintf(format, args...)}
	}
	if !validImageName(name) {
		return fail("image file names may hold only letters, digits, '.', '-' and '_' (they are part of the image's URL)")
	}
	fi, err := fs.Stat(fsys, p)
	if err != nil {
		return fail("%s", readError(err))
	}
	if !fi.Mode().IsRegular() {
		return fail("%s", notRegular(fi.Mode().Type()))
	}
	if fi.Size() > MaxImageSize {
		return fail("%.1f MB is too large for a picture in a newsletter; the limit is %d MB", float64(fi.Size())/(1<<20), MaxImageSize>>20)
	}
	b, _, err := appendFile(nil, fsys, p, MaxImageSize)
	if err != nil {
		return fail("%s", readError(err))
	}
	hashFile(h, p, b)
	want := imageTypes[strings.ToLower(path.Ext(name))]
	img := &Image{Name: name, Path: p, Type: want.mediaType, Size: int64(len(b)), Hash: imageHash(b), issue: issue, fsys: fsys}
	if want.format == "svg" {
		img.Width, img.Height, err = svgSize(b)
		if err != nil {
			return fail("not an SVG image: %v", err)
		}
		return img, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	switch {
	case err != nil:
		return fail("not a %s image (%v)", strings.ToUpper(want.format), err)
	case format != want.format:
		return fail("the file is a %s image, not the %s its name says; rename it", strings.ToUpper(format), strings.ToUpper(want.format))
	case cfg.Width <= 0 || cfg.Height <= 0:
		return fail("the image has no size")
	}
	img.Width, img.Height = cfg.Width, cfg.Height
	return img, nil
}

func validImageName(name string) bool {
	if name == "" || name[0] == '.' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// svgSize reads the size of an SVG from its root element: width and
// height in pixels (or unitless), else the viewBox. SVG files are served
// under a Content-Security-Policy that lets them run no script.
func svgSize(b []byte) (w, h int, err error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, 0, errors.New("no <svg> element")
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "svg" {
			return 0, 0, fmt.Errorf("the root element is <%s>, not <svg>", se.Name.Local)
		}
		var width, height, viewBox string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "width":
				width = a.Value
			case "height":
				height = a.Value
			case "viewBox":
				viewBox = a.Value
			}
		}
		px := func(s string) int {
			f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "px"), 64)
			if err != nil || f < 1 {
				return 0
			}
			return int(f + 0.5)
		}
		if w, h := px(width), px(height); w > 0 && h > 0 {
			return w, h, nil
		}
		if f := strings.Fields(strings.ReplaceAll(viewBox, ",", " ")); len(f) == 4 {
			if w, h := px(f[2]), px(f[3]); w > 0 && h > 0 {
				return w, h, nil
			}
		}
		return 0, 0, errors.New("the <svg> element needs width and height in pixels, or a viewBox")
	}
}

// imageRef is an image a Markdown text refers to.
type imageRef struct {
	dest, alt string
	line      int // in the Markdown
}

// markdownImages lists the images a Markdown text shows, with their lines.
func markdownImages(src string) []imageRef {
	if !strings.Contains(src, "![") {
		return nil // most texts have none: no need to parse them at load
	}
	b := []byte(src)
	doc := markdown.Parser().Parse(text.NewReader(b))
	var refs []imageRef
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		img, ok := n.(*ast.Image)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		off := -1
		var alt strings.Builder
		_ = ast.Walk(img, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if t, ok := c.(*ast.Text); ok && entering {
				if off < 0 {
					off = t.Segment.Start
				}
				alt.Write(t.Segment.Value(b))
			}
			return ast.WalkContinue, nil
		})
		for p := img.Parent(); off < 0 && p != nil; p = p.Parent() {
			if p.Type() == ast.TypeBlock && p.Lines().Len() > 0 {
				off = p.Lines().At(0).Start
			}
		}
		refs = append(refs, imageRef{dest: string(img.Destination), alt: strings.TrimSpace(alt.String()), line: bytes.Count(b[:max(off, 0)], []byte("\n")) + 1})
		return ast.WalkSkipChildren, nil
	})
	return refs
}

// localImage returns the file name a Markdown image destination names
// in the issue folder ("chart.png", "./chart.png"), or "" when it points
// elsewhere (a URL, a site path).
func localImage(dest string) (string, bool) {
	u, err := url.Parse(dest)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/") || u.Path == "" {
		return "", false
	}
	return path.Clean(u.Path), true
}

// checkImages checks the images a Markdown text refers to, whose first
// line is line bodyLine of its file, and returns the names of the issue's
// images it uses.
func checkImages(src string, bodyLine int, iss *Issue, p problems) map[string]bool {
	var used map[string]bool
	for _, r := range markdownImages(src) {
		name, local := localImage(r.dest)
		at := bodyLine + r.line - 1
		if r.alt == "" {
			p.addAt(at, "image %q has no alt text: write what it shows between the brackets, ![A chart of …](%s)", r.dest, r.dest)
		}
		if !local {
			continue
		}
		if iss.Image(name) == nil {
			p.addAt(at, "image %q: there is no such image in %s", r.dest, path.Dir(p.path))
			continue
		}
		if used == nil {
			used = map[string]bool{}
		}
		used[name] = true
	}
	return used
}

// withImages rewrites the <img> elements of rendered HTML that name an
// image of the issue (through RewriteURLs, whose resolve leaves every URL
// as it is): their src becomes the image's URL, and they get its width
// and height, so pages and readers do not jump while loading.
func withImages(h template.HTML, iss *Issue) template.HTML {
	if len(iss.Images) == 0 || !strings.Contains(string(h), "<img") {
		return h
	}
	keep := func(ref string) string { return ref }
	return template.HTML(RewriteURLs(string(h), keep, func(t *html.Token) bool { //nolint:gosec // re-serialised tokens of goldmark's safe output
		if t.Data != "img" {
			return false
		}
		var img *Image
		for i, a := range t.Attr {
			if a.Key == "src" {
				if name, ok := localImage(a.Val); ok {
					if img = iss.Image(name); img != nil {
						t.Attr[i].Val = img.URLPath()
					}
				}
			}
		}
		if img == nil {
			return false
		}
		// No loading="lazy": the body goes into feeds too, whose
		// readers' sanitisers drop what they do not know.
		t.Attr = append(t.Attr,
			html.Attribute{Key: "width", Val: strconv.Itoa(img.Width)},
			html.Attribute{Key: "height", Val: strconv.Itoa(img.Height)})
		return true
	}))
}

// bodyLine is the line a Markdown file's body starts on, given its front
// matter: after the opening ---, the YAML and the closing ---.
func bodyLine(yml []byte) int { return 3 + bytes.Count(yml, []byte("\n")) }

// leadImage sets the article's lead image from its front matter: a file
// of the issue folder, with alt text.
func leadImage(a *Article, name, alt string, doc *yaml.Node, p problems) {
	name, alt = strings.TrimSpace(name), Clean(strings.TrimSpace(alt))
	if name == "" {
		if alt != "" {
			p.add(lineOf(doc, "image_alt"), "image_alt without image: name the picture with image: chart.png")
		}
		return
	}
	file, local := localImage(name)
	img := a.Issue.Image(file)
	switch {
	case !local:
		p.add(lineOf(doc, "image"), "image %q must be the name of a picture in the issue folder, e.g. image: chart.png", name)
	case img == nil:
		p.add(lineOf(doc, "image"), "image %q: there is no such image in %s", name, path.Dir(p.path))
	}
	if alt == "" {
		p.add(lineOf(doc, "image"), "image %q has no alt text: say what it shows with image_alt:", name)
	}
	if img != nil {
		a.Image, a.ImageAlt = img, alt
		if a.images == nil {
			a.images = map[string]bool{}
		}
		a.images[img.Name] = true
	}
}
