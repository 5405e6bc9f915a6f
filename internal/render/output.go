package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// finish turns the typed template into the body sent to CloudFormation: intrinsics resolved, overlays merged,
// canonical JSON (sorted keys, no HTML escaping, no insignificant space).
func (r *renderer) finish() ([]byte, error) {
	raw, err := json.Marshal(r.tpl)
	if err != nil {
		return nil, fmt.Errorf("encoding the template: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding the template: %w", err)
	}
	// goformation emits empty sections and Globals; CloudFormation only wants the ones in use.
	for _, k := range []string{"Globals", "Mappings", "Conditions", "Metadata", "Parameters", "Outputs"} {
		if m, ok := doc[k].(map[string]any); ok && len(m) == 0 {
			delete(doc, k)
		}
	}
	r.in.resolve(doc)
	if err := r.applyOverlays(doc); err != nil {
		return nil, err
	}
	return canonicalJSON(doc)
}

func canonicalJSON(doc any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the template: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// listenersFrom reads the listeners from the final body, so protocols and ports changed by overlays (a TLS
// listener, say) are what the caller reports; listeners an overlay deleted are left out.
func (r *renderer) listenersFrom(body []byte) []Listener {
	var doc struct {
		Resources map[string]struct {
			Properties struct {
				Port     any
				Protocol any
			}
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil
	}
	var out []Listener
	for _, l := range r.listeners {
		res, ok := doc.Resources[l.id]
		if !ok {
			continue
		}
		proto, _ := res.Properties.Protocol.(string)
		var port int64
		switch v := res.Properties.Port.(type) {
		case float64:
			port = int64(v)
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
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(numbersForYAML(doc)); err != nil {
		return nil, fmt.Errorf("encoding the template as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding the template as YAML: %w", err)
	}
	return buf.Bytes(), nil
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
