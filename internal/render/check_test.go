package render

import (
	"strings"
	"testing"
)

// TestFinalCheck renders projects whose templates CloudFormation, ECS or ELB would refuse: each must fail in
// Render, naming the compose field or the overlay at fault.
func TestFinalCheck(t *testing.T) {
	long := strings.Repeat("s", 250)
	for _, tc := range []struct {
		name     string
		compose  string
		overlays []string
		want     []string // all in the error
	}{
		{
			name:    "logical ID too long",
			compose: "services:\n  " + long + ":\n    image: nginx\n",
			want:    []string{"services." + long + ":", "characters, and CloudFormation takes at most 255"},
		},
		{
			name:    "image made invalid by an unset variable",
			compose: "services:\n  web:\n    image: nginx:${TAG}\n",
			want:    []string{"services.web:", `"nginx:" is not a valid image reference`},
		},
		{
			name:     "overlay deletes a referenced resource",
			compose:  "services:\n  web:\n    image: nginx\n",
			overlays: []string{"Resources:\n  LogGroup: null\n"},
			want:     []string{"overlay 1:", `"LogGroup" is neither a resource nor a parameter`},
		},
		{
			name:     "overlay changes a resource's type",
			compose:  "services:\n  web:\n    image: nginx\n",
			overlays: []string{"Resources:\n  LogGroup:\n    Type: AWS::S3::Bucket\n"},
			want:     []string{"overlay 1:", "Resources.LogGroup.Type: an overlay changed it from AWS::Logs::LogGroup to AWS::S3::Bucket"},
		},
		{
			name:     "overlay GetAtt of nothing",
			compose:  "services:\n  web:\n    image: nginx\n",
			overlays: []string{"Outputs:\n  X:\n    Value: !GetAtt Nope.Arn\n"},
			want:     []string{"overlay 1:", `Outputs.X.Value.Fn::GetAtt: "Nope" is not a resource`},
		},
		{
			name:     "overlay Sub of nothing",
			compose:  "services:\n  web:\n    image: nginx\n",
			overlays: []string{"Outputs:\n  X:\n    Value: !Sub '${Nope}-${AWS::Region}-${!Literal}'\n"},
			want:     []string{"overlay 1:", "${Nope} names nothing"},
		},
		{
			name:     "overlay DependsOn nothing",
			compose:  "services:\n  web:\n    image: nginx\n",
			overlays: []string{"Resources:\n  WebService:\n    DependsOn: [Nope]\n"},
			want:     []string{"overlay 1:", `DependsOn: "Nope" is not a resource`},
		},
		{
			name:    "replicas beyond ECS",
			compose: "services:\n  web:\n    image: nginx\n    deploy: {replicas: 100000}\n",
			want:    []string{"services.web:", "DesiredCount: 100000 tasks; ECS runs 0 to 5000"},
		},
		{
			name:     "overlay listener port out of range",
			compose:  "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n",
			overlays: []string{"Resources:\n  WebTCP80Listener:\n    Properties: {Port: 70000}\n"},
			want:     []string{"overlay 1:", "Port: 70000 is not a port"},
		},
		{
			name:     "overlay logical ID not alphanumeric",
			compose:  "services:\n  web:\n    image: nginx\n",
			overlays: []string{"Resources:\n  my-bucket: {Type: AWS::S3::Bucket}\n"},
			want:     []string{"overlay 1:", `Resources."my-bucket": a logical ID takes only letters and digits`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts Options
			for _, o := range tc.overlays {
				opts.Overlays = append(opts.Overlays, []byte(o))
			}
			_, err := renderYAML(t, tc.compose, opts)
			if err == nil {
				t.Fatal("Render accepted the project")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}
