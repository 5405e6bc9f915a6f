package render

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

// referenceSetFields is what setFields stands for: the service decoded into generic values, keeping the members
// that are set, as true, or, where rules look inside, as a map of their own set members.
func referenceSetFields(t *testing.T, raw []byte, rules map[string]fieldRule) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return referenceFields(m, rules)
}

func referenceFields(m map[string]any, rules map[string]fieldRule) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if isUnset(v) {
			continue
		}
		if sub, ok := v.(map[string]any); ok && rules[k].children != nil {
			out[k] = referenceFields(sub, rules[k].children)
			continue
		}
		out[k] = true
	}
	return out
}

// setFields agrees with decoding into generic values on every service of every golden case, and on JSON that
// encoding/json does not write itself but that is valid: escapes, odd numbers, nesting, space.
func TestSetFieldsMatchesDecoding(t *testing.T) {
	var inputs [][]byte
	for _, name := range goldenCases(t) {
		project, _ := loadCase(t, filepath.Join("testdata", name))
		for _, svc := range project.Services {
			raw, err := json.Marshal(&svc)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, raw)
		}
	}
	inputs = append(inputs,
		[]byte(`{}`),
		[]byte(` { "image" : "a\"b\\c\u00e9\ud83d\ude00" , "x-\u0061" : 1 } `),
		[]byte(`{"replicas": 0, "scale": -0, "cpus": 0.0, "mem_limit": 1e3, "pids_limit": -1.5E-2}`),
		[]byte(`{"deploy": {"resources": {"limits": {}, "reservations": {"devices": []}}, "labels": {"a": ""}}}`),
		[]byte(`{"deploy": {"replicas": 2, "update_config": {"parallelism": 1, "order": ""}}, "init": false, "tty": true}`),
		[]byte(`{"command": [[], [null], {"a": [1, {"b": null}]}], "environment": {"A": null}, "labels": null}`),
		[]byte(`{"healthcheck": {"test": ["CMD", "true"], "interval": "10s", "disable": false}, "unknown": {"nested": {"deep": true}}}`),
	)
	for _, raw := range inputs {
		got, err := setFields(raw, serviceFields)
		if err != nil {
			t.Fatalf("setFields(%s): %v", raw, err)
		}
		if want := referenceSetFields(t, raw, serviceFields); !reflect.DeepEqual(got, want) {
			t.Errorf("setFields(%s)\n got %v\nwant %v", raw, got, want)
		}
	}
}

func TestSetFieldsRejectsMalformedJSON(t *testing.T) {
	for _, raw := range []string{``, `[]`, `{`, `{"a"}`, `{"a": }`, `{"a": 1,}`, `{"a": "\x"}`, `{"a": "\u12"}`, `{"a": "\uZZZZ"}`, `{"a": 1} x`, `{"a": tru}`, `{"a": [1 2]}`} {
		if _, err := setFields([]byte(raw), serviceFields); err == nil {
			t.Errorf("setFields(%q) accepted malformed JSON", raw)
		}
	}
}
