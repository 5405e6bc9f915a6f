package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/limits"
)

// serviceNamePattern is the compose specification's rule for service names.
var serviceNamePattern = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// diagnose looks, after compose-go has failed to load files, for the mistakes whose compose-go message names no
// service or field ("Invalid hostPort: 70000", "additional properties 'web app' not allowed") and returns an
// error that names them, or nil when it finds none. It reads the files as written, before interpolation, so it
// skips values that hold a variable.
func diagnose(files []File) error {
	for _, f := range files {
		dec := yaml.NewDecoder(bytes.NewReader(f.Content))
		for {
			var doc struct {
				Services map[string]struct {
					Ports []any `yaml:"ports"`
				} `yaml:"services"`
			}
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
			for _, name := range slices.Sorted(maps.Keys(doc.Services)) {
				if !serviceNamePattern.MatchString(name) {
					return fmt.Errorf("%s: services.%q: a service name may hold only letters, digits, '.', '_' and '-'; rename it", f.Name, name)
				}
				for i, p := range doc.Services[name].Ports {
					spec, ok := p.(string)
					if !ok || strings.Contains(spec, "$") {
						continue
					}
					if n, read := portRangeSize(spec); read && n > limits.ListenersPerLoadBalancer {
						continue // ParsePortConfig would expand it; the port budget has refused it already
					}
					if _, err := types.ParsePortConfig(spec); err != nil {
						return fmt.Errorf("%s: services.%s.ports[%d]: %q: %w; ports are [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL] with ports between 1 and 65535", f.Name, name, i, spec, err)
					}
				}
			}
		}
	}
	return nil
}
