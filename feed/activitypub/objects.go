package activitypub

import (
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// The JSON-LD contexts every document names: ActivityStreams and the
// security vocabulary (publicKey), plus the few extension terms Mastodon
// reads. No JSON-LD processing is needed to read them: plain JSON.
var (
	contextAS     = "https://www.w3.org/ns/activitystreams"
	contextFull   = []any{contextAS, "https://w3id.org/security/v1", map[string]any{"manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "toot": "http://joinmastodon.org/ns#", "discoverable": "toot:discoverable", "Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}}
	contextObject = []any{contextAS, map[string]any{"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}}
)

// Object is an ActivityStreams object or activity, as JSON.
type Object map[string]any

// Actor is the account's actor document.
func (s *Service) actorDoc(site *content.Site, acc account, pubPEM string) Object {
	u := urls{site}
	name := acc.name
	a := Object{
		"@context":                  contextFull,
		"id":                        u.actor(name),
		"type":                      "Service",
		"preferredUsername":         name,
		"name":                      acc.title(site),
		"summary":                   acc.summary(site),
		"url":                       acc.home(site),
		"inbox":                     u.inbox(name),
		"outbox":                    u.outbox(name),
		"followers":                 u.followers(name),
		"following":                 u.following(name),
		"endpoints":                 Object{"sharedInbox": u.sharedInbox()},
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
		"icon":                      Object{"type": "Image", "mediaType": "image/png", "url": site.URL("/icon.png")},
		"publicKey":                 Object{"id": u.key(name), "owner": u.actor(name), "publicKeyPem": pubPEM},
	}
	if site.Established > 0 {
		a["published"] = time.Date(site.Established, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	return a
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// article is the Article object of a public article: at its page's URL,
// the same HTML as its feed entries, and a preview Note (FEP-b2b8) for
// servers that show Notes only (Mastodon shows an Article's title and
// link; with the preview, its summary and picture).
func articleObject(site *content.Site, name string, a *content.Article) Object {
	u := urls{site}
	page := site.URL(a.URLPath())
	var tags []any
	for _, t := range a.TagLinks() {
		tags = append(tags, Object{"type": "Hashtag", "href": site.URL(t.URLPath()), "name": "#" + hashtag(t.Slug)})
	}
	var attachments []any
	if img := a.Image; img != nil {
		attachments = append(attachments, Object{
			"type": "Image", "mediaType": img.Type, "url": site.URL(img.URLPath()),
			"name": content.Line(a.ImageAlt), "width": img.Width, "height": img.Height,
		})
	}
	summary := content.Line(a.Standfirst)
	if summary == "" {
		summary = a.Summary()
	}
	o := Object{
		"id":           page,
		"type":         "Article",
		"name":         a.Title,
		"content":      feed.ArticleHTML(site, a),
		"summary":      summary,
		"url":          page,
		"attributedTo": u.actor(name),
		"published":    stamp(a.Published()),
		"updated":      stamp(a.Modified()),
		"to":           []string{publicAddr},
		"cc":           []string{u.followers(name)},
		"sensitive":    false,
	}
	if lang := site.Language; lang != "" {
		o["contentMap"] = map[string]string{lang: o["content"].(string)}
	}
	if tags != nil {
		o["tag"] = tags
	}
	if attachments != nil {
		o["attachment"] = attachments
	}
	// The preview: what a Note-only server shows, a title, the summary
	// and the link, with the picture.
	var note strings.Builder
	note.WriteString("<p><strong>" + html.EscapeString(a.Title) + "</strong></p>")
	if summary != "" {
		note.WriteString("<p>" + html.EscapeString(summary) + "</p>")
	}
	note.WriteString(`<p><a href="` + html.EscapeString(page) + `">` + html.EscapeString(page) + `</a></p>`)
	preview := Object{"type": "Note", "attributedTo": u.actor(name), "content": note.String()}
	if attachments != nil {
		preview["attachment"] = attachments
	}
	if tags != nil {
		preview["tag"] = tags
	}
	o["preview"] = preview
	return o
}

// hashtag is a tag's slug as a hashtag: Mastodon's hashtags hold letters,
// digits and underscores, so open-source becomes opensource.
func hashtag(slug string) string { return strings.ReplaceAll(slug, "-", "") }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tombstone answers for an article that was public and is no more.
func tombstone(site *content.Site, path string, deleted time.Time) Object {
	return Object{"@context": contextAS, "id": site.URL(path), "type": "Tombstone", "formerType": "Article", "deleted": stamp(deleted)}
}

// activity wraps obj (an Object, or an ID) as an activity of type typ by
// the account name, with id, addressed as the object is.
func activity(site *content.Site, name, typ, id string, obj any, published time.Time) Object {
	u := urls{site}
	if o, ok := obj.(Object); ok {
		delete(o, "@context")
	}
	return Object{
		"@context":  contextObject,
		"id":        id,
		"type":      typ,
		"actor":     u.actor(name),
		"published": stamp(published),
		"to":        []string{publicAddr},
		"cc":        []string{u.followers(name)},
		"object":    obj,
	}
}

// nanos names an activity by its moment: an Update, a Delete, a Create
// sent again after a Delete (the first Create's ID is the same each
// time the outbox shows it).
func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// outboxArticles are the articles the outbox lists: every public one,
// newest first.
func outboxArticles(snap *content.Snapshot) []*content.Article {
	arts := append([]*content.Article(nil), snap.Articles()...)
	sort.SliceStable(arts, func(i, j int) bool { return arts[i].Published().After(arts[j].Published()) })
	return arts
}
