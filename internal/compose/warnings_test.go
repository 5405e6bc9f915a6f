package compose

import "testing"

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
