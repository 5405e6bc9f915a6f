package compose

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"go.yaml.in/yaml/v4"
)

// DefaultProjectName returns the project name Docker Compose v2 picks when none is given with -p:
// COMPOSE_PROJECT_NAME from vars (used as is, so it must be valid), else the last top-level `name:` among the
// compose files (interpolated from vars, then normalised), else the base name of dir (the first compose file's
// directory), normalised.
func DefaultProjectName(files []File, vars map[string]string, dir string) (string, error) {
	if name := vars["COMPOSE_PROJECT_NAME"]; name != "" {
		if loader.NormalizeProjectName(name) != name {
			return "", fmt.Errorf("COMPOSE_PROJECT_NAME %q is not a valid project name: use lower-case letters, digits, '-' and '_', starting with a letter or digit", name)
		}
		return name, nil
	}
	var fromYAML string
	for _, f := range files {
		name, err := topLevelName(f)
		if err != nil {
			return "", err
		}
		if name != "" {
			fromYAML = name
		}
	}
	if fromYAML != "" {
		lookup := func(k string) (string, bool) {
			v, ok := vars[k]
			return v, ok
		}
		name, err := template.SubstituteWithOptions(fromYAML, lookup, template.WithoutLogging)
		if err != nil {
			return "", fmt.Errorf("top-level name %q: %w", fromYAML, err)
		}
		if n := loader.NormalizeProjectName(name); n != "" {
			return n, nil
		}
	}
	base := filepath.Base(filepath.Clean(dir))
	if n := loader.NormalizeProjectName(base); n != "" && base != "." && base != string(filepath.Separator) {
		return n, nil
	}
	return "", fmt.Errorf("cannot derive a project name from directory %q: set one (--project-name, or name: in the compose file)", dir)
}

// topLevelName reads the `name:` of the last YAML document of a compose file that sets one. Syntax errors are
// left for the loader, which reports them with more context.
func topLevelName(f File) (string, error) {
	var name string
	dec := yaml.NewDecoder(bytes.NewReader(f.Content))
	for {
		var top struct {
			Name any `yaml:"name"`
		}
		err := dec.Decode(&top)
		if err != nil {
			// EOF, or YAML that compose-go will report with its own context: the name found so far stands.
			return name, nil //nolint:nilerr // see above
		}
		switch v := top.Name.(type) {
		case nil:
		case string:
			name = v
		default:
			return "", fmt.Errorf("%s: top-level name must be a string, not %v", f.Name, v)
		}
	}
}
