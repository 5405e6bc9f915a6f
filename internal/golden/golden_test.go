package golden

import (
	"path/filepath"
	"strings"
	"testing"
)

// recorder records what Compare reports instead of failing the test that runs it.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.errors = append(r.errors, format) }

func TestCompare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "case.golden")
	Compare(t, path, []byte("a\nb\n"), true)

	same := &recorder{TB: t}
	Compare(same, path, []byte("a\nb\n"), false)
	if len(same.errors) != 0 {
		t.Errorf("equal output reported: %v", same.errors)
	}
	differs := &recorder{TB: t}
	Compare(differs, path, []byte("a\nc\n"), false)
	if len(differs.errors) != 1 {
		t.Fatalf("different output reported %d times, want once", len(differs.errors))
	}
	if d := firstDiff([]byte("a\nb\n"), []byte("a\nc\n")); !strings.Contains(d, "line 2") || !strings.Contains(d, "want: b") || !strings.Contains(d, "got:  c") {
		t.Errorf("firstDiff = %q", d)
	}
}
