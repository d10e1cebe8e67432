package handlers

import (
	"net/http"
	"strconv"
	"testing"
)

// HEAD /healthz says how long the GET's body is, as every other HEAD.
func TestHealthzHeadContentLength(t *testing.T) {
	ts := newTestServer(t, fixture())
	body := ts.get("/healthz", http.StatusOK).Body.Bytes()
	head := ts.do(http.MethodHead, "/healthz")
	if head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Fatalf("HEAD /healthz: %d with %d bytes of body", head.Code, head.Body.Len())
	}
	if got, want := head.Header().Get("Content-Length"), strconv.Itoa(len(body)); got != want {
		t.Errorf("HEAD /healthz Content-Length = %q, want %q (the GET's)", got, want)
	}
}
