package overlay

import "fmt"

// patchKey is the strategic-merge directive kyaml honours inside an overlay map: "$patch: delete" removes the
// key, "$patch: replace" puts the overlay map in place of the generated one instead of merging into it.
const patchKey = "$patch"

// Merge applies overlays to base in order, in place, with Docker Compose for ECS semantics:
//   - maps are merged key by key, recursively;
//   - a key only in the overlay is added (a new resource, say);
//   - a scalar, or a value whose kind differs, from the overlay replaces the base value;
//   - an explicit null removes the key (as does a map holding "$patch: delete");
//   - a list from the overlay replaces the base list whole: lists are never appended or merged by element.
//
// Values taken from an overlay are copied, so later changes to base never reach the overlay. A nil overlay is
// skipped. Merge fails only on an unknown "$patch" directive, naming its path, and with several overlays their
// number; base is then partly merged.
func Merge(base map[string]any, overlays ...map[string]any) error {
	if base == nil {
		return fmt.Errorf("merge: base template is nil")
	}
	for i, o := range overlays {
		if o == nil {
			continue
		}
		if err := mergeMap(base, o, ""); err != nil {
			if len(overlays) == 1 {
				return err // the caller knows which overlay it passed
			}
			return fmt.Errorf("overlay %d: %w", i+1, err)
		}
	}
	return nil
}

func mergeMap(dst, src map[string]any, path string) error {
	for k, sv := range src {
		p := join(path, k)
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, isMap := sv.(map[string]any)
		if !isMap {
			dst[k] = Copy(sv)
			continue
		}
		directive, err := patchDirective(sm, p)
		if err != nil {
			return err
		}
		switch directive {
		case "delete":
			delete(dst, k)
			continue
		case "replace":
			fresh := map[string]any{}
			if err := mergeMap(fresh, withoutDirective(sm), p); err != nil {
				return err
			}
			dst[k] = fresh
			continue
		}
		dm, ok := dst[k].(map[string]any)
		if !ok {
			// Absent, or a scalar/list where the overlay has a map: the overlay's map is merged into an empty
			// one so that its own nulls and directives are honoured rather than copied.
			dm = map[string]any{}
			dst[k] = dm
		}
		if err := mergeMap(dm, withoutDirective(sm), p); err != nil {
			return err
		}
	}
	return nil
}

func patchDirective(m map[string]any, path string) (string, error) {
	v, ok := m[patchKey]
	if !ok {
		return "", nil
	}
	switch v {
	case "delete", "replace", "merge":
		return v.(string), nil
	}
	return "", fmt.Errorf("%s: unknown %s directive %v: use delete, replace or merge", path, patchKey, v)
}

func withoutDirective(m map[string]any) map[string]any {
	if _, ok := m[patchKey]; !ok {
		return m
	}
	out := make(map[string]any, len(m)-1)
	for k, v := range m {
		if k != patchKey {
			out[k] = v
		}
	}
	return out
}

// Copy deep-copies the maps and lists of a generic JSON value. Lists are taken as written (nulls inside them
// included): in a merge they replace the base list whole, so there is nothing to merge them with.
func Copy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = Copy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Copy(e)
		}
		return out
	default:
		return v
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
