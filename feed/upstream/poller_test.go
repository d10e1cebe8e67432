package upstream

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/morningpost/morningpost/content"
)

// countingUpstream answers with a fixed status (200 with a feed, or an
// error) and counts requests.
type countingUpstream struct {
	mu     sync.Mutex
	hits   int
	status int
	header map[string]string
}

func (u *countingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits++
	status, header := u.status, u.header
	u.mu.Unlock()
	for k, v := range header {
		w.Header().Set(k, v)
	}
	if status != 0 && status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("ETag", `"same"`)
	if r.Header.Get("If-None-Match") == `"same"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	serveString(rssDoc("c", 0, rssItem{Title: "a", GUID: "a"}))(w, r)
}

func (u *countingUpstream) Hits() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

func (u *countingUpstream) Set(status int, header map[string]string) {
	u.mu.Lock()
	u.status, u.header = status, header
	u.mu.Unlock()
}

// runInBubble starts p.Run and returns a stop function that cancels it and
// waits for it to return.
func runInBubble(t *testing.T, p *Poller) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

// bubblePoller opens a store and poller inside a synctest bubble, talking
// to handlers in memory.
func bubblePoller(t *testing.T, dir string, h http.Handler, opts Options, sources ...content.Source) (*Poller, *Store) {
	t.Helper()
	store, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	opts.Transport = handlerTransport{h}
	p, err := NewPoller(t.Context(), store, sources, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p, store
}

func TestRunSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := &countingUpstream{}
		slow := &countingUpstream{header: map[string]string{"Cache-Control": "max-age=10800"}}
		mux := http.NewServeMux()
		mux.Handle("/a", up)
		mux.Handle("/slow", slow)
		p, store := bubblePoller(t, t.TempDir(), mux, Options{},
			content.Source{Name: "a", URL: "http://upstream.test/a", Interval: time.Hour},
			content.Source{Name: "slow", URL: "http://upstream.test/slow", Interval: time.Hour})
		defer store.Close()
		stop := runInBubble(t, p)

		synctest.Wait()
		if up.Hits() != 1 || slow.Hits() != 1 {
			t.Fatalf("at start: hits %d, %d; want 1, 1", up.Hits(), slow.Hits())
		}
		time.Sleep(59 * time.Minute)
		synctest.Wait()
		if up.Hits() != 1 {
			t.Fatalf("polled before the interval: %d", up.Hits())
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if up.Hits() != 2 || slow.Hits() != 1 {
			t.Fatalf("after 61m: hits %d, %d; want 2, 1 (max-age 3h)", up.Hits(), slow.Hits())
		}
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		if up.Hits() != 4 || slow.Hits() != 2 {
			t.Fatalf("after 3h01m: hits %d, %d; want 4, 2", up.Hits(), slow.Hits())
		}
		stop()
	})
}

func TestRunBackoffWithJitter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rand   float64
		delays []time.Duration // between consecutive failing polls
	}{
		// Interval 1h, doubling, capped at 24h.
		{"no jitter", 0, []time.Duration{1 * time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}},
		// +25%, and -25% of the cap once at it.
		{"half jitter", 0.5, []time.Duration{75 * time.Minute, 150 * time.Minute, 5 * time.Hour, 10 * time.Hour, 20 * time.Hour, 18 * time.Hour, 18 * time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				up := &countingUpstream{status: http.StatusInternalServerError}
				p, store := bubblePoller(t, t.TempDir(), up, Options{Rand: func() float64 { return tc.rand }},
					content.Source{Name: "flaky", URL: "http://upstream.test/", Interval: time.Hour})
				defer store.Close()
				stop := runInBubble(t, p)
				synctest.Wait()
				for i, d := range tc.delays {
					time.Sleep(d - time.Second)
					synctest.Wait()
					if got := up.Hits(); got != i+1 {
						t.Fatalf("error %d: polled again before %v (hits %d)", i+1, d, got)
					}
					time.Sleep(time.Second)
					synctest.Wait()
					if got := up.Hits(); got != i+2 {
						t.Fatalf("error %d: not polled after %v (hits %d)", i+1, d, got)
					}
				}
				st, _, _ := store.Source(t.Context(), "flaky")
				if st.ErrorStreak != len(tc.delays)+1 || !strings.Contains(st.LastError, "500") {
					t.Errorf("state = %+v", st)
				}
				// Recovery resets the streak and the schedule.
				up.Set(http.StatusOK, nil)
				time.Sleep(24 * time.Hour)
				synctest.Wait()
				st, _, _ = store.Source(t.Context(), "flaky")
				if st.ErrorStreak != 0 || st.LastError != "" || st.Items != 1 {
					t.Errorf("after recovery: %+v", st)
				}
				stop()
			})
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	for _, r := range []float64{0, 0.3, 0.999} {
		p := &Poller{opts: Options{MaxBackoff: 24 * time.Hour, Rand: func() float64 { return r }}}
		prev := time.Duration(0)
		for streak := 1; streak <= 40; streak++ {
			d := p.backoff(time.Hour, streak)
			if d < time.Hour || d > 24*time.Hour {
				t.Fatalf("rand %v streak %d: backoff %v outside [1h, 24h]", r, streak, d)
			}
			if streak <= 5 && d <= prev {
				t.Errorf("rand %v streak %d: backoff %v not growing (was %v)", r, streak, d, prev)
			}
			prev = d
		}
	}
	// An interval above the cap wins.
	p := &Poller{opts: Options{MaxBackoff: time.Hour, Rand: func() float64 { return 0.9 }}}
	if d := p.backoff(48*time.Hour, 3); d != 48*time.Hour {
		t.Errorf("backoff with interval above the cap = %v", d)
	}
}

func TestRunRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := &countingUpstream{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "18000"}}
		p, store := bubblePoller(t, t.TempDir(), up, Options{Rand: func() float64 { return 0 }},
			content.Source{Name: "limited", URL: "http://upstream.test/", Interval: time.Hour})
		defer store.Close()
		stop := runInBubble(t, p)
		synctest.Wait()
		up.Set(http.StatusOK, nil)
		time.Sleep(5*time.Hour - time.Second)
		synctest.Wait()
		if up.Hits() != 1 {
			t.Fatalf("Run polled during Retry-After (%d hits)", up.Hits())
		}
		// A manual refresh meanwhile is deferred too.
		if r := p.PollAll(t.Context())[0]; r.Outcome != OutcomeDeferred || up.Hits() != 1 {
			t.Fatalf("PollAll = %+v", r)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if up.Hits() != 2 {
			t.Fatalf("Run did not poll after Retry-After (%d hits)", up.Hits())
		}
		stop()
	})
}

// TestRestartResumeBubble restarts Run on the same directory in fake time:
// no refetch before the persisted next poll.
func TestRestartResumeBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		up := &countingUpstream{}
		src := content.Source{Name: "s", URL: "http://upstream.test/", Interval: 2 * time.Hour}
		p, store := bubblePoller(t, dir, up, Options{}, src)
		stop := runInBubble(t, p)
		synctest.Wait()
		stop()
		store.Close()

		time.Sleep(90 * time.Minute)
		p, store = bubblePoller(t, dir, up, Options{}, src)
		defer store.Close()
		stop = runInBubble(t, p)
		synctest.Wait()
		if up.Hits() != 1 {
			t.Fatalf("restart refetched (%d hits)", up.Hits())
		}
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		if up.Hits() != 2 {
			t.Fatalf("not polled when due after restart (%d hits)", up.Hits())
		}
		st, _, _ := store.Source(t.Context(), "s")
		if st.LastResult != "not-modified" {
			t.Errorf("second poll after restart = %q, want conditional 304", st.LastResult)
		}
		stop()
	})
}

// TestPollAllWhileRunning: a manual refresh pushes the schedule back, and
// Run does not poll the source twice.
func TestPollAllWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := &countingUpstream{}
		p, store := bubblePoller(t, t.TempDir(), up, Options{},
			content.Source{Name: "s", URL: "http://upstream.test/", Interval: time.Hour})
		defer store.Close()
		stop := runInBubble(t, p)
		synctest.Wait()
		time.Sleep(30 * time.Minute)
		if r := p.PollAll(t.Context())[0]; r.Err != nil {
			t.Fatal(r.Err)
		}
		if up.Hits() != 2 {
			t.Fatalf("hits = %d", up.Hits())
		}
		time.Sleep(31 * time.Minute) // Run's timer fires, finds it polled
		synctest.Wait()
		if up.Hits() != 2 {
			t.Fatalf("Run polled right after PollAll (%d hits)", up.Hits())
		}
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		if up.Hits() != 3 {
			t.Fatalf("Run did not poll an hour after PollAll (%d hits)", up.Hits())
		}
		stop()
	})
}

func TestOneBadSourceDoesNotDelayOthers(t *testing.T) {
	var released atomic.Bool
	block := make(chan struct{})
	stuck := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer func() {
		if !released.Load() {
			close(block)
		}
	}()
	good := startServer(t, serveString(rssDoc("g", 0, rssItem{Title: "a", GUID: "a"})))
	sources := []content.Source{{Name: "stuck", URL: stuck.URL}}
	for _, n := range []string{"g1", "g2", "g3", "g4", "g5"} {
		sources = append(sources, content.Source{Name: n, URL: good.URL + "/" + n})
	}
	p, _ := newTestPoller(t, Options{Concurrency: 2, Timeout: 2 * time.Second}, sources...)
	start := time.Now()
	rs := p.PollAll(t.Context())
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("PollAll took %v", el)
	}
	if !errors.Is(rs[0].Err, context.DeadlineExceeded) && !strings.Contains(rs[0].String(), "Timeout") {
		t.Errorf("stuck = %+v", rs[0])
	}
	for _, r := range rs[1:] {
		if r.Err != nil || r.NewItems != 1 {
			t.Errorf("good source %s = %+v", r.Source, r)
		}
	}
	close(block)
	released.Store(true)
}

func TestResultsString(t *testing.T) {
	rs := Results{
		{Source: "a", Outcome: OutcomeOK, NewItems: 3, NextPoll: testNow.Add(time.Hour)},
		{Source: "b", Outcome: OutcomeError, Err: errors.New("http 500\nInternal"), NextPoll: testNow},
		{Source: "c", Outcome: OutcomeDeferred},
	}
	want := "a: ok, 3 new, next poll 2026-04-25 07:00 UTC\n" +
		"b: error: http 500 Internal, 0 new, next poll 2026-04-25 06:00 UTC\n" +
		"c: deferred (retry-after), 0 new, next poll -\n"
	if got := rs.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	for o, label := range map[Outcome]string{OutcomeOK: "ok", OutcomeNotModified: "not-modified", OutcomeDeferred: "deferred", OutcomeError: "error"} {
		if o.String() != label {
			t.Errorf("metric label of %d = %q, want %q", o, o.String(), label)
		}
	}
	if err := rs.Err(); err == nil || !strings.Contains(err.Error(), "b: http 500") {
		t.Errorf("Err() = %v", err)
	}
}
