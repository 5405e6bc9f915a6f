package render

import (
	"context"
	"testing"

	"github.com/composestack/composestack/internal/compose"
)

// FuzzOverlayCheck merges arbitrary overlays over a small project: Render must fail with an error or return a
// template that passes the final check again on its own body (what is sent is what was checked), never panic.
func FuzzOverlayCheck(f *testing.F) {
	for _, s := range []string{
		"Resources:\n  LogGroup: null\n",
		"Resources:\n  LogGroup:\n    Type: AWS::S3::Bucket\n",
		"Outputs:\n  X:\n    Value: !Sub '${Nope}'\n",
		"Resources:\n  WebService:\n    DependsOn: [WebTaskDefinition]\n",
		"Resources:\n  Extra: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref AWS::StackName}}\n",
		"Resources:\n  WebTCP80Listener:\n    Properties: {Port: 1e400}\n",
	} {
		f.Add([]byte(s))
	}
	loaded, err := compose.Load(context.Background(), compose.Source{ProjectName: "fuzz", Files: []compose.File{{
		Name: "compose.yaml", Content: []byte("services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"),
	}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, overlay []byte) {
		res, err := Render(loaded.Project, Options{Overlays: [][]byte{overlay}})
		if err != nil {
			return
		}
		v, err := decodeJSON(res.Body)
		if err != nil {
			t.Fatalf("the body is not JSON: %v", err)
		}
		doc, _ := v.(map[string]any)
		if err := checkTemplate(doc, &checkTarget{}); err != nil {
			t.Fatalf("a rendered template fails the final check: %v", err)
		}
	})
}
