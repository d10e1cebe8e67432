package activitypub

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-fed/httpsig"
)

// remoteActor is what the account needs of another server's actor.
type remoteActor struct {
	ID          string
	Inbox       string
	SharedInbox string
	KeyID       string
	KeyOwner    string
	Key         *rsa.PublicKey
	fetched     time.Time
}

// errGone is an actor whose server says it is gone (410).
var errGone = errors.New("the actor is gone")

type actorJSON struct {
	ID        string `json:"id"`
	Inbox     string `json:"inbox"`
	Endpoints struct {
		SharedInbox string `json:"sharedInbox"`
	} `json:"endpoints"`
	PublicKey struct {
		ID    string `json:"id"`
		Owner string `json:"owner"`
		PEM   string `json:"publicKeyPem"`
	} `json:"publicKey"`
}

// fetchActor fetches the actor document at rawURL (a key ID's fragment
// dropped), through the guarded client, with a timeout and a size cap,
// signed with the account's key for servers that ask for it. The
// document must be where it says it is.
func (s *Service) fetchActor(ctx context.Context, rawURL string) (*remoteActor, error) {
	site, cfg := s.config()
	if cfg == nil {
		return nil, errors.New("federation is off")
	}
	target, _, _ := strings.Cut(rawURL, "#")
	if hostOf(target) == "" {
		return nil, fmt.Errorf("actor %q is not an http(s) URL", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", ActivityType+", "+ldType)
	req.Header.Set("User-Agent", s.ua)
	if err := s.sign(ctx, req, nil, urls{site}.key(cfg.Username), cfg.Username); err != nil {
		return nil, err
	}
	resp, err := s.http(cfg).Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch actor %s: %w", target, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusGone:
		return nil, errGone
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("fetch actor %s: %s", target, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, fmt.Errorf("fetch actor %s: %w", target, err)
	}
	if len(b) > maxFetch {
		return nil, fmt.Errorf("fetch actor %s: over %d bytes", target, maxFetch)
	}
	var a actorJSON
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("fetch actor %s: %w", target, err)
	}
	if a.ID == "" || hostOf(a.ID) != hostOf(target) || hostOf(a.Inbox) == "" {
		return nil, fmt.Errorf("fetch actor %s: not an actor of that server", target)
	}
	ra := &remoteActor{ID: a.ID, Inbox: a.Inbox, KeyID: a.PublicKey.ID, KeyOwner: a.PublicKey.Owner, fetched: s.now()}
	if hostOf(a.Endpoints.SharedInbox) == hostOf(a.ID) {
		ra.SharedInbox = a.Endpoints.SharedInbox
	}
	if blk, _ := pem.Decode([]byte(a.PublicKey.PEM)); blk != nil {
		if k, err := x509.ParsePKIXPublicKey(blk.Bytes); err == nil {
			ra.Key, _ = k.(*rsa.PublicKey)
		} else if k, err := x509.ParsePKCS1PublicKey(blk.Bytes); err == nil {
			ra.Key = k
		}
	}
	return ra, nil
}

// sign signs req as Mastodon does: draft-cavage HTTP Signatures,
// rsa-sha256 over (request-target), host, date and, with a body, its
// SHA-256 digest.
func (s *Service) sign(ctx context.Context, req *http.Request, body []byte, keyID, account string) error {
	k, err := s.key(ctx, account)
	if err != nil {
		return err
	}
	req.Header.Set("Date", s.now().UTC().Format(http.TimeFormat))
	req.Header.Set("Host", req.URL.Host)
	headers := []string{httpsig.RequestTarget, "host", "date"}
	if body != nil {
		headers = append(headers, "digest")
	}
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return err
	}
	return signer.SignRequest(k.private, keyID, req, body)
}

// actorCache keeps fetched actors for a while, at most max of them.
type actorCache struct {
	mu  sync.Mutex
	m   map[string]*remoteActor
	max int
	ttl time.Duration
}

func newActorCache(max int, ttl time.Duration) *actorCache {
	return &actorCache{m: map[string]*remoteActor{}, max: max, ttl: ttl}
}

func (c *actorCache) get(key string, now time.Time) *remoteActor {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.m[key]
	if a == nil || now.Sub(a.fetched) > c.ttl {
		return nil
	}
	return a
}

func (c *actorCache) put(key string, a *remoteActor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k := range c.m { // any one: a cache, not a record
			delete(c.m, k)
			break
		}
	}
	c.m[key] = a
}

func (c *actorCache) drop(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// actorByKey returns the actor that owns key ID keyID, from the cache
// or fetched; fresh refetches it whatever the cache holds (a key that
// does not verify may have been rotated).
func (s *Service) actorByKey(ctx context.Context, keyID string, fresh bool) (*remoteActor, error) {
	if !fresh {
		if a := s.actors.get(keyID, s.now()); a != nil {
			return a, nil
		}
	}
	a, err := s.fetchActor(ctx, keyID)
	if err != nil {
		return nil, err
	}
	s.actors.put(keyID, a)
	return a, nil
}
