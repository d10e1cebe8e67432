// Package storetest gives tests a PostgreSQL database of their own.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DefaultServer is the PostgreSQL server tests use unless
// MORNINGPOST_TEST_DATABASE_URL names another.
const DefaultServer = "postgres:///postgres?host=/var/run/postgresql"

// PostgresURL creates a database of its own for t on the test server and
// returns its URL; the database is dropped when t ends. Without a
// reachable server the test is skipped, or fails under CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url, _, _ := Postgres(t)
	return url
}

// Postgres is PostgresURL that also returns the database's name and a
// connection to the server's maintenance database, for tests that cut
// the database off (ALTER DATABASE … ALLOW_CONNECTIONS false).
func Postgres(t testing.TB) (url, name string, admin *sql.DB) {
	t.Helper()
	server := os.Getenv("MORNINGPOST_TEST_DATABASE_URL")
	if server == "" {
		server = DefaultServer
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		unavailable(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		unavailable(t, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name = "morningpost_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	return withDatabase(t, server, name), name, admin
}

// withDatabase is the server URL naming database name instead.
func withDatabase(t testing.TB, server, name string) string {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("MORNINGPOST_TEST_DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String()
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := "PostgreSQL unavailable: " + strings.SplitN(err.Error(), "\n", 2)[0]
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
