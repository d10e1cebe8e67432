package activitypub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPublishFollowsTheRecord walks an account's life: the backlog is
// never sent, a new issue is created, an edit updated, a withdrawn
// article deleted (its URL then a Tombstone, 410), a draft never sent.
func TestPublishFollowsTheRecord(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	p := newPeer(t, f.svc)
	// First start: issue 1 is the backlog.
	if err := f.svc.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	p.follow(t, f)
	flush(t, f)
	if got := types(p.received()); got != "Accept" {
		t.Fatalf("after the follow the peer got %q, want the Accept only (never the backlog)", got)
	}
	if err := f.svc.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	flush(t, f)
	if got := types(p.received()); got != "Accept" {
		t.Fatalf("a second look sent %q", got)
	}

	// Issue 2, written ahead for tomorrow 06:00, with a draft.
	f.write("issues/2/issue.md", issueMD("03"))
	f.write("issues/2/lead.md", articleMD("Second lead", "lead", ""))
	f.write("issues/2/draft.md", articleMD("Second draft", "opinion", "draft: true\n"))
	publish(t, f)
	if got := types(p.received()); got != "Accept" {
		t.Fatalf("a scheduled issue was sent before its time: %q", got)
	}
	f.clock.Add(24 * time.Hour) // 2026-01-03 12:00: issue 2 is out
	publish(t, f)
	if got := types(p.received()[1:]); got != "Create:Second lead" {
		t.Fatalf("issue 2 out: the peer got %q", got)
	}
	create := p.received()[1]
	if create["actor"] != "https://post.example/ap/news" || create["id"] != "https://post.example/issues/2/second-lead#create" {
		t.Errorf("create = %v", create)
	}

	// An edit moves updated: an Update.
	f.clock.Add(time.Hour)
	f.write("issues/2/lead.md", articleMD("Second lead", "lead", "")+"A correction.\n")
	publish(t, f)
	if got := types(p.received()[2:]); got != "Update:Second lead" {
		t.Fatalf("after an edit the peer got %q", got)
	}
	upd := p.received()[2]["object"].(map[string]any)
	if upd["updated"] == upd["published"] || !strings.Contains(upd["content"].(string), "A correction.") {
		t.Errorf("update: updated %v, published %v, content %q", upd["updated"], upd["published"], upd["content"])
	}

	// The draft stays a draft; the column is withdrawn: a Delete.
	f.clock.Add(time.Hour)
	f.write("issues/1/column.md", articleMD("First column", "opinion", "draft: true\n"))
	publish(t, f)
	if got := types(p.received()[3:]); got != "Delete:first-column" {
		t.Fatalf("after a withdrawal the peer got %q", got)
	}
	del := p.received()[3]["object"].(map[string]any)
	if del["type"] != "Tombstone" || del["id"] != "https://post.example/issues/1/first-column" {
		t.Errorf("delete's object = %v", del)
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/issues/1/first-column", nil)
	r.Header.Set("Accept", ActivityType)
	if !f.svc.Gone(w, r, "/issues/1/first-column") || w.Code != http.StatusGone || !strings.Contains(w.Body.String(), `"type":"Tombstone"`) {
		t.Errorf("the withdrawn URL: %d %s", w.Code, w.Body)
	}
	for _, a := range p.received() {
		if strings.Contains(mustString(a), "Secret column") || strings.Contains(mustString(a), "Second draft") {
			t.Errorf("a draft left: %v", a)
		}
	}

	// Public again: created anew, as another activity.
	f.clock.Add(time.Hour)
	f.write("issues/1/column.md", articleMD("First column", "opinion", ""))
	publish(t, f)
	if got := types(p.received()[4:]); got != "Create:First column" {
		t.Fatalf("back from a draft the peer got %q", got)
	}
	if n := f.count("SELECT COUNT(*) FROM ap_deliveries"); n != 0 {
		t.Errorf("%d deliveries left in the queue", n)
	}
}

// TestRestoredStoreSendsNothingOld: a store that knows nothing of
// articles that went public days ago (a backup from before them)
// records them without sending them.
func TestRestoredStoreSendsNothingOld(t *testing.T) {
	f := newFixture(t)
	p := newPeer(t, f.svc)
	if err := f.svc.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.follow(t, f)
	flush(t, f)
	// Issue 2 went out on 2026-01-03; the store is as it was before.
	f.write("issues/2/issue.md", issueMD("03"))
	f.write("issues/2/lead.md", articleMD("Second lead", "lead", ""))
	f.clock.Add(5 * 24 * time.Hour)
	publish(t, f)
	if got := types(p.received()); got != "Accept" {
		t.Errorf("an old article was sent: %q", got)
	}
}

// TestScheduledIssueAtItsMoment: with no file event, the publishing
// loop wakes at the moment the next issue goes public and sends it.
func TestScheduledIssueAtItsMoment(t *testing.T) {
	f := newFixture(t)
	timers := make(chan time.Duration, 1)
	fire := make(chan time.Time)
	f.svc.after = func(d time.Duration) <-chan time.Time { timers <- d; return fire }
	p := newPeer(t, f.svc)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := f.svc.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	p.follow(t, f)
	f.write("issues/2/issue.md", issueMD("03"))
	f.write("issues/2/lead.md", articleMD("Second lead", "lead", ""))
	f.clock.Add(18*time.Hour - 45*time.Second) // 2026-01-03 05:59:15
	done := make(chan struct{})
	go func() { defer close(done); f.svc.publishLoop(ctx, nil) }()
	// The loop waits at most recheck at a time, and never past 06:00.
	creates := "SELECT COUNT(*) FROM ap_deliveries WHERE activity = 'https://post.example/issues/2/second-lead#create'"
	waited := time.Duration(0)
	for d := <-timers; f.count(creates) == 0; d = <-timers {
		if waited+d > 45*time.Second || d <= 0 {
			t.Fatalf("after %v the loop waits %v more: it would miss 06:00", waited, d)
		}
		waited += d
		f.clock.Add(d)
		fire <- f.clock.Now()
	}
	if waited != 45*time.Second {
		t.Errorf("issue 2 was queued %v after 05:59:15, want at 06:00", waited)
	}
	cancel()
	<-done
	if n := f.count(creates); n != 1 {
		t.Errorf("at 06:00, %d Creates of issue 2 queued, want 1", n)
	}
}

func publish(t *testing.T, f *fixture) {
	t.Helper()
	if err := f.svc.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	flush(t, f)
}

func flush(t *testing.T, f *fixture) {
	t.Helper()
	if err := f.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func mustString(v any) string {
	b, _ := jsonMarshal(v)
	return string(b)
}
