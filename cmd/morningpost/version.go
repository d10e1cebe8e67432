package main

import (
	"runtime/debug"
	"strings"
)

// version, when set at build time (go build -ldflags "-X
// main.version=v1.2.3"), is the program's version as reported. Unset,
// it comes from what the Go toolchain recorded in the binary: the
// module's version and the commit it was built from.
var version string

// buildVersion is the program's version, shown by --version and in
// /healthz's "build": -X main.version when set, else the module version
// (v1.2.3 for "go install ...@v1.2.3", "(devel)" for a build from a
// checkout) followed by the commit, its time and "+dirty" when the
// checkout had changes. Empty when nothing is known (a test binary).
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return describeBuild(bi)
}

// describeBuild is buildVersion's text for bi.
func describeBuild(bi *debug.BuildInfo) string {
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	v := bi.Main.Version
	if v == "" && rev == "" {
		return ""
	}
	parts := []string{}
	if v != "" {
		parts = append(parts, v)
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		parts = append(parts, rev)
	}
	if at != "" {
		parts = append(parts, at)
	}
	return strings.Join(parts, " ")
}

// versionLine is what "morningpost --version" prints.
func versionLine() string {
	v := buildVersion()
	if v == "" {
		v = "(unknown version)"
	}
	return "morningpost " + v
}
