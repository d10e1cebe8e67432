package websub

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/netguard"
)

// hub is a WebSub hub in the test's memory: an http.Handler answered
// through httptest.ResponseRecorder, so synctest's clock runs it.
type hub struct {
	mu       sync.Mutex
	statuses []int // answers, in turn; 204 once they run out
	got      []received
}

type received struct {
	at                         time.Time
	mode, url, topic, ua, kind string
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, received{time.Now(), r.PostForm.Get("hub.mode"), r.PostForm.Get("hub.url"), r.PostForm.Get("hub.topic"), r.UserAgent(), r.Header.Get("Content-Type")})
	status := http.StatusNoContent
	if len(h.statuses) > 0 {
		status, h.statuses = h.statuses[0], h.statuses[1:]
	}
	w.WriteHeader(status)
}

func (h *hub) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func (h *hub) take() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.got
	h.got = nil
	return out
}

func urls(rs []received) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.url)
	}
	slices.Sort(out)
	return out
}

const site = `title: T
base_url: https://t.example/
authority: t.example,2025
author: {name: Desk}
time_zone: UTC
publish_time: "06:00"
websub_hubs: [https://hub.example/]
`

func files() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"morningpost.yaml":   f(site),
		"issues/1/issue.md":  f("---\ndate: 1999-12-31\n---\n"),
		"issues/1/lead.md":   f("---\ntitle: One\n---\nFirst.\n"),
		"issues/1/column.md": f("---\ntitle: Column\n---\nOpinion.\n"),
		// Goes out at 06:00 on the bubble's first day.
		"issues/2/issue.md": f("---\ndate: 2000-01-01\n---\n"),
		"issues/2/lead.md":  f("---\ntitle: Two\n---\nSecond.\n"),
	}
}

func feedURLs(specs ...feed.Spec) []string {
	var out []string
	for _, s := range specs {
		for _, f := range feed.Formats {
			out = append(out, "https://t.example"+s.Path(f))
		}
	}
	slices.Sort(out)
	return out
}

