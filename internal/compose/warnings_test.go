package compose

import (
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
)

// fileWarnings skips parsing a file that cannot have a `version` key; one spelled with escapes still warns.
func TestVersionWarningSpellings(t *testing.T) {
	for content, want := range map[string]int{
		"services:\n  app:\n    image: nginx\n":                         0,
		"version: \"3\"\nservices:\n  app:\n    image: nginx\n":         1,
		"\"\\x76ersion\": \"3\"\nservices:\n  app:\n    image: nginx\n": 1,
		"services:\n  app:\n    image: nginx:\\x\n":                     0,
	} {
		if got := fileWarnings([]File{{Name: "compose.yaml", Content: []byte(content)}}); len(got) != want {
			t.Errorf("%q: warnings %q, want %d", content, got, want)
		}
	}
}

func TestIsNormalizedName(t *testing.T) {
	names := []string{"", "a", "ss-utopia", "a_b-c9", "-a", "_a", "9a", "A", "aB", "a b", "a.b", "é", "\u212a", "a\xff", "a-", "a_"}
	for _, s := range names {
		if got, want := isNormalizedName(s), loader.NormalizeProjectName(s) == s; got != want {
			t.Errorf("isNormalizedName(%q) = %v, want %v (NormalizeProjectName)", s, got, want)
		}
	}
}

func FuzzIsNormalizedName(f *testing.F) {
	f.Add("ss-utopia")
	f.Add("\u212aelvin")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isNormalizedName(s), loader.NormalizeProjectName(s) == s; got != want {
			t.Errorf("isNormalizedName(%q) = %v, want %v", s, got, want)
		}
	})
}
