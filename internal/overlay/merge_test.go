package overlay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// generated is a trimmed template of the kind the renderer produces for the seed project, as JSON values.
func generated(t *testing.T) map[string]any {
	t.Helper()
	const doc = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internet-facing", "Type": "network"}},
    "OrchestratorTCP443Listener": {
      "Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {
        "DefaultActions": [{"ForwardConfig": {"TargetGroups": [{"TargetGroupArn": {"Ref": "OrchestratorTCP443TargetGroup"}}]}, "Type": "forward"}],
        "LoadBalancerArn": {"Ref": "LoadBalancer"},
        "Port": 443,
        "Protocol": "TCP"
      }
    }
  }
}`
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name     string
		base     string
		overlays []string
		want     string
	}{
		{
			name:     "maps deep-merge and overlay scalars win",
			base:     `{"Resources": {"A": {"Type": "T", "Properties": {"Port": 80, "Protocol": "TCP"}}}}`,
			overlays: []string{`{"Resources": {"A": {"Properties": {"Protocol": "TLS"}}}}`},
			want:     `{"Resources": {"A": {"Type": "T", "Properties": {"Port": 80, "Protocol": "TLS"}}}}`,
		},
		{
			name:     "keys only in the overlay are added",
			base:     `{"Resources": {"A": {"Type": "T"}}}`,
			overlays: []string{`{"Resources": {"B": {"Type": "U", "Properties": {"X": [1, 2]}}}, "Outputs": {"O": {"Value": "v"}}}`},
			want:     `{"Resources": {"A": {"Type": "T"}, "B": {"Type": "U", "Properties": {"X": [1, 2]}}}, "Outputs": {"O": {"Value": "v"}}}`,
		},
		{
			name:     "lists are replaced, not appended",
			base:     `{"Resources": {"A": {"Properties": {"L": [{"Name": "a"}, {"Name": "b"}]}}}}`,
			overlays: []string{`{"Resources": {"A": {"Properties": {"L": [{"Name": "c"}]}}}}`},
			want:     `{"Resources": {"A": {"Properties": {"L": [{"Name": "c"}]}}}}`,
		},
		{
			name:     "explicit null deletes",
			base:     `{"Resources": {"A": {"Properties": {"X": 1, "Y": 2}}, "B": {"Type": "T"}}}`,
			overlays: []string{`{"Resources": {"A": {"Properties": {"X": null}}, "B": null, "Missing": null}}`},
			want:     `{"Resources": {"A": {"Properties": {"Y": 2}}}}`,
		},
		{
			name:     "nulls inside an added map are dropped, inside a list kept",
			base:     `{"Resources": {}}`,
			overlays: []string{`{"Resources": {"B": {"Type": "T", "Properties": {"Gone": null, "L": [null, 1]}}}}`},
			want:     `{"Resources": {"B": {"Type": "T", "Properties": {"L": [null, 1]}}}}`,
		},
		{
			name:     "overlay map replaces a scalar, overlay scalar replaces a map",
			base:     `{"Resources": {"A": {"Properties": {"S": "text", "M": {"k": "v"}}}}}`,
			overlays: []string{`{"Resources": {"A": {"Properties": {"S": {"Ref": "P"}, "M": "flat"}}}}`},
			want:     `{"Resources": {"A": {"Properties": {"S": {"Ref": "P"}, "M": "flat"}}}}`,
		},
		{
			name:     "$patch delete and replace",
			base:     `{"Resources": {"A": {"Type": "T", "Properties": {"X": 1}}, "B": {"Type": "T", "Properties": {"X": 1, "Y": 2}}}}`,
			overlays: []string{`{"Resources": {"A": {"$patch": "delete"}, "B": {"$patch": "replace", "Type": "U", "Z": null}}}`},
			want:     `{"Resources": {"B": {"Type": "U"}}}`,
		},
		{
			name: "overlays apply in order, later wins",
			base: `{"Resources": {"A": {"Properties": {"X": 1}}}}`,
			overlays: []string{
				`{"Resources": {"A": {"Properties": {"X": 2, "Y": 2}}}}`,
				`{"Resources": {"A": {"Properties": {"X": 3}}}}`,
			},
			want: `{"Resources": {"A": {"Properties": {"X": 3, "Y": 2}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := decode(t, tt.base)
			var overlays []map[string]any
			for _, o := range tt.overlays {
				overlays = append(overlays, decode(t, o))
			}
			if err := Merge(base, overlays...); err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if want := decode(t, tt.want); !reflect.DeepEqual(base, want) {
				t.Errorf("Merge =\n%s\nwant\n%s", encode(t, base), encode(t, want))
			}
		})
	}
}

func TestMergeDoesNotAliasOverlay(t *testing.T) {
	base := map[string]any{}
	o := decode(t, `{"Resources": {"B": {"Properties": {"L": [{"k": "v"}]}}}, "Metadata": {"M": {"k": "v"}}}`)
	if err := Merge(base, o); err != nil {
		t.Fatal(err)
	}
	base["Resources"].(map[string]any)["B"].(map[string]any)["Properties"].(map[string]any)["L"].([]any)[0].(map[string]any)["k"] = "changed"
	base["Metadata"].(map[string]any)["M"].(map[string]any)["k"] = "changed"
	if got := encode(t, o); strings.Contains(got, "changed") {
		t.Errorf("changing the merged template changed the overlay: %s", got)
	}
}

func TestMergeErrors(t *testing.T) {
	if err := Merge(nil, map[string]any{}); err == nil {
		t.Error("Merge(nil) succeeded, want an error")
	}
	base := decode(t, `{"Resources": {"A": {}}}`)
	err := Merge(base, nil, decode(t, `{"Resources": {"A": {"$patch": "retain"}}}`))
	if err == nil || !strings.Contains(err.Error(), "overlay 2: Resources.A: unknown $patch directive retain") {
		t.Errorf("Merge error = %v, want the overlay number, path and directive", err)
	}
	err = Merge(base, decode(t, `{"Resources": {"A": {"$patch": "retain"}}}`))
	if err == nil || !strings.HasPrefix(err.Error(), "Resources.A: unknown $patch directive retain") {
		t.Errorf("Merge error = %v, want the path and directive, without a number for a lone overlay", err)
	}
}

// The seed overlay turns the generated TCP listener into a TLS one with a certificate and adds a Route 53 alias,
// leaving the rest of the listener as generated.
func TestMergeSeedOverlay(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "ss-utopia-main.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	base := generated(t)
	if err := Merge(base, o); err != nil {
		t.Fatal(err)
	}
	res := base["Resources"].(map[string]any)
	props := res["OrchestratorTCP443Listener"].(map[string]any)["Properties"].(map[string]any)
	if props["Protocol"] != "TLS" {
		t.Errorf("Protocol = %v, want TLS", props["Protocol"])
	}
	if props["Port"] != float64(443) || props["DefaultActions"] == nil || props["LoadBalancerArn"] == nil {
		t.Errorf("generated listener properties lost: %v", props)
	}
	certs, _ := props["Certificates"].([]any)
	if len(certs) != 1 {
		t.Fatalf("Certificates = %v, want one", props["Certificates"])
	}
	if _, ok := res["Route53RS"]; !ok {
		t.Error("Route53RS not added")
	}
	if _, ok := res["LoadBalancer"]; !ok {
		t.Error("LoadBalancer lost")
	}
	// The merged template still serialises as JSON, as CloudFormation will receive it.
	if _, err := json.Marshal(base); err != nil {
		t.Errorf("merged template does not marshal: %v", err)
	}
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
