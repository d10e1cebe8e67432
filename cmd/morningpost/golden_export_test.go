package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morningpost/morningpost/handlers/golden"
)

// goldenExportAt is the moment of the export golden: issue 87 of the
// sample has just gone out (06:00 in London on 25 April 2026).
const goldenExportAt = "2026-04-25T05:00:00Z"

// goldenExportText are the files the golden holds whole, not only
// their hash: the server configuration the export writes.
var goldenExportText = map[string]bool{"_headers": true, "_nginx.conf": true}

// goldenExportUnpinned are files the golden lists by name only: the
// export's state names the program by the hash of its executable
// (exportNamespace), so its bytes change with every build, the test
// binary's too.
var goldenExportUnpinned = map[string]bool{".morningpost-export.state": true}

// TestGoldenExport is the safety net of the static export: the embedded
// sample exported at goldenExportAt with a fresh data folder, every
// file's path, size and SHA-256 (but goldenExportUnpinned), and _headers and _nginx.conf whole,
// must stay what testdata/export.golden says unless a change means to
// alter it (then: go test ./cmd/morningpost -run TestGoldenExport
// -update, and say why in the commit). File times are not recorded.
func TestGoldenExport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"MORNINGPOST_DATA": data}
	if code, stdout, stderr := runCmd(t, env, "export", "--at", goldenExportAt, out); code != 0 {
		t.Fatalf("export: code %d\n%s%s", code, stdout, stderr)
	}

	var list, texts bytes.Buffer
	files := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if goldenExportUnpinned[rel] {
			fmt.Fprintf(&list, "%s (not pinned: names the program's build)\n", rel)
			return nil
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(&list, "%s %d %s\n", rel, len(b), hex.EncodeToString(sum[:]))
		if goldenExportText[rel] {
			fmt.Fprintf(&texts, "\n=== %s\n%s", rel, b)
			if !bytes.HasSuffix(b, []byte("\n")) {
				texts.WriteString("\n=== (no newline at end)\n")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	fmt.Fprintf(&got, "# morningpost export --at %s of the embedded sample, fresh data folder: %d files (path, bytes, SHA-256).\n", goldenExportAt, files)
	got.Write(list.Bytes())
	got.Write(texts.Bytes())
	for name := range goldenExportText {
		if !strings.Contains(texts.String(), "=== "+name+"\n") {
			t.Errorf("the export wrote no %s", name)
		}
	}
	t.Logf("%d files, %d bytes of golden", files, got.Len())

	golden.Check(t, "export.golden", got.Bytes(), "go test ./cmd/morningpost -run TestGoldenExport")
}
