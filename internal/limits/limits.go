// Package limits holds the AWS service quotas that input is checked against before work is done on it. They
// live in one place so that the loader, the template check and the local CloudFormation endpoint agree.
package limits

// CloudFormation quotas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
const (
	// TemplateBodyBytes is the largest TemplateBody a request may carry.
	TemplateBodyBytes = 51_200
	// TemplateURLBytes is the largest template CloudFormation reads from S3.
	TemplateURLBytes = 1_000_000
	// Resources is the most resources one template may declare.
	Resources = 500
	// Parameters is the most parameters one template may declare.
	Parameters = 200
	// Outputs is the most outputs one template may declare.
	Outputs = 200
	// LogicalIDLength is the longest logical ID of a resource, parameter or output.
	LogicalIDLength = 255
	// StackNameLength is the longest stack name.
	StackNameLength = 128
)

// Elastic Load Balancing quotas.
const (
	// ListenersPerLoadBalancer is the most listeners one load balancer takes; every published port is one.
	ListenersPerLoadBalancer = 50
)

// Amazon ECS quotas.
const (
	// ContainersPerTaskDefinition is the most containers one task definition holds.
	ContainersPerTaskDefinition = 10
	// TasksPerService is the most tasks (desired count) one service may run.
	TasksPerService = 5_000
	// TaskCPUUnits is the most CPU units a Fargate task can have (16 vCPU).
	TaskCPUUnits = 16_384
	// TaskMemoryMiB is the most memory a Fargate task can have (120 GiB).
	TaskMemoryMiB = 122_880
	// TaskDefinitionBytes is the largest task definition ECS registers (64 KiB); config files travel in it.
	TaskDefinitionBytes = 65_536
)

// Bounds on what a compose project may cost to load, well above what real projects use.
const (
	// YAMLNodes is the most YAML nodes one compose file may expand to once its aliases are followed. A file
	// without aliases of the largest size accepted has fewer; anchors aliased many times can reach millions.
	YAMLNodes = 100_000
	// SupportingFileBytes is the largest file a project may name (env file, secret, config): a ConfigMap or
	// Secret holds at most 1 MiB, so the CLI reads no more than the controller could be given.
	SupportingFileBytes = 1 << 20
	// ConfigDirectoryFiles is the most entries the CLI reads under one bind-mounted project directory, and
	// ConfigDirectoryBytes the most bytes: the files travel in a task definition of at most 64 KiB.
	ConfigDirectoryFiles = 256
	ConfigDirectoryBytes = 1 << 20
)
