package handlers

import (
	"net/http"
	"reflect"
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

// What a presented token is compared with has one length whatever the
// token's, so the time of a comparison cannot tell the token's length.
func TestPreviewAuthFixedLength(t *testing.T) {
	sizes := func(token string) []int {
		a, err := newPreviewAuth(token)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		v := reflect.ValueOf(a).Elem()
		for i := range v.NumField() {
			out = append(out, v.Field(i).Len())
		}
		return out
	}
	short, long := sizes("0123456789abcdef"), sizes("0123456789abcdef0123456789abcdef0123456789abcdef")
	if !reflect.DeepEqual(short, long) {
		t.Errorf("previewAuth holds %v for a 16-character token, %v for a 48-character one: the comparison's length follows the token's", short, long)
	}
	a, _ := newPreviewAuth("0123456789abcdef")
	if !a.tokenOK("0123456789abcdef") || a.tokenOK("0123456789abcdeF") || a.tokenOK("0123456789abcdef0") || a.tokenOK("") {
		t.Error("tokenOK accepts another token or refuses the token")
	}
}
