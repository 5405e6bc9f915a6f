package compose

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestShortFormTagsInOverlay(t *testing.T) {
	const file = `services:
  web:
    image: nginx
    labels:
      note: "!Ref is only rewritten under x-aws-cloudformation"
x-aws-cloudformation:
  Resources:
    Bucket:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: !Sub "$${AWS::StackName}-assets"
        Tags: &tags
          - Key: lb
            Value: !GetAtt LoadBalancer.DNSName
  Outputs:
    Name: {Value: !Ref Bucket}
    Az: {Value: !Select [0, !GetAZs ""]}
    Same: {Value: *tags}
`
	l := load(t, compose(file))
	got := l.Project.Extensions[xCloudFormation]
	tags := []any{map[string]any{"Key": "lb", "Value": map[string]any{"Fn::GetAtt": []any{"LoadBalancer", "DNSName"}}}}
	want := map[string]any{
		"Resources": map[string]any{"Bucket": map[string]any{
			"Type": "AWS::S3::Bucket",
			"Properties": map[string]any{
				"BucketName": map[string]any{"Fn::Sub": "${AWS::StackName}-assets"},
				"Tags":       tags,
			},
		}},
		"Outputs": map[string]any{
			"Name": map[string]any{"Value": map[string]any{"Ref": "Bucket"}},
			"Az":   map[string]any{"Value": map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}}},
			"Same": map[string]any{"Value": tags},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("x-aws-cloudformation =\n%#v\nwant\n%#v", got, want)
	}
	if l.Project.Services["web"].Labels["note"] != "!Ref is only rewritten under x-aws-cloudformation" {
		t.Errorf("labels = %v", l.Project.Services["web"].Labels)
	}
}

func TestExpandOverlayTagsLeavesOtherFilesAlone(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "main", "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{data, []byte("services: {a: {image: '!Ref'}}\n"), []byte("x-aws-cloudformation: [\n")} {
		out, err := expandOverlayTags("c.yaml", in)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("expandOverlayTags changed %q (err %v)", in, err)
		}
	}
}

func TestExpandOverlayTagsErrors(t *testing.T) {
	for in, want := range map[string]string{
		"x-aws-cloudformation:\n  Outputs:\n    O: {Value: !Bogus x}\n":                           "c.yaml line 3: unknown tag !Bogus",
		"x-aws-cloudformation:\n  Outputs:\n    O: {Value: !GetAtt LB}\n":                         `c.yaml line 3: !GetAtt "LB" must be written Resource.Attribute`,
		"x-aws-cloudformation: " + strings.Repeat("[", 300) + "!Ref a" + strings.Repeat("]", 300): "nested deeper",
	} {
		if _, err := expandOverlayTags("c.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("expandOverlayTags(%q) error = %v, want %q", in, err, want)
		}
	}
	if _, err := Load(context.Background(), compose("services: {a: {image: nginx}}\nx-aws-cloudformation: {Outputs: {O: {Value: !Nope x}}}\n")); err == nil ||
		!strings.Contains(err.Error(), "compose.yaml line 2: unknown tag !Nope") {
		t.Errorf("Load error = %v, want the unknown tag named with file and line", err)
	}
}
