package overlay

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/limits"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{
			name: "empty input is an empty overlay",
			in:   "  \n# only a comment\n",
			want: map[string]any{},
		},
		{
			name: "explicit null is an empty overlay",
			in:   "null\n",
			want: map[string]any{},
		},
		{
			name: "short-form tags become long form",
			in: `Resources:
  A:
    Properties:
      Ref: !Ref Bucket
      Att: !GetAtt LoadBalancer.DNSName
      Dotted: !GetAtt Db.Endpoint.Address
      AttList: !GetAtt [LoadBalancer, DNSName]
      Sub: !Sub "${AWS::StackName}-x"
      SubList: !Sub ["${A}-b", {A: !Ref X}]
      Join: !Join [",", [a, !Ref B]]
      Select: !Select [0, !GetAZs ""]
      If: !If [IsProd, !Ref P, !Ref "AWS::NoValue"]
      Num: !Ref 123
`,
			want: map[string]any{"Resources": map[string]any{"A": map[string]any{"Properties": map[string]any{
				"Ref":     map[string]any{"Ref": "Bucket"},
				"Att":     map[string]any{"Fn::GetAtt": []any{"LoadBalancer", "DNSName"}},
				"Dotted":  map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}},
				"AttList": map[string]any{"Fn::GetAtt": []any{"LoadBalancer", "DNSName"}},
				"Sub":     map[string]any{"Fn::Sub": "${AWS::StackName}-x"},
				"SubList": map[string]any{"Fn::Sub": []any{"${A}-b", map[string]any{"A": map[string]any{"Ref": "X"}}}},
				"Join":    map[string]any{"Fn::Join": []any{",", []any{"a", map[string]any{"Ref": "B"}}}},
				"Select":  map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}},
				"If":      map[string]any{"Fn::If": []any{"IsProd", map[string]any{"Ref": "P"}, map[string]any{"Ref": "AWS::NoValue"}}},
				"Num":     map[string]any{"Ref": "123"},
			}}}},
		},
		{
			name: "scalars keep their YAML types, dates stay text",
			in: `AWSTemplateFormatVersion: 2010-09-09
Resources:
  P:
    Properties:
      Version: 2012-10-17
      Count: 3
      Ratio: 0.5
      On: true
      Gone: null
      Quoted: "42"
`,
			want: map[string]any{
				"AWSTemplateFormatVersion": "2010-09-09",
				"Resources": map[string]any{"P": map[string]any{"Properties": map[string]any{
					"Version": "2012-10-17", "Count": 3, "Ratio": 0.5, "On": true, "Gone": nil, "Quoted": "42",
				}}},
			},
		},
		{
			name: "anchors, aliases and merge keys",
			in: `Resources:
  A: &tags
    Type: AWS::SNS::Topic
    Properties: {TopicName: a}
  B:
    <<: *tags
    Properties: {TopicName: b}
  C: *tags
`,
			want: map[string]any{"Resources": map[string]any{
				"A": map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]any{"TopicName": "a"}},
				"B": map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]any{"TopicName": "b"}},
				"C": map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]any{"TopicName": "a"}},
			}},
		},
		{
			name: "JSON fragment",
			in:   "\t{\"Outputs\": {\"Dns\": {\"Value\": {\"Fn::GetAtt\": [\"LoadBalancer\", \"DNSName\"]}}}, \"Resources\": {\"X\": {\"Properties\": {\"N\": 7, \"F\": 1.5, \"Z\": null}}}}\n",
			want: map[string]any{
				"Outputs":   map[string]any{"Dns": map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"LoadBalancer", "DNSName"}}}},
				"Resources": map[string]any{"X": map[string]any{"Properties": map[string]any{"N": int64(7), "F": 1.5, "Z": nil}}},
			},
		},
		{
			name: "CRLF line endings",
			in:   "Resources:\r\n  A:\r\n    Properties:\r\n      Name: x\r\n",
			want: map[string]any{"Resources": map[string]any{"A": map[string]any{"Properties": map[string]any{"Name": "x"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr []string
	}{
		{"top level list", "- Resources\n", []string{"top level is a list"}},
		{"top level string", "Resources\n", []string{"top level is a string"}},
		{"top level JSON array", "[1]", []string{"top level is a list"}},
		{"unknown section", "Resources: {}\nResource: {}\n", []string{`"Resource"`, "not a CloudFormation template section", "Resources"}},
		{"resource without wrapper", "OrchestratorTCP443Listener:\n  Properties: {Protocol: TLS}\n", []string{`"OrchestratorTCP443Listener"`, "under Resources:"}},
		{"unknown tag", "Resources:\n  A: !Bogus x\n", []string{"line 2", "unknown tag !Bogus"}},
		{"GetAtt without attribute", "Outputs:\n  O: {Value: !GetAtt LoadBalancer}\n", []string{"line 2", `!GetAtt "LoadBalancer"`, "Resource.Attribute"}},
		{"duplicate key", "Resources:\n  A: {}\n  A: {}\n", []string{"line 3", `"A" appears twice`}},
		{"two documents", "Resources: {}\n---\nOutputs: {}\n", []string{"more than one YAML document"}},
		{"bad YAML", "Resources: [\n", []string{"not valid YAML"}},
		{"bad JSON", "{\"Resources\": ", []string{"not valid JSON"}},
		{"trailing JSON", "{\"Resources\": {}} {}", []string{"trailing data"}},
		{"map key", "Resources:\n  ? [a]\n  : b\n", []string{"map key must be a plain string"}},
		{"merge of a scalar", "Resources:\n  A:\n    <<: x\n", []string{"merge key"}},
		{"deep nesting", "Resources: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", []string{"nested deeper"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %#v, want an error", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseAliasBomb(t *testing.T) {
	// Each level doubles the values: without a budget this would build 2^30 nodes.
	var b strings.Builder
	b.WriteString("Metadata:\n  l0: &l0 [x, x]\n")
	for i := 1; i <= 30; i++ {
		b.WriteString("  l")
		b.WriteString(itoa(i))
		b.WriteString(": &l")
		b.WriteString(itoa(i))
		b.WriteString(" [*l")
		b.WriteString(itoa(i - 1))
		b.WriteString(", *l")
		b.WriteString(itoa(i - 1))
		b.WriteString("]\n")
	}
	_, err := Parse([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("Parse error = %v, want the expansion limit", err)
	}
}

// TestParseWideAliasesCostLittle: a few kilobytes that alias one wide list hundreds of times (about 900,000
// values) are refused before anything is built, for little memory.
func TestParseWideAliasesCostLittle(t *testing.T) {
	var b strings.Builder
	b.WriteString("Resources:\n  a: &a [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(itoa(i))
	}
	b.WriteString("]\n  b: [")
	for i := range 900 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("*a")
	}
	b.WriteString("]\n")
	var err error
	bytes := limits.AllocatedBytes(func() { _, err = Parse([]byte(b.String())) })
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("Parse error = %v, want the expansion limit", err)
	}
	if bytes > 8<<20 {
		t.Errorf("refusing a %d-byte overlay allocated %d bytes; it must be refused before the aliases are built", b.Len(), bytes)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// The two overlays of the seed project, as written in its compose files (CRLF and all).
func TestParseSeedOverlays(t *testing.T) {
	for _, tc := range []struct {
		file, listener, cert, name string
	}{
		{"ss-utopia-main.yaml", "OrchestratorTCP443Listener", "arn:aws:acm:us-east-1:247293358719:certificate/e82de04a-b93c-4ebf-a9e2-420805d1633d", "services.utopia-air.click"},
		{"ss-utopia-dev.yaml", "UtopiaorchestratorserviceTCP443Listener", "arn:aws:acm:us-east-1:247293358719:certificate/c6d90f51-d983-4f97-b5a6-1916de46f169", "dev-services.utopia-air.click"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := map[string]any{"Resources": map[string]any{
				tc.listener: map[string]any{"Properties": map[string]any{
					"Certificates": []any{map[string]any{"CertificateArn": tc.cert}},
					"Protocol":     "TLS",
				}},
				"Route53RS": map[string]any{
					"Type": "AWS::Route53::RecordSet",
					"Properties": map[string]any{
						"Name": tc.name,
						"Type": "A",
						"AliasTarget": map[string]any{
							"DNSName":      map[string]any{"Fn::GetAtt": "LoadBalancer.DNSName"},
							"HostedZoneId": map[string]any{"Fn::GetAtt": "LoadBalancer.CanonicalHostedZoneID"},
						},
						"HostedZoneId": "Z07227751H35Z7E3SB7PD",
					},
				},
			}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Resources: {A: !Ref B}\n", "{\"Outputs\": {}}", "- a", "Resources: {A: &a [*a]}", "<<: x"} {
		f.Add([]byte(s))
	}
	for _, name := range []string{"ss-utopia-main.yaml", "ss-utopia-dev.yaml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			if doc != nil {
				t.Fatalf("Parse returned a document and an error")
			}
			return
		}
		// Whatever parses must merge into a template without failing or panicking.
		base := map[string]any{"Resources": map[string]any{"A": map[string]any{"Type": "T"}}}
		_ = Merge(base, doc)
	})
}
