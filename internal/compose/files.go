package compose

import (
	"fmt"
	"path"
	"strings"
)

// supporting indexes the supporting files by cleaned relative path.
type supporting map[string]File

func indexSupporting(files []File) (supporting, error) {
	idx := make(supporting, len(files))
	for i, f := range files {
		key, err := cleanPath(f.Name)
		if err != nil {
			return nil, fmt.Errorf("supporting file %d (%q): %w", i+1, f.Name, err)
		}
		if prev, dup := idx[key]; dup {
			return nil, fmt.Errorf("supporting files %q and %q are the same file %q: give it once", prev.Name, f.Name, key)
		}
		idx[key] = f
	}
	return idx, nil
}

// sensitive returns the keys of the files whose content must not be published, as Loaded.SensitiveFiles.
func (s supporting) sensitive() map[string]bool {
	out := map[string]bool{}
	for k, f := range s {
		if f.Sensitive {
			out[k] = true
		}
	}
	return out
}

// contents returns every file's bytes by key, as Loaded.Files.
func (s supporting) contents() map[string][]byte {
	out := make(map[string][]byte, len(s))
	for k, f := range s {
		out[k] = f.Content
	}
	return out
}

// cleanPath turns a path as written in a compose file ("./eureka.env", "conf//a.env", "conf\\a.env") into the
// key it is known by. Paths stay relative to the project directory: an absolute path would name a file on
// whatever machine runs the loader, which the controller cannot reach.
func cleanPath(p string) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", fmt.Errorf("empty path")
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if path.IsAbs(p) || (len(p) > 1 && p[1] == ':') || strings.HasPrefix(p, "~") {
		return "", fmt.Errorf("path %q is not relative to the project directory: use a relative path", p)
	}
	c := path.Clean(p)
	if c == "." {
		return "", fmt.Errorf("path %q names the project directory, not a file", p)
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		// A ComposeStack can only hold files inside the project directory; the CLI follows the same rule so
		// that what it accepts, the controller accepts too.
		return "", fmt.Errorf("path %q leaves the project directory: keep the file inside it", p)
	}
	return c, nil
}
