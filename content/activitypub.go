package content

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Fediverse is the site's account on the fediverse (activitypub: in
// morningpost.yaml): an ActivityPub actor that Mastodon and its kin
// follow, and that sends them every article as it goes out. Nil when
// the block is absent: federation is off.
type Fediverse struct {
	// Username is the account's name: @Username@HOST, HOST being
	// base_url's host (with its port when it has one).
	Username string
	// Sections, when set, makes each section of articles an account of
	// its own (@lead@HOST, @deep-dive@HOST, @opinion@HOST), mirroring
	// its section feed, for readers who follow only the columns.
	Sections bool
	// AllowPrivateAddresses lets the server fetch actors from, and
	// deliver to, loopback and private addresses: for tests and private
	// networks only (actor documents and inboxes come from strangers).
	AllowPrivateAddresses bool
}

// Handle is the account's handle, @name@host, for the site's pages.
func (s *Site) Handle(name string) string {
	return "@" + name + "@" + s.BaseURL.Host
}

type fediverseFile struct {
	Username              string `yaml:"username"`
	Sections              bool   `yaml:"sections"`
	AllowPrivateAddresses bool   `yaml:"allow_private_addresses"`
}

// usernameRE is what Mastodon accepts as a username: letters, digits
// and underscores; we take lower case, digits, "_", "-" and ".".
var usernameRE = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_.-]{0,28}[a-z0-9_])?$`)

// parseFediverse reads activitypub: from morningpost.yaml.
func parseFediverse(f *siteFile, s *Site, doc *yaml.Node, p problems) {
	if f.ActivityPub == nil {
		return
	}
	name := strings.TrimSpace(f.ActivityPub.Username)
	line := lineOf(doc, "activitypub", "username")
	switch {
	case name == "":
		p.add(lineOf(doc, "activitypub"), "activitypub: username is required (e.g. news): the handle is @news@%s", s.BaseURL.Host)
		return
	case !usernameRE.MatchString(name):
		p.add(line, "activitypub: username %q must be lower-case letters, digits, \"_\", \"-\" or \".\" (at most 30), e.g. news", name)
		return
	}
	if f.ActivityPub.Sections {
		for _, sec := range Sections {
			if sec.IsArticle() && string(sec) == name {
				p.add(line, "activitypub: username %q is also a section's account (sections: true); choose another", name)
				return
			}
		}
	}
	s.Fediverse = &Fediverse{Username: name, Sections: f.ActivityPub.Sections, AllowPrivateAddresses: f.ActivityPub.AllowPrivateAddresses}
}
