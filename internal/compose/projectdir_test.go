package compose

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/limits"
)

func TestReadProjectFile(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:x:0:0"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, content := range map[string]string{"a.env": "A=1", "conf/b.env": "B=2"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"d":         outside, // a directory outside
		"up":        "..",    // the parent
		"rel.env":   "../" + filepath.Base(outside) + "/passwd",
		"in.env":    "conf/b.env", // a link that stays inside
		"conf/c":    "..",         // back to the project directory, still inside
		"chain.env": "rel.env",    // inside, to a link that leaves
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	big := filepath.Join(dir, "big.env")
	if err := os.WriteFile(big, make([]byte, 1<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		path, want, wantErr string
		notExist            bool
	}{
		{path: "a.env", want: "A=1"},
		{path: "./conf//b.env", want: "B=2"},
		{path: "in.env", want: "B=2"},
		{path: "conf/c/a.env", want: "A=1"},
		{path: "d/passwd", wantErr: "leaves the project directory, following symbolic links"},
		{path: "up/" + filepath.Base(dir) + "/a.env", wantErr: "leaves the project directory"},
		{path: "rel.env", wantErr: "leaves the project directory"},
		{path: "chain.env", wantErr: "leaves the project directory"},
		{path: "../x", wantErr: "leaves the project directory"},
		{path: "/etc/passwd", wantErr: "not relative to the project directory"},
		{path: "conf", wantErr: "is not a regular file"},
		{path: "big.env", wantErr: "over the 1048576 a supporting file may have"},
		{path: "missing.env", notExist: true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := ReadProjectFile(dir, tc.path)
			switch {
			case tc.notExist:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("error = %v, want fs.ErrNotExist", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), outside) || strings.Contains(string(got), "root:") {
					t.Fatalf("the refusal shows what is outside: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case string(got) != tc.want:
				t.Fatalf("read %q, want %q", got, tc.want)
			}
		})
	}
}

// A directory is read whole, nested directories included, and within bounds: a directory with too many entries,
// or a link to a directory (which could lead back to its parent), stops the walk with an error.
func TestReadProjectTree(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"conf/a.yml", "conf/sub/b.yml"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := ReadProjectTree(dir, "./conf")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Name] = string(f.Content)
	}
	if len(got) != 2 || got["conf/a.yml"] != "conf/a.yml" || got["conf/sub/b.yml"] != "conf/sub/b.yml" {
		t.Errorf("read %v", got)
	}
	if files, err := ReadProjectTree(dir, "conf/a.yml"); err != nil || len(files) != 1 || files[0].Name != "conf/a.yml" {
		t.Errorf("a single file: %v, %v", files, err)
	}
	if _, err := ReadProjectTree(dir, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing path: %v", err)
	}

	if err := os.Symlink("..", filepath.Join(dir, "conf", "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadProjectTree(dir, "conf"); err == nil || !strings.Contains(err.Error(), `"conf/sub/loop" is a symbolic link to a directory`) {
		t.Errorf("a link back to the parent: %v", err)
	}

	many := filepath.Join(dir, "many")
	if err := os.Mkdir(many, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range limits.ConfigDirectoryFiles + 1 {
		if err := os.WriteFile(filepath.Join(many, fmt.Sprintf("f%03d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ReadProjectTree(dir, "many"); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d entries", limits.ConfigDirectoryFiles)) {
		t.Errorf("too many files: %v", err)
	}
}
