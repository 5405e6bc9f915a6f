package render

import (
	"context"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/compose"
)

// TestExtensionsOfWrongType: every x-aws-* extension given a value of the wrong type is refused alike, with
// its path, the type it takes, and what it was given; none is ignored.
func TestExtensionsOfWrongType(t *testing.T) {
	const svc = "services:\n  web:\n    image: nginx\n"
	for _, tc := range []struct{ compose, want string }{
		{svc + "x-aws-cluster: {name: x}\n", "x-aws-cluster: expected a non-empty string, got a mapping"},
		{svc + "x-aws-vpc: [a]\n", "x-aws-vpc: expected a non-empty string, got a list"},
		{svc + "x-aws-loadbalancer: 3\n", "x-aws-loadbalancer: expected a non-empty string, got 3"},
		{svc + "x-aws-logs_retention: x\n", `x-aws-logs_retention: expected a whole number, got "x"`},
		{svc + "x-aws-cloudformation: [1]\n", "x-aws-cloudformation: expected a CloudFormation template fragment (a mapping), got a list"},
		{svc + "    x-aws-policies: arn\n", `services.web.x-aws-policies: expected a list of managed policy ARNs, got "arn"`},
		{svc + "    x-aws-policies: [{a: 1}]\n", "services.web.x-aws-policies[]: expected a policy ARN, got a mapping"},
		{svc + "    x-aws-role: [1]\n", "services.web.x-aws-role: expected an IAM policy document with a Statement, got a list"},
		{svc + "    x-aws-pull_credentials: {a: 1}\n", "services.web.x-aws-pull_credentials: expected the ARN of a Secrets Manager secret holding the registry username and password, got a mapping"},
		{svc + "    deploy: {x-aws-autoscaling: 5}\n", "services.web.deploy.x-aws-autoscaling: expected a mapping with min, max and cpu or memory, got 5"},
		{svc + "    deploy: {update_config: {x-aws-min_percent: x}}\n", `services.web.deploy.update_config.x-aws-min_percent: expected a whole number, got "x"`},
		{svc + "    ports: [{target: 80, x-aws-protocol: [1]}]\n", "services.web.ports[0].x-aws-protocol: expected one of http, https, tcp or udp, got a list"},
		{svc + "networks:\n  n: {x-aws-securitygroup: [1]}\n", "networks.n.x-aws-securitygroup: expected a security group ID (sg-...), got a list"},
	} {
		_, err := renderYAML(t, tc.compose, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n  error %v\n  want  %q", tc.compose, err, tc.want)
		}
	}
}

// TestNonFiniteNumbers: NaN and infinities, which YAML and Go both read as floats, are refused with the field
// that holds them, at load or at render, instead of an encoding error naming nothing.
func TestNonFiniteNumbers(t *testing.T) {
	for _, tc := range []struct{ compose, want string }{
		{"services:\n  web:\n    image: nginx\n    cpus: NaN\n", `services.web.cpus: "NaN" is not a finite number`},
		{"services:\n  web:\n    image: nginx\n    cpus: .inf\n", `services.web.cpus: ".inf" is not a finite number`},
		{"services:\n  web:\n    image: nginx\n    deploy: {resources: {limits: {cpus: 'NaN'}}}\n", "services.web.deploy.resources.limits.cpus: NaN is not a finite number of CPUs"},
		{"services:\n  web:\n    image: nginx\n    deploy: {x-aws-autoscaling: {min: 1, max: 3, cpu: .nan}}\n", `services.web.deploy.x-aws-autoscaling.cpu: ".nan" is not a finite number`},
	} {
		loaded, err := compose.Load(context.Background(), compose.Source{ProjectName: "demo", Files: []compose.File{{Name: "compose.yaml", Content: []byte(tc.compose)}}})
		if err == nil {
			_, err = Render(loaded.Project, Options{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n  error %v\n  want  %q", tc.compose, err, tc.want)
		}
	}
}
