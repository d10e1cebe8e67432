package activitypub

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/morningpost/morningpost/content/store"
)

// keyPair is an account's RSA key: made once, kept in the store (never
// in the content folder), so every server of a fleet and every restart
// signs with the same key the fediverse has cached.
type keyPair struct {
	private   *rsa.PrivateKey
	publicPEM string
}

// key returns the account's key pair, making it on first use. Two
// servers making one at once agree on the first one stored.
func (s *Service) key(ctx context.Context, account string) (*keyPair, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if k := s.keys[account]; k != nil {
		return k, nil
	}
	k, err := s.loadKey(ctx, account)
	if errors.Is(err, sql.ErrNoRows) {
		priv, gerr := rsa.GenerateKey(rand.Reader, 2048)
		if gerr != nil {
			return nil, gerr
		}
		privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
		pubDER, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
		if _, err := s.db.ExecContext(ctx, `INSERT INTO ap_keys (account, private_pem, public_pem, created) VALUES (?, ?, ?, ?)
			ON CONFLICT (account) DO NOTHING`, account, string(privPEM), string(pubPEM), store.Nanos(s.now())); err != nil {
			return nil, fmt.Errorf("activitypub: store the key of %s: %w", account, err)
		}
		k, err = s.loadKey(ctx, account)
	}
	if err != nil {
		return nil, err
	}
	s.keys[account] = k
	return k, nil
}

func (s *Service) loadKey(ctx context.Context, account string) (*keyPair, error) {
	var privPEM, pubPEM string
	if err := s.db.QueryRowContext(ctx, "SELECT private_pem, public_pem FROM ap_keys WHERE account = ?", account).Scan(&privPEM, &pubPEM); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("activitypub: read the key of %s: %w", account, err)
	}
	b, _ := pem.Decode([]byte(privPEM))
	if b == nil {
		return nil, fmt.Errorf("activitypub: the stored key of %s is not PEM", account)
	}
	pk, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("activitypub: the stored key of %s: %w", account, err)
	}
	rk, ok := pk.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("activitypub: the stored key of %s is not RSA", account)
	}
	return &keyPair{private: rk, publicPEM: pubPEM}, nil
}