func TestPingsOnEditAndOnScheduledPublication(t *testing.T) {
	cache := feed.NewCache(64 << 20) // outside the bubble: go-cache's janitor never ends
	synctest.Test(t, func(t *testing.T) {
		fsys := files()
		live, err := content.NewLive(fsys, content.LiveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := &hub{}
		ctx, cancel := context.WithCancel(t.Context())
		var results []Result
		var mu sync.Mutex
		p := NewPublisher(ctx, Options{Client: &http.Client{Transport: h}, UserAgent: "morningpost/test", OnResult: func(r Result) {
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		}})
		done := make(chan struct{})
		go func() {
			defer close(done)
			Watch(ctx, live, cache, time.Now, p)
		}()
		synctest.Wait()
		if got := h.take(); len(got) != 0 {
			t.Errorf("pinged at start: %v", urls(got))
		}

		// An edit of the lead: only the feeds holding it.
		time.Sleep(time.Hour)
		fsys["issues/1/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitle: One, corrected\n---\nFirst.\n")}
		edited := time.Now()
		if err := live.Reload(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		got := h.take()
		want := feedURLs(feed.Spec{Kind: feed.Articles}, feed.Spec{Kind: feed.Issues}, feed.Spec{Kind: feed.SectionFeed, Section: content.Lead})
		if !slices.Equal(urls(got), want) {
			t.Errorf("after an edit of the lead, pinged\n%v\nwant\n%v", urls(got), want)
		}
		for _, r := range got {
			if r.mode != "publish" || r.topic != r.url || r.ua != "morningpost/test" || r.kind != "application/x-www-form-urlencoded" || r.at.Sub(edited) > 5*time.Second {
				t.Errorf("ping %+v (%v after the edit)", r, r.at.Sub(edited))
			}
		}

		// 06:00: issue 2 goes out with no file event. The hub is down
		// at first: the pings are retried until it answers.
		h.mu.Lock()
		h.statuses = []int{503, 503, 503}
		h.mu.Unlock()
		time.Sleep(time.Until(time.Date(2000, 1, 1, 6, 0, 0, 0, time.UTC)))
		out := time.Now()
		synctest.Wait()
		time.Sleep(time.Minute) // the backoff
		synctest.Wait()
		got = h.take()
		want = feedURLs(feed.Spec{Kind: feed.Articles}, feed.Spec{Kind: feed.Issues}, feed.Spec{Kind: feed.SectionFeed, Section: content.Lead})
		if u := slices.Compact(urls(got)); !slices.Equal(u, want) || len(got) != len(want)+3 {
			t.Errorf("at the publication pinged %d times\n%v\nwant each of\n%v\nonce, and the 3 refused again", len(got), u, want)
		}
		if first := got[0].at; first.Sub(out) > 5*time.Second {
			t.Errorf("first ping %v after the publication", first.Sub(out))
		}
		mu.Lock()
		failed := 0
		for _, r := range results {
			if r.Err != nil {
				failed++
				if r.Final || !strings.Contains(r.Err.Error(), "503") {
					t.Errorf("result %+v", r)
				}
			}
		}
		mu.Unlock()
		if failed != 3 {
			t.Errorf("%d failures reported, want 3", failed)
		}
		cancel()
		<-done
		p.Wait()
	})
}

func TestNoHubNothingRendered(t *testing.T) {
	cache := feed.NewCache(64 << 20)
	synctest.Test(t, func(t *testing.T) {
		fsys := files()
		fsys["morningpost.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(site, "websub_hubs: [https://hub.example/]\n", "", 1))}
		live, err := content.NewLive(fsys, content.LiveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := &hub{}
		ctx, cancel := context.WithCancel(t.Context())
		p := NewPublisher(ctx, Options{Client: &http.Client{Transport: h}, UserAgent: "x"})
		go Watch(ctx, live, cache, time.Now, p)
		time.Sleep(7 * time.Hour) // past issue 2's publication
		_ = live.Reload()
		synctest.Wait()
		if got := h.take(); len(got) != 0 || cache.Stats().Renders != 0 {
			t.Errorf("without hubs: %d pings, %d renders", len(got), cache.Stats().Renders)
		}
		cancel()
	})
}

// Over real HTTP: the request a hub gets, and failures (a redirect, a
// hub too slow) bounded and reported.
func TestPublishOverHTTP(t *testing.T) {
	h := &hub{}
	ok := httptest.NewServer(h)
	defer ok.Close()
	redirect := httptest.NewServer(http.RedirectHandler("https://elsewhere.example/", http.StatusFound))
	defer redirect.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler

	results := make(chan Result, 8)
	p := NewPublisher(t.Context(), Options{UserAgent: "morningpost/1.0 (+https://github.com/morningpost/morningpost)",
		Attempts: 1, Timeout: 200 * time.Millisecond, OnResult: func(r Result) { results <- r }})
	p.Publish([]string{ok.URL, redirect.URL, slow.URL}, []string{"https://t.example/feed.atom"})
	p.Wait()
	close(results)
	byHub := map[string]Result{}
	for r := range results {
		byHub[r.Hub] = r
	}
	if r := byHub[ok.URL]; r.Err != nil || !r.Final {
		t.Errorf("hub: %+v", r)
	}
	if r := byHub[redirect.URL]; r.Err == nil || !strings.Contains(r.Err.Error(), "302") {
		t.Errorf("redirecting hub: %+v", r)
	}
	if r := byHub[slow.URL]; r.Err == nil {
		t.Errorf("slow hub: %+v", r)
	}
	got := h.take()
	if len(got) != 1 || got[0].mode != "publish" || got[0].url != "https://t.example/feed.atom" || got[0].topic != got[0].url || !strings.HasPrefix(got[0].ua, "morningpost/1.0") {
		t.Errorf("hub received %+v", got)
	}
}

// A change published while an older ping waits out its backoff goes at
// once, not at the next retry: the hub hears of it within seconds, in one
// request, and the retries start again from the first wait.
func TestNewChangeCutsBackoffShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hub{statuses: []int{503, 503, 503, 503}} // the next retry would come 30 s after the first try
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		p := NewPublisher(ctx, Options{Client: &http.Client{Transport: h}, UserAgent: "x"})
		const f = "https://t.example/feed.atom"
		start := time.Now()
		p.Publish([]string{"https://hub.example/"}, []string{f})
		time.Sleep(15 * time.Second) // four tries refused: at 0, 2, 6 and 14 s
		synctest.Wait()
		if got := h.take(); len(got) != 4 {
			t.Fatalf("%d requests in the first 15 s, want 4", len(got))
		}

		changed := time.Now()
		p.Publish([]string{"https://hub.example/"}, []string{f})
		time.Sleep(5 * time.Second)
		synctest.Wait()
		got := h.take()
		if len(got) != 1 || got[0].url != f || got[0].topic != f {
			t.Fatalf("within 5 s of a new change: %+v, want one request for %s", got, f)
		}
		if d := got[0].at.Sub(changed); d > 5*time.Second {
			t.Errorf("the new change went out %v after it was published", d)
		}
		time.Sleep(time.Hour) // the hub took it: nothing more is sent
		synctest.Wait()
		if got := h.take(); len(got) != 0 {
			t.Errorf("after the hub accepted the change, %d more requests (first %v after start)", len(got), got[0].at.Sub(start))
		}
		cancel()
		p.Wait()
	})
}

// A change published while its ping is being sent is sent once more when
// that request ends, and once only.
func TestChangeDuringRequestSentOnceMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		h := &hub{}
		slow := roundTripper(func(r *http.Request) (*http.Response, error) {
			<-release
			return h.RoundTrip(r)
		})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		p := NewPublisher(ctx, Options{Client: &http.Client{Transport: slow}, UserAgent: "x"})
		hubs, feeds := []string{"https://hub.example/"}, []string{"https://t.example/feed.atom"}
		p.Publish(hubs, feeds)
		synctest.Wait() // the first request is under way
		p.Publish(hubs, feeds)
		p.Publish(hubs, feeds)
		close(release)
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := h.take(); len(got) != 2 {
			t.Errorf("%d requests, want 2: the first, and one for the changes made while it was under way", len(got))
		}
		cancel()
		p.Wait()
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Pings go through netguard's transport, as every outbound request:
// the configured hub may be on this machine, nothing else there is
// reached.
func TestPingsGuarded(t *testing.T) {
	h := &hub{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	p := NewPublisher(t.Context(), Options{UserAgent: "x", Attempts: 1})
	if _, ok := p.o.Client.Transport.(*netguard.Transport); !ok {
		t.Fatalf("default transport %T, want netguard's", p.o.Client.Transport)
	}
	if _, err := p.o.Client.Get(srv.URL); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("an address no hub names: %v, want it refused", err)
	}
	p.Publish([]string{srv.URL}, []string{"https://t.example/feed.atom"})
	p.Wait()
	if got := h.take(); len(got) != 1 {
		t.Errorf("the configured hub on 127.0.0.1 got %d pings, want 1", len(got))
	}
}
