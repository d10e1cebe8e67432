package content

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png" // icons are PNG
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SiteIcon is the site's own icon: a square PNG of the content folder,
// named by icon: in morningpost.yaml. It replaces the built-in icon at
// /icon.png, /favicon.ico and in the feeds, and is the pages' og:image
// when an article has no picture of its own.
type SiteIcon struct {
	Name string // path inside the content root
	Data []byte
	Size int // width and height, in pixels
}

// Limits of a site icon: feed readers and browsers show icons from 16 to
// 512 pixels, and fetch them often.
const (
	minIconSize  = 64
	maxIconBytes = 1 << 20
)

// parseBranding reads sections: and icon: from morningpost.yaml.
func parseBranding(f *siteFile, s *Site, fsys fs.FS, doc *yaml.Node, p problems) {
	for key, name := range f.Sections {
		sec := Section(key)
		name = Line(Clean(name))
		switch {
		case !sec.Valid():
			p.add(lineOf(doc, "sections", key), "sections: %q is no section (lead, deep-dive, opinion, tools, reading)", key)
		case name == "":
			p.add(lineOf(doc, "sections", key), "sections: %s needs a name, or remove the line to keep %q", key, sec.Title())
		case len(name) > 60:
			p.add(lineOf(doc, "sections", key), "sections: the name of %s is over 60 characters", key)
		default:
			if s.sectionTitles == nil {
				s.sectionTitles = map[Section]string{}
			}
			s.sectionTitles[sec] = name
		}
	}
	name := strings.TrimSpace(f.Icon)
	if name == "" || fsys == nil {
		return
	}
	line := lineOf(doc, "icon")
	clean := path.Clean(name)
	if !fs.ValidPath(clean) || path.Ext(strings.ToLower(clean)) != ".png" {
		p.add(line, "icon: %q must be a PNG file in the content folder, e.g. icon.png", name)
		return
	}
	fi, err := fs.Stat(fsys, clean)
	if err != nil {
		p.add(line, "icon: %s", readError(err))
		return
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxIconBytes {
		p.add(line, "icon: %s must be a PNG file of at most 1 MB", name)
		return
	}
	b, err := fs.ReadFile(fsys, clean)
	if err != nil {
		p.add(line, "icon: %s", readError(err))
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	switch {
	case err != nil || format != "png":
		p.add(line, "icon: %s is not a PNG picture", name)
	case cfg.Width != cfg.Height || cfg.Width < minIconSize:
		p.add(line, "icon: %s is %d×%d pixels; an icon is square, at least %d×%d (512×512 is best)", name, cfg.Width, cfg.Height, minIconSize, minIconSize)
	default:
		s.Icon = &SiteIcon{Name: clean, Data: b, Size: cfg.Width}
	}
}

// String names the icon for messages.
func (i *SiteIcon) String() string { return fmt.Sprintf("%s (%d px)", i.Name, i.Size) }
