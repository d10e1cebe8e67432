package activitypub

import (
	"html"

	"github.com/morningpost/morningpost/content"
)

// account is one of the site's fediverse accounts: the newsletter's
// (section ""), or, with sections: true, one per section of articles,
// named after it (@opinion@HOST), which carries only that section's
// articles, as its section feed does.
type account struct {
	name    string
	section content.Section
}

// accounts are the site's accounts under cfg, the newsletter's first.
func accounts(cfg *content.Fediverse) []account {
	out := []account{{name: cfg.Username}}
	if cfg.Sections {
		for _, sec := range content.Sections {
			if sec.IsArticle() {
				out = append(out, account{name: string(sec), section: sec})
			}
		}
	}
	return out
}

// accountNamed is the account called name, if there is one.
func accountNamed(cfg *content.Fediverse, name string) (account, bool) {
	if cfg == nil {
		return account{}, false
	}
	for _, a := range accounts(cfg) {
		if a.name == name {
			return a, true
		}
	}
	return account{}, false
}

// carries reports whether the account sends articles of section sec.
func (a account) carries(sec content.Section) bool { return a.section == "" || a.section == sec }

// title and summary of the account's actor.
func (a account) title(site *content.Site) string {
	if a.section == "" {
		return site.Title
	}
	return site.Title + " · " + site.SectionTitle(a.section)
}

func (a account) summary(site *content.Site) string {
	if a.section == "" {
		return "<p>" + html.EscapeString(firstNonEmpty(site.Description, site.Tagline)) + "</p>"
	}
	return "<p>" + html.EscapeString(site.SectionTitle(a.section)) + " from " + html.EscapeString(site.Title) + ": every article of the section as it is published.</p>"
}

func (a account) home(site *content.Site) string {
	if a.section == "" {
		return site.URL("/")
	}
	return site.URL("/sections/" + string(a.section))
}

// activityID names activity kind ("create", "update", "delete") of the
// article at page by the account, suffix ("" or a time) making it one
// of its kind: the newsletter's are page#create…, a section account's
// page#create-opinion….
func (a account) activityID(page, kind, suffix string) string {
	id := page + "#" + kind
	if a.section != "" {
		id += "-" + a.name
	}
	if suffix != "" {
		id += "-" + suffix
	}
	return id
}
