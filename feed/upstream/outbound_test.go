package upstream

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed/netguard"
)

// A source answering "302 -> an internal address" used to have the
// internal feed polled and stored. A configured source on this machine
// is the editor's choice; where it redirects is not: a redirect to
// another loopback port (by address or by a name resolving to it), a
// private network or the metadata service is refused, nothing of the
// internal feed is stored, and the error reads the same whether the
// internal port is open or closed.
func TestPollRefusesRedirectInside(t *testing.T) {
	internal := startServer(t, serveString(rssDoc("internal", 0, rssItem{Title: "Internal secret", GUID: "s", Pub: testNow.Add(-time.Hour)})))
	_, internalPort, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closedPort, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()

	var target string
	src := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}))
	errs := map[string]string{}
	for _, to := range []string{
		"http://127.0.0.1:" + internalPort + "/internal.xml", "http://127.0.0.1:" + closedPort + "/internal.xml",
		"http://localhost:" + internalPort + "/internal.xml", "http://localhost:" + closedPort + "/internal.xml",
		"http://10.1.2.3/internal.xml", "http://169.254.169.254/latest/meta-data/",
	} {
		target = to
		p, st := newTestPoller(t, Options{Now: newClock().Now}, content.Source{Name: "s", URL: src.URL + "/feed.xml"})
		r := pollOne(t, p)
		if !errors.Is(r.Err, netguard.ErrBlocked) {
			t.Errorf("redirect to %s: poll error %v, want it refused", to, r.Err)
		}
		if items, _ := st.Items(t.Context(), ItemQuery{}); len(items) != 0 {
			t.Errorf("redirect to %s: %d items stored from inside", to, len(items))
		}
		if r.Err != nil {
			msg := strings.NewReplacer(internalPort, "PORT", closedPort, "PORT").Replace(r.Err.Error())
			errs[strings.NewReplacer(internalPort, "PORT", closedPort, "PORT").Replace(to)] += msg + "\n"
		}
	}
	for to, msgs := range errs {
		if lines := strings.Split(strings.TrimSpace(msgs), "\n"); len(lines) == 2 && lines[0] != lines[1] {
			t.Errorf("redirect to %s: an open and a closed port read differently:\n%s", to, msgs)
		}
		if strings.Contains(msgs, "connection refused") || strings.Contains(msgs, "timeout") {
			t.Errorf("redirect to %s: the error tells how a connection went:\n%s", to, msgs)
		}
	}

	// The configured URL may point inside; AllowPrivate lets its
	// redirects too.
	target = internal.URL + "/internal.xml"
	p, st := newTestPoller(t, Options{Now: newClock().Now, AllowPrivate: true}, content.Source{Name: "s", URL: src.URL + "/feed.xml"})
	if r := pollOne(t, p); r.Err != nil {
		t.Fatalf("with AllowPrivate: %v", r.Err)
	}
	if items, _ := st.Items(t.Context(), ItemQuery{}); len(items) != 1 {
		t.Errorf("with AllowPrivate: %d items, want the internal one", len(items))
	}
}
