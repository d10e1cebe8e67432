package content

import (
	"strings"
	"testing"
	"time"
)

func TestSourceValidate(t *testing.T) {
	ok := Source{Name: "ok", URL: "https://example.com/feed"}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid source: %v", err)
	}
	if d := ok.WithDefaults(); d.Interval != DefaultPollInterval || d.Keep != DefaultKeep || d.MaxAge != DefaultMaxAge {
		t.Errorf("WithDefaults = %+v", d)
	}
	for _, tc := range []struct {
		s    Source
		want string
	}{
		{Source{URL: "https://e.com/"}, "name is required"},
		{Source{Name: " x", URL: "https://e.com/"}, "spaces"},
		{Source{Name: "a\tb", URL: "https://e.com/"}, "control characters"},
		{Source{Name: strings.Repeat("n", MaxSourceName+1), URL: "https://e.com/"}, "at most 100 bytes"},
		{Source{Name: "x"}, "url is required"},
		{Source{Name: "x", URL: "ftp://e.com/"}, "absolute http(s) URL"},
		{Source{Name: "x", URL: "https:///feed"}, "absolute http(s) URL"},
		{Source{Name: "x", URL: "https://u:p@e.com/"}, "credentials"},
		{Source{Name: "x", URL: "https://e.com/", Interval: time.Minute}, "interval must be at least 5m"},
		{Source{Name: "x", URL: "https://e.com/", Interval: -time.Hour}, "interval must be at least 5m"},
		{Source{Name: "x", URL: "https://e.com/", Keep: -1}, "keep must be between 0 (the default, 100) and 10000"},
		{Source{Name: "x", URL: "https://e.com/", Keep: MaxKeep + 1}, "keep must be between"},
		{Source{Name: "x", URL: "https://e.com/", MaxAge: time.Hour}, "max_age must be at least 24h"},
		{Source{Name: "x", URL: "https://e.com/", Section: "sports"}, `section must be tools or reading, not "sports"`},
	} {
		err := tc.s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.s, err, tc.want)
		}
	}
	if err := ValidateSources([]Source{ok, ok}); err == nil || !strings.Contains(err.Error(), `source "ok": duplicate name "ok"`) {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestFileSourceEscapes(t *testing.T) {
	for _, u := range []string{
		"file:../secret.xml",
		"file:sources/../../secret.xml",
		"file:/etc/passwd",
		"file:///etc/passwd",
		"file:./sources/x.xml",
		`file:sources\..\..\x.xml`,
		"file:",
		"file:.",
	} {
		if err := (Source{Name: "x", URL: u}).Validate(); err == nil || !strings.Contains(err.Error(), "inside the content root") {
			t.Errorf("Validate(%q) = %v", u, err)
		}
	}
	s := Source{Name: "x", URL: "file:sources/models.xml"}
	if name, ok := s.File(); !ok || name != "sources/models.xml" || s.Validate() != nil {
		t.Errorf("File() = %q, %v; Validate() = %v", name, ok, s.Validate())
	}
}

// TestSourceProblemsAtTheirLines: check reports a source's problems where
// the editor wrote them, with the messages Validate gives the poller.
func TestSourceProblemsAtTheirLines(t *testing.T) {
	_, err := Load(tree(map[string]string{
		SiteFile: siteYAML + "sources:\n  - name: a\n    url: https://u:p@example.org/feed\n  - name: \"b\\tc\"\n    url: 'file:sources\\x.xml'\n",
	}))
	msg := err.Error()
	for _, want := range []string{
		"morningpost.yaml:8: sources: url must not hold credentials",
		"morningpost.yaml:9: sources: name \"b\\tc\" must not hold control characters",
		"morningpost.yaml:10: sources: url \"file:sources\\\\x.xml\": a file: source names a file inside the content root",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}
