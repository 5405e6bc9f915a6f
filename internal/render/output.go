package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/limits"
	"github.com/composestack/composestack/internal/overlay"
)

// finish turns the typed template into the body sent to CloudFormation: the goformation structs marshalled by
// encoding/json, intrinsics resolved and overlays merged on the generic form, written with sorted keys, no HTML
// escaping and no insignificant space. It also reads the listeners from the merged template, so protocols and
// ports changed by overlays (a TLS listener, say) are what the caller reports.
func (r *renderer) finish() ([]byte, []Listener, error) {
	if r.in.err != nil {
		return nil, nil, r.in.err
	}
	raw, err := json.Marshal(r.tpl)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the template: %w", err)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding the template: %w", err)
	}
	doc, _ := r.in.resolve(v).(map[string]any)
	if err := r.applyOverlays(doc); err != nil {
		return nil, nil, err
	}
	body, err := encodeJSON(doc)
	if err != nil {
		return nil, nil, err
	}
	if len(body) > limits.TemplateURLBytes {
		return nil, nil, fmt.Errorf("the template is %d bytes, and CloudFormation reads at most %d (from S3); deploy fewer services, or split the project", len(body), limits.TemplateURLBytes)
	}
	return body, r.listenersFrom(doc), nil
}

// decodeJSON reads one JSON value into generic values, numbers kept exactly as written.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// encodeJSON writes v with sorted keys, without HTML escaping (CloudFormation reads "<" as written) and without
// a trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding the template: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// listenersFrom reads the listeners from the merged template; listeners an overlay deleted are left out.
func (r *renderer) listenersFrom(doc map[string]any) []Listener {
	resources, _ := doc["Resources"].(map[string]any)
	var out []Listener
	for _, l := range r.listeners {
		res, _ := resources[l.id].(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		if props == nil {
			continue
		}
		proto, _ := props["Protocol"].(string)
		var port int64
		switch v := props["Port"].(type) {
		case json.Number:
			port, _ = v.Int64()
		case int:
			port = int64(v)
		case int64:
			port = v
		case uint64:
			port = int64(v)
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
	doc, err := decodeJSON(r.Body)
	if err != nil {
		return nil, fmt.Errorf("decoding the template: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(overlay.Numbers(doc)); err != nil {
		return nil, fmt.Errorf("encoding the template as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding the template as YAML: %w", err)
	}
	return buf.Bytes(), nil
}
