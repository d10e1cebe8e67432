package activitypub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-fed/httpsig"

	"github.com/morningpost/morningpost/content"
)

// Inbox answers a POST to the inbox of account name, or to the shared
// inbox (name ""). Nothing is stored unless the request is signed by
// the key of the activity's actor: an unsigned or badly signed POST is
// 401, a body over MaxInboxBody 413, a flood from one client 429.
func (s *Service) Inbox(w http.ResponseWriter, r *http.Request, name, client string) {
	_, cfg := s.config()
	if _, ok := accountNamed(cfg, name); cfg == nil || (name != "" && !ok) {
		notFound(w)
		return
	}
	if !s.limiter.allow(client, s.now()) {
		s.metrics.inbox.WithLabelValues("limited").Inc()
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	if r.ContentLength > MaxInboxBody {
		s.metrics.inbox.WithLabelValues("too_large").Inc()
		w.Header().Set("Connection", "close")
		http.Error(w, "activity over 1 MB", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInboxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.metrics.inbox.WithLabelValues("too_large").Inc()
			http.Error(w, "activity over 1 MB", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var act inActivity
	if err := json.Unmarshal(body, &act); err != nil || act.Type == "" {
		// Not even JSON: refused before any fetch, stored nowhere.
		s.metrics.inbox.WithLabelValues("bad").Inc()
		http.Error(w, "not an activity", http.StatusBadRequest)
		return
	}
	actor, err := s.verify(r.Context(), r, body, act.actorID())
	if err != nil {
		if errors.Is(err, errGone) && act.Type == "Delete" && act.objectID() == act.actorID() {
			// The actor's own server says it is gone: it follows no more.
			s.removeFollower(r.Context(), "", act.actorID())
			w.WriteHeader(http.StatusAccepted)
			return
		}
		s.metrics.inbox.WithLabelValues("unauthorized").Inc()
		s.log.Info("activitypub: inbox refused", "client", client, "error", err)
		http.Error(w, "signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	s.metrics.inbox.WithLabelValues("accepted").Inc()
	if err := s.handle(r.Context(), cfg, actor, &act); err != nil {
		s.log.Error("activitypub: inbox", "type", act.Type, "actor", actor.ID, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// inActivity is what the inbox reads of an activity.
type inActivity struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Actor  json.RawMessage `json:"actor"`
	Object json.RawMessage `json:"object"`
}

func idOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.ID
}

func (a *inActivity) actorID() string  { return idOf(a.Actor) }
func (a *inActivity) objectID() string { return idOf(a.Object) }

// inner is the activity the object holds, for Undo.
func (a *inActivity) inner() *inActivity {
	var in inActivity
	if json.Unmarshal(a.Object, &in) != nil {
		return nil
	}
	return &in
}

// verify checks the request's HTTP Signature and returns its signer,
// who must be actorID: the signed headers include (request-target),
// host, date and digest; the Digest is the body's; the Date is within
// replayWindow of the clock and the signature was not seen before; the
// key's owner is the actor; and the signature verifies.
func (s *Service) verify(ctx context.Context, r *http.Request, body []byte, actorID string) (*remoteActor, error) {
	if r.Header.Get("Signature") == "" {
		return nil, errors.New("none")
	}
	v, err := httpsig.NewVerifier(r)
	if err != nil {
		return nil, err
	}
	signed := signedHeaders(r.Header.Get("Signature"))
	for _, h := range []string{httpsig.RequestTarget, "host", "date", "digest"} {
		if !signed[h] {
			return nil, fmt.Errorf("%s is not signed", h)
		}
	}
	if err := checkDigest(r.Header.Get("Digest"), body); err != nil {
		return nil, err
	}
	date, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return nil, errors.New("no Date")
	}
	if d := s.now().Sub(date); d > replayWindow || d < -replayWindow {
		return nil, errors.New("Date is not within 5 minutes of the clock")
	}
	if hostOf(actorID) == "" || hostOf(v.KeyId()) != hostOf(actorID) {
		return nil, errors.New("the key is not the actor's")
	}
	a, err := s.actorByKey(ctx, v.KeyId(), false)
	if err != nil {
		return nil, err
	}
	check := func(a *remoteActor) error {
		if a.ID != actorID || a.KeyOwner != a.ID || a.KeyID != v.KeyId() {
			return errors.New("the key's owner is not the activity's actor")
		}
		if a.Key == nil {
			return errors.New("the actor has no RSA key")
		}
		return v.Verify(a.Key, httpsig.RSA_SHA256)
	}
	if err := check(a); err != nil {
		// The key may have been rotated since it was cached.
		if a, err = s.actorByKey(ctx, v.KeyId(), true); err != nil {
			return nil, err
		}
		if err := check(a); err != nil {
			return nil, err
		}
	}
	if !s.seen.add(r.Header.Get("Signature"), s.now()) {
		return nil, errors.New("replayed")
	}
	return a, nil
}

// signedHeaders are the headers a draft-cavage Signature header lists.
func signedHeaders(sig string) map[string]bool {
	out := map[string]bool{}
	for part := range strings.SplitSeq(sig, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k == "headers" {
			for h := range strings.FieldsSeq(strings.Trim(v, `"`)) {
				out[strings.ToLower(h)] = true
			}
		}
	}
	if len(out) == 0 {
		out["date"] = true // the draft's default
	}
	return out
}

// checkDigest checks a Digest header (RFC 3230) against body: its
// SHA-256 must be there and match.
func checkDigest(header string, body []byte) error {
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])
	for part := range strings.SplitSeq(header, ",") {
		alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(alg, "SHA-256") {
			if val != want {
				return errors.New("Digest does not match the body")
			}
			return nil
		}
	}
	return errors.New("no SHA-256 Digest")
}

// handle acts on a verified activity.
func (s *Service) handle(ctx context.Context, cfg *content.Fediverse, actor *remoteActor, act *inActivity) error {
	site, _ := s.config()
	u := urls{site}
	// followed is the account a Follow is of, "" for none.
	followed := func(f *inActivity) string {
		for _, acc := range accounts(cfg) {
			if f.objectID() == u.actor(acc.name) {
				return acc.name
			}
		}
		return ""
	}
	switch act.Type {
	case "Follow":
		account := followed(act)
		if account == "" {
			return nil
		}
		if err := s.addFollower(ctx, account, actor); err != nil {
			return err
		}
		// The Accept goes out at once, through the queue (so that it is
		// not lost), ahead of anything waiting.
		accept := Object{
			"@context": contextAS,
			"id":       u.actor(account) + "#accept-" + base64.RawURLEncoding.EncodeToString(sha(act.ID)),
			"type":     "Accept",
			"actor":    u.actor(account),
			"object":   json.RawMessage(mustJSON(act)),
		}
		return s.enqueue(ctx, account, accept, []string{actor.Inbox})
	case "Undo":
		// The Follow undone may be given whole or by its ID alone: then
		// the actor follows none of the accounts any more.
		if in := act.inner(); in != nil && in.Type == "Follow" && in.actorID() == actor.ID {
			return s.removeFollower(ctx, followed(in), actor.ID)
		}
	case "Delete":
		if act.objectID() == actor.ID {
			return s.removeFollower(ctx, "", actor.ID)
		}
	}
	return nil // anything else is not for a newsletter
}

func mustJSON(a *inActivity) []byte {
	b, _ := json.Marshal(a)
	return b
}

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:12]
}

// replayCache remembers the signatures seen within the replay window:
// a request sent again, byte for byte, is refused.
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func newReplayCache() *replayCache { return &replayCache{seen: map[string]time.Time{}} }

// add reports whether sig is new, and remembers it.
func (c *replayCache) add(sig string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) > 10000 {
		for k, t := range c.seen {
			if now.Sub(t) > 2*replayWindow {
				delete(c.seen, k)
			}
		}
	}
	if t, ok := c.seen[sig]; ok && now.Sub(t) <= 2*replayWindow {
		return false
	}
	c.seen[sig] = now
	return true
}

// hostLimiter lets each client post at most n times per period.
type hostLimiter struct {
	mu     sync.Mutex
	n      int
	period time.Duration
	start  time.Time
	counts map[string]int
}

func newHostLimiter(n int, period time.Duration) *hostLimiter {
	return &hostLimiter{n: n, period: period, counts: map[string]int{}}
}

func (l *hostLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.period {
		l.start, l.counts = now, map[string]int{}
	}
	l.counts[client]++
	return l.counts[client] <= l.n
}

// compactJSON is b without insignificant space, for stored activities.
func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}
