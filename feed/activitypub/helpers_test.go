package activitypub

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-fed/httpsig"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// clock is the one clock of a test: the store's ledger, the content
// and the service all read it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const siteYAML = `title: The Test Post
description: A test newsletter.
base_url: https://post.example/
authority: post.example,2025
time_zone: UTC
author:
  name: Desk
activitypub:
  username: news
  allow_private_addresses: true
`

// issueMD is issue n's issue.md, dated day (2026-01-DD), public at 06:00 UTC.
func issueMD(day string) string { return "---\ndate: 2026-01-" + day + "\n---\n" }

func articleMD(title, section string, extra string) string {
	return "---\ntitle: " + title + "\nsection: " + section + "\nstandfirst: About " + title + ".\ntags: [open-source]\n" + extra + "---\nThe body of " + title + ", with [a link](/issues/1).\n"
}

// fixture is a site with a fediverse account, its store and its clock.
type fixture struct {
	t     *testing.T
	fs    fstest.MapFS
	clock *clock
	db    *store.DB
	live  *content.Live
	svc   *Service
}

func newFixture(t *testing.T) *fixture {
	return newFixtureAt(t, t.TempDir())
}

func newFixtureAt(t *testing.T, dir string) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &clock{t: time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)}}
	f.fs = fstest.MapFS{
		content.SiteFile:           {Data: []byte(siteYAML)},
		"issues/1/issue.md":        {Data: []byte(issueMD("01"))},
		"issues/1/lead.md":         {Data: []byte(articleMD("First lead", "lead", ""))},
		"issues/1/column.md":       {Data: []byte(articleMD("First column", "opinion", ""))},
		"issues/1/draft-column.md": {Data: []byte(articleMD("Secret column", "opinion", "draft: true\n"))},
	}
	db, err := store.Open(t.Context(), store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.live, err = content.NewLive(f.fs, content.LiveOptions{Record: store.NewLedger(db, f.clock.Now, nil), Slugs: store.NewSlugs(db), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = New(Options{DB: db, Content: f.live, Now: f.clock.Now, AllowPrivate: true})
	return f
}

// write changes a file of the content and reloads it.
func (f *fixture) write(name, body string) {
	f.t.Helper()
	if body == "" {
		delete(f.fs, name)
	} else {
		f.fs[name] = &fstest.MapFile{Data: []byte(body)}
	}
	if err := f.live.Reload(); err != nil {
		f.t.Fatal(err)
	}
}

// get asks the service's handler h for path with Accept: activity+json.
func get(t *testing.T, h func(http.ResponseWriter, *http.Request), target string) (*http.Response, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Accept", ActivityType)
	w := httptest.NewRecorder()
	h(w, r)
	res := w.Result()
	var doc map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &doc)
	return res, doc
}

// peer is another server of the fediverse: an actor with its key, and
// an inbox that keeps what it was sent, checking our signatures.
type peer struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	name   string
	svc    *Service // whose actor signs what the peer receives
	mu     sync.Mutex
	got    []map[string]any // activities received, verified
	gotAt  []time.Time      // when each was received
	status int              // what the inbox answers (default 202)
	stall  bool             // the inbox answers nothing until the sender gives up
	signer string           // our account whose key signs what the peer gets ("": news)
}

func newPeer(t *testing.T, svc *Service) *peer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, key: k, name: "alice", svc: svc, status: http.StatusAccepted}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ActivityType)
		json.NewEncoder(w).Encode(p.actorDoc(r.PathValue("name")))
	})
	inbox := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := p.verify(r, body); err != nil {
			t.Errorf("peer: a delivery that does not verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p.mu.Lock()
		stall := p.stall
		p.mu.Unlock()
		if stall {
			<-r.Context().Done()
			return // never acknowledged: the sender gave up
		}
		var act map[string]any
		json.Unmarshal(body, &act)
		p.mu.Lock()
		st := p.status
		if st/100 == 2 {
			p.got = append(p.got, act)
			p.gotAt = append(p.gotAt, time.Now())
		}
		p.mu.Unlock()
		w.WriteHeader(st)
	}
	mux.HandleFunc("POST /users/{name}/inbox", inbox)
	mux.HandleFunc("POST /inbox", inbox)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *peer) actor(name string) string { return p.srv.URL + "/users/" + name }

func (p *peer) actorDoc(name string) map[string]any {
	der, _ := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	return map[string]any{
		"@context": []any{contextAS, "https://w3id.org/security/v1"},
		"id":       p.actor(name), "type": "Person", "preferredUsername": name,
		"inbox":     p.actor(name) + "/inbox",
		"endpoints": map[string]any{"sharedInbox": p.srv.URL + "/inbox"},
		"publicKey": map[string]any{"id": p.actor(name) + "#main-key", "owner": p.actor(name),
			"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
	}
}

// verify checks that our service signed the delivery as Mastodon wants.
func (p *peer) verify(r *http.Request, body []byte) error {
	v, err := httpsig.NewVerifier(r)
	if err != nil {
		return err
	}
	signer := p.signer
	if signer == "" {
		signer = "news"
	}
	if !strings.HasSuffix(v.KeyId(), "/ap/"+signer+"#main-key") {
		return fmt.Errorf("signed by %s, want %s's key", v.KeyId(), signer)
	}
	k, err := p.svc.key(context.Background(), signer)
	if err != nil {
		return err
	}
	if err := checkDigest(r.Header.Get("Digest"), body); err != nil {
		return err
	}
	return v.Verify(&k.private.PublicKey, httpsig.RSA_SHA256)
}

func (p *peer) received() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]any(nil), p.got...)
}

// signed is a POST of activity to target, signed by the peer's actor
// name (keyName's key ID) at date, as Mastodon signs.
func (p *peer) signed(t *testing.T, target string, activity any, keyOf string, date time.Time, headers []string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(activity)
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", ActivityType)
	r.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.Host)
	if headers == nil {
		headers = []string{httpsig.RequestTarget, "host", "date", "digest"}
	}
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		t.Fatal(err)
	}
	var digestBody []byte
	if contains(headers, "digest") {
		digestBody = body
	}
	if err := signer.SignRequest(p.key, p.actor(keyOf)+"#main-key", r, digestBody); err != nil {
		t.Fatal(err)
	}
	return r
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (p *peer) follow(t *testing.T, f *fixture) {
	t.Helper()
	act := map[string]any{"@context": contextAS, "id": p.actor(p.name) + "#follow-1", "type": "Follow",
		"actor": p.actor(p.name), "object": "https://post.example/ap/news"}
	w := httptest.NewRecorder()
	f.svc.Inbox(w, p.signed(t, "/ap/news/inbox", act, p.name, f.clock.Now(), nil), "news", "203.0.113.1")
	if w.Code != http.StatusAccepted {
		t.Fatalf("follow: %d %s", w.Code, w.Body)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func types(acts []map[string]any) string {
	var out []string
	for _, a := range acts {
		s, _ := a["type"].(string)
		if o, ok := a["object"].(map[string]any); ok && s != "Accept" {
			if n, ok := o["name"].(string); ok {
				s += ":" + n
			} else if id, ok := o["id"].(string); ok {
				s += ":" + id[strings.LastIndex(id, "/")+1:]
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func httpBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func splitHostPort(raw string) (host, port string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	return u.Hostname(), u.Port(), nil
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
