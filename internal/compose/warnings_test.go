package compose

import (
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"go.yaml.in/yaml/v4"
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

// startsWithVersion answers for the decode in fileWarnings, on the first lines it accepts; on the others the decode
// runs. Both must give the same warnings.
func TestStartsWithVersionAgreesWithDecoding(t *testing.T) {
	const body = "\nservices:\n  app:\n    image: nginx\n"
	for _, first := range []string{
		`version: "3.8"`, `version: '3'`, `version: 3.8`, `version: 3`, "version: \"3.8\"\r", `version:  "3" # old`,
		`version: 3 # old`, `version:`, `version: ~`, `version: null`, `version: "3.8" x`, `version: 3.8.x`, `version:3`,
		`version: "3\"8"`, `version: 'it''s'`, `version: !!str 3`, `version: &v 3`, `version: "3"#x`, `version: [3]`,
		`versions: 3`, ` version: 3`, `"version": 3`, `# version: 3`, `version: "3`,
	} {
		content := []byte(first + body)
		if first == `version: "3.8"` && !startsWithVersion(content) {
			t.Errorf("%q: the seed project's first line does not take the fast path", first)
		}
		want := 0
		if decoded := fileWarningsByDecoding(content); decoded {
			want = 1
		}
		if got := fileWarnings([]File{{Name: "compose.yaml", Content: content}}); len(got) != want {
			t.Errorf("%q: %d warnings, the decode gives %d", first, len(got), want)
		}
		if startsWithVersion(content) && want != 1 {
			t.Errorf("%q: startsWithVersion accepted a file the decode finds no version in", first)
		}
	}
}

// fileWarningsByDecoding is fileWarnings' decode of the first document alone.
func fileWarningsByDecoding(content []byte) bool {
	var top struct {
		Version any `yaml:"version"`
	}
	if err := yaml.Unmarshal(content, &top); err != nil {
		return false
	}
	return top.Version != nil
}
