package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// finish turns the typed template into the body sent to CloudFormation: intrinsics resolved, overlays merged,
// canonical JSON (sorted keys, no HTML escaping, no insignificant space). It also reads the listeners from the
// merged template, so protocols and ports changed by overlays (a TLS listener, say) are what the caller reports.
func (r *renderer) finish() ([]byte, []Listener, error) {
	doc := r.in.templateGeneric(r.tpl)
	if err := r.applyOverlays(doc); err != nil {
		return nil, nil, err
	}
	if err := checkMerged(doc); err != nil {
		return nil, nil, err
	}
	body, err := canonicalJSON(doc)
	if err != nil {
		return nil, nil, err
	}
	return body, r.listenersFrom(doc), nil
}

// checkMerged catches what an overlay can break in the template's shape, which CloudFormation would otherwise
// reject only at deploy time with a less precise message.
func checkMerged(doc map[string]any) error {
	resources, ok := doc["Resources"].(map[string]any)
	if !ok || len(resources) == 0 {
		return fmt.Errorf("overlays: the template has no Resources left; an overlay must not delete or replace them all")
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if tr, ok := resources[id].(typedResource); ok {
			// A generated resource no overlay reached: its Type is resourceGeneric's.
			if tr.res.AWSCloudFormationType() == "" {
				return fmt.Errorf("overlays: Resources.%s has no Type; an overlay adding a resource must give its Type (AWS::...), and one changing a generated resource must use its exact logical ID", id)
			}
			continue
		}
		res, ok := resources[id].(map[string]any)
		if !ok {
			return fmt.Errorf("overlays: Resources.%s is not a mapping; give it a Type and Properties", id)
		}
		if typ, _ := res["Type"].(string); typ == "" {
			return fmt.Errorf("overlays: Resources.%s has no Type; an overlay adding a resource must give its Type (AWS::...), and one changing a generated resource must use its exact logical ID", id)
		}
	}
	return nil
}

// listenersFrom reads the listeners from the merged template; listeners an overlay deleted are left out.
func (r *renderer) listenersFrom(doc map[string]any) []Listener {
	resources, _ := doc["Resources"].(map[string]any)
	var out []Listener
	for _, l := range r.listeners {
		var props map[string]any
		switch res := resources[l.id].(type) {
		case typedResource:
			props = res.properties("Port", "Protocol")
		case map[string]any:
			props, _ = res["Properties"].(map[string]any)
		}
		if props == nil {
			continue
		}
		proto, _ := props["Protocol"].(string)
		var port int64
		switch v := props["Port"].(type) {
		case int64:
			port = v
		case int:
			port = int64(v)
		case uint64:
			port = int64(v)
		case float64:
			port = int64(v)
		case json.Number:
			port, _ = v.Int64()
		case string:
			port, _ = strconv.ParseInt(v, 10, 32)
		}
		out = append(out, Listener{Service: l.service, Port: int32(port), Protocol: proto})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		return out[i].Protocol < out[j].Protocol
	})
	return out
}

// YAML returns Body as YAML, for people reading the template; keys stay sorted.
func (r *Result) YAML() ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding the template: %w", err)
	}
	doc = numbersForYAML(doc)
	if out, ok := yamlByResource(doc, 2*len(r.Body)); ok {
		return out, nil
	}
	return encodeYAML(doc)
}

func encodeYAML(doc any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the template as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding the template as YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// yamlByResource writes what encodeYAML(doc) writes, one top-level section and one resource at a time. yaml.v3's
// emitter keeps every event of a document until the document ends, in a queue that is never trimmed and grows by
// copying: for the seed project that was over 4 MB, and encoded apart (each piece holding only its own events)
// about 1.2 MB less, and no large live buffer. A block mapping's entries are
// written one after the other at the same indentation and column whatever their neighbours, so the pieces, in
// yaml.v3's key order, join into the same bytes (TestYAMLByResource checks it on every case). ok is false when
// doc is not a template mapping; the caller then encodes it whole.
func yamlByResource(doc any, sizeHint int) (out []byte, ok bool) {
	m, isMap := doc.(map[string]any)
	if !isMap || len(m) == 0 {
		return nil, false
	}
	keys, ok := yamlKeyOrder(m)
	if !ok {
		return nil, false
	}
	var buf bytes.Buffer
	buf.Grow(sizeHint)
	for _, k := range keys {
		res, isMap := m[k].(map[string]any)
		if k != "Resources" || !isMap || len(res) == 0 {
			piece, err := encodeYAML(map[string]any{k: m[k]})
			if err != nil {
				return nil, false
			}
			buf.Write(piece)
			continue
		}
		ids, ok := yamlKeyOrder(res)
		if !ok {
			return nil, false
		}
		for i, id := range ids {
			piece, err := encodeYAML(map[string]any{k: map[string]any{id: res[id]}})
			if err != nil {
				return nil, false
			}
			if i > 0 {
				// Every piece opens the Resources mapping; the joined document opens it once.
				rest, found := bytes.CutPrefix(piece, []byte("Resources:\n"))
				if !found {
					return nil, false
				}
				piece = rest
			}
			buf.Write(piece)
		}
	}
	return buf.Bytes(), true
}

// yamlKeyOrder returns m's keys in the order yaml.v3 writes them (numbers in keys compare by value), read back
// from yaml.v3 itself rather than reimplemented.
func yamlKeyOrder(m map[string]any) ([]string, bool) {
	probe := make(map[string]int, len(m))
	for k := range m {
		probe[k] = 0
	}
	raw, err := yaml.Marshal(probe)
	if err != nil {
		return nil, false
	}
	var n yaml.Node
	if err := yaml.Unmarshal(raw, &n); err != nil || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode ||
		len(n.Content[0].Content) != 2*len(m) {
		return nil, false
	}
	keys := make([]string, 0, len(m))
	seen := make(map[string]bool, len(m))
	for i := 0; i < len(n.Content[0].Content); i += 2 {
		k := n.Content[0].Content[i].Value
		if _, ok := m[k]; !ok || seen[k] {
			return nil, false
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys, true
}

// numbersForYAML turns json.Number into int64 or float64, which YAML writes unquoted.
func numbersForYAML(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case map[string]any:
		for k, e := range t {
			t[k] = numbersForYAML(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbersForYAML(e)
		}
	}
	return v
}
