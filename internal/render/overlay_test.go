package render

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var overlayNumber = regexp.MustCompile(`overlay \d`)

// Every overlay problem, in parsing, merging or the merged shape, is an *OverlayError naming the overlay, and its
// message still says where inside it.
func TestOverlayErrorNamesTheOverlay(t *testing.T) {
	const app = "services:\n  app:\n    image: busybox\n"
	ok := []byte("Resources:\n  AppService:\n    Properties:\n      DesiredCount: 2\n")
	cases := []struct {
		name     string
		xCFN     string // the compose file's x-aws-cloudformation, as YAML under that key
		overlays []string
		index    int
		want     []string // in the message
	}{
		{"x-aws-cloudformation not a mapping", " just a string", nil, -1,
			[]string{"x-aws-cloudformation: expected a CloudFormation template fragment"}},
		{"x-aws-cloudformation unknown $patch", "\n  Resources:\n    AppService:\n      $patch: retain", nil, -1,
			[]string{"x-aws-cloudformation: Resources.AppService: unknown $patch directive retain"}},
		{"x-aws-cloudformation resource without a type", "\n  Resources:\n    Extra:\n      Properties: {}", nil, -1,
			[]string{"x-aws-cloudformation: Resources.Extra has no Type"}},
		{"first overlay does not parse", "", []string{"Resources:\n  A: [unclosed\n", string(ok)}, 0,
			[]string{"overlay 1: ", "line"}},
		{"second overlay does not parse", "", []string{string(ok), "Resources:\n\tBad: tab\n"}, 1,
			[]string{"overlay 2: ", "line"}},
		{"second overlay unknown $patch", "", []string{string(ok), "Resources:\n  AppService:\n    $patch: retain\n"}, 1,
			[]string{"overlay 2: Resources.AppService: unknown $patch directive retain"}},
		{"second overlay leaves a resource without a type", "", []string{string(ok), "Resources:\n  Extra:\n    Properties: {}\n"}, 1,
			[]string{"overlay 2: Resources.Extra has no Type"}},
		{"first overlay deletes every resource", "", []string{"Resources: null\n"}, 0,
			[]string{"overlay 1: the template has no Resources left"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			compose := app
			if tc.xCFN != "" {
				compose += "x-aws-cloudformation:" + tc.xCFN + "\n"
			}
			var opts Options
			for _, o := range tc.overlays {
				opts.Overlays = append(opts.Overlays, []byte(o))
			}
			_, err := renderYAML(t, compose, opts)
			var oe *OverlayError
			if !errors.As(err, &oe) {
				t.Fatalf("Render error = %v (%T); want an *OverlayError", err, err)
			}
			if oe.Index != tc.index {
				t.Errorf("Index = %d; want %d (error %q)", oe.Index, tc.index, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if len(overlayNumber.FindAllString(err.Error(), -1)) > 1 {
				t.Errorf("error %q names the overlay more than once", err)
			}
		})
	}
}

// A resource one overlay starts and a later one completes is fine: the shape is checked after all of them.
func TestOverlaysCompleteEachOther(t *testing.T) {
	res, err := renderYAML(t, "services:\n  app:\n    image: busybox\n", Options{Overlays: [][]byte{
		[]byte("Resources:\n  Extra:\n    Properties:\n      TopicName: t\n"),
		[]byte("Resources:\n  Extra:\n    Type: AWS::SNS::Topic\n"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if typ := template(t, res)["Resources"].(map[string]any)["Extra"].(map[string]any)["Type"]; typ != "AWS::SNS::Topic" {
		t.Fatalf("Extra's Type = %v", typ)
	}
}
