package render

import (
	"fmt"
	"strconv"
)

// The x-aws-* extensions of Docker Compose for ECS, by where they appear.
const (
	xVPC             = "x-aws-vpc"              // top level: VPC ID or ARN
	xCluster         = "x-aws-cluster"          // top level: existing cluster name or ARN
	xLoadBalancer    = "x-aws-loadbalancer"     // top level: existing load balancer ARN
	xLogsRetention   = "x-aws-logs_retention"   // top level: log retention in days
	xCloudFormation  = "x-aws-cloudformation"   // top level: overlay merged into the template
	xRole            = "x-aws-role"             // service: inline policy document on the task role
	xPolicies        = "x-aws-policies"         // service: managed policy ARNs on the task role
	xPullCredentials = "x-aws-pull_credentials" // service: Secrets Manager ARN of registry credentials
	xAutoscaling     = "x-aws-autoscaling"      // deploy: min, max, cpu | memory
	xMinPercent      = "x-aws-min_percent"      // deploy.update_config: minimum healthy percent
	xMaxPercent      = "x-aws-max_percent"      // deploy.update_config: maximum percent
	xProtocol        = "x-aws-protocol"         // ports[]: http/https count as HTTP for the load balancer type
	xKeys            = "x-aws-keys"             // secrets.<n>: JSON keys to expose as files
	xSecurityGroup   = "x-aws-securitygroup"    // networks.<n>: deprecated alias for external + name
)

// wrongType is the one refusal of an x-aws-* extension of the wrong type, so that every extension says alike
// where it is, what it takes, and what it was given.
func wrongType(path, want string, got any) error {
	return fmt.Errorf("%s: %w", path, expectedType(want, got))
}

// expectedType is wrongType without the path, for an error type that adds it.
func expectedType(want string, got any) error {
	return fmt.Errorf("expected %s, got %s", want, describeValue(got))
}

// describeValue says what a YAML value is, briefly: its text for a scalar, its kind for a collection, whose
// content may be long.
func describeValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		if len(t) > 64 {
			t = t[:64] + "..."
		}
		return strconv.Quote(t)
	default:
		return fmt.Sprint(t)
	}
}
