package diagram

import (
	"strings"

	"github.com/composestack/composestack/internal/cfnyaml"
)

// walkRefs calls found for every logical ID that v (a resource's properties, as decoded JSON) refers to through
// Ref, Fn::GetAtt or the ${Name} and ${Name.Attribute} variables of Fn::Sub.
func walkRefs(v any, found func(id string, kind EdgeKind)) {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			walkRefs(x, found)
		}
	case map[string]any:
		if len(v) == 1 {
			if handled := intrinsic(v, found); handled {
				return
			}
		}
		for _, x := range v {
			walkRefs(x, found)
		}
	}
}

// intrinsic handles the functions that name resources; it reports false for any other map, whose values are
// then walked as plain properties.
func intrinsic(m map[string]any, found func(id string, kind EdgeKind)) bool {
	if id, ok := m["Ref"].(string); ok {
		found(id, Ref)
		return true
	}
	if att, ok := m["Fn::GetAtt"]; ok {
		switch att := att.(type) {
		case []any:
			if len(att) > 0 {
				if id, ok := att[0].(string); ok {
					found(id, GetAtt)
				}
			}
		case string: // the short form's "Resource.Attribute"
			id, _, _ := strings.Cut(att, ".")
			found(id, GetAtt)
		}
		return true
	}
	if sub, ok := m["Fn::Sub"]; ok {
		switch sub := sub.(type) {
		case string:
			subVariables(sub, nil, found)
		case []any:
			var vars map[string]any
			if len(sub) > 1 {
				vars, _ = sub[1].(map[string]any)
			}
			if len(sub) > 0 {
				if s, ok := sub[0].(string); ok {
					subVariables(s, vars, found)
				}
			}
			for _, v := range vars {
				walkRefs(v, found)
			}
		}
		return true
	}
	return false
}

// subVariables reports the logical IDs that the ${...} variables of an Fn::Sub string name, leaving out the
// variables the function's own map defines and the ${!Literal} escapes.
func subVariables(s string, vars map[string]any, found func(id string, kind EdgeKind)) {
	for _, name := range cfnyaml.SubVariables(s) {
		if _, local := vars[name]; local {
			continue
		}
		id, _, _ := strings.Cut(name, ".")
		found(id, Sub)
	}
}
