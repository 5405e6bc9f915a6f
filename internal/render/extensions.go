package render

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
