package activitypub

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSectionAccounts: with sections: true each section of articles is
// an account of its own; a reader following @opinion gets the columns
// only, signed with the opinion account's key.
func TestSectionAccounts(t *testing.T) {
	f := newFixture(t)
	f.write("morningpost.yaml", siteYAML+"  sections: true\n")
	for _, name := range []string{"news", "lead", "deep-dive", "opinion"} {
		res, doc := get(t, f.svc.WebFinger, "/.well-known/webfinger?resource=acct:"+name+"@post.example")
		if res.StatusCode != 200 || doc["subject"] != "acct:"+name+"@post.example" {
			t.Errorf("webfinger %s: %d %v", name, res.StatusCode, doc)
		}
	}
	if res, _ := get(t, f.svc.WebFinger, "/.well-known/webfinger?resource=acct:tools@post.example"); res.StatusCode != 404 {
		t.Errorf("tools is a section of lists, not an account: %d", res.StatusCode)
	}
	_, actor := get(t, func(w http.ResponseWriter, r *http.Request) { f.svc.Actor(w, r, "opinion") }, "/ap/opinion")
	if actor["name"] != "The Test Post · Opinion & Analysis" || actor["url"] != "https://post.example/sections/opinion" || actor["inbox"] != "https://post.example/ap/opinion/inbox" {
		t.Errorf("opinion's actor: %v", actor)
	}
	_, outbox := get(t, func(w http.ResponseWriter, r *http.Request) { f.svc.Outbox(w, r, "opinion") }, "/ap/opinion/outbox")
	if outbox["totalItems"] != float64(1) {
		t.Errorf("opinion's outbox holds %v, want the one column", outbox["totalItems"])
	}

	if err := f.svc.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := newPeer(t, f.svc)
	p.signer = "opinion"
	act := map[string]any{"@context": contextAS, "id": p.actor("alice") + "#follow-opinion", "type": "Follow",
		"actor": p.actor("alice"), "object": "https://post.example/ap/opinion"}
	w := newRecorder()
	f.svc.Inbox(w, p.signed(t, "/ap/inbox", act, "alice", f.clock.Now(), nil), "", "203.0.113.1")
	if w.Code != http.StatusAccepted {
		t.Fatalf("follow opinion: %d", w.Code)
	}
	if f.count("SELECT COUNT(*) FROM ap_followers WHERE account = 'opinion'") != 1 || f.count("SELECT COUNT(*) FROM ap_followers WHERE account = 'news'") != 0 {
		t.Fatal("the follower is not opinion's alone")
	}
	flush(t, f)
	f.write("issues/2/issue.md", issueMD("03"))
	f.write("issues/2/lead.md", articleMD("Second lead", "lead", ""))
	f.write("issues/2/column.md", articleMD("Second column", "opinion", ""))
	f.clock.Add(24 * time.Hour)
	publish(t, f)
	got := p.received()
	if types(got) != "Accept, Create:Second column" {
		t.Fatalf("opinion's follower got %q", types(got))
	}
	create := got[1]
	if create["actor"] != "https://post.example/ap/opinion" || !strings.HasSuffix(create["id"].(string), "#create-opinion") {
		t.Errorf("create: actor %v id %v", create["actor"], create["id"])
	}
	if got[0]["actor"] != "https://post.example/ap/opinion" {
		t.Errorf("the Accept is by %v", got[0]["actor"])
	}
}
