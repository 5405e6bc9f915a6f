package compose

import (
	"fmt"
	"sort"

	"github.com/compose-spec/compose-go/v2/template"
)

// unsetVariables records the variables that were referenced without a default and not given, which Docker
// Compose reports as "not set. Defaulting to a blank string".
type unsetVariables map[string]bool

// substitute is an interpolation.Options.Substitute that behaves like compose-go's template.Substitute but
// records unset variables instead of logging them.
func (u unsetVariables) substitute(s string, mapping template.Mapping) (string, error) {
	return template.SubstituteWithOptions(s, mapping, template.WithoutLogging,
		template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
			var missing string
			recording := func(k string) (string, bool) {
				v, ok := m(k)
				if !ok {
					missing = k
				}
				return v, ok
			}
			value, applied, err := template.DefaultReplacementAppliedFunc(sub, recording, cfg)
			if err == nil && !applied && missing != "" {
				u[missing] = true
			}
			return value, err
		}))
}

func (u unsetVariables) warnings() []string {
	names := make([]string, 0, len(u))
	for k := range u {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, fmt.Sprintf("the %q variable is not set: defaulting to a blank string", n))
	}
	return out
}
