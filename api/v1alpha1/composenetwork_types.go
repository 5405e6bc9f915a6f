package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NATMode says how private subnets reach the internet.
// +kubebuilder:validation:Enum=Single;PerZone;None
type NATMode string

const (
	// NATSingle is one NAT gateway, in the first zone, shared by every private subnet: cheaper, but the
	// private subnets of the other zones lose the internet when that zone fails.
	NATSingle NATMode = "Single"
	// NATPerZone is one NAT gateway per zone, each private subnet routed through its own zone's.
	NATPerZone NATMode = "PerZone"
	// NATNone gives private subnets no route to the internet; tasks then need VPC endpoints to pull images,
	// write logs and read secrets.
	NATNone NATMode = "None"
)

// VPCEndpoint is an AWS service that private tasks reach through the VPC instead of the internet.
// +kubebuilder:validation:Enum=ecr.api;ecr.dkr;logs;secretsmanager;s3
type VPCEndpoint string

const (
	// EndpointECRAPI is the ECR API (an interface endpoint), needed to pull images from ECR.
	EndpointECRAPI VPCEndpoint = "ecr.api"
	// EndpointECRDKR is the ECR registry (an interface endpoint), needed to pull images from ECR.
	EndpointECRDKR VPCEndpoint = "ecr.dkr"
	// EndpointLogs is CloudWatch Logs (an interface endpoint), where tasks write their logs.
	EndpointLogs VPCEndpoint = "logs"
	// EndpointSecretsManager is Secrets Manager (an interface endpoint), where tasks read their secrets.
	EndpointSecretsManager VPCEndpoint = "secretsmanager"
	// EndpointS3 is S3 (a gateway endpoint on the private route tables): ECR keeps image layers there.
	EndpointS3 VPCEndpoint = "s3"
)

// ComposeNetworkSpec is the network to build: a VPC over two or three Availability Zones, each with a public
// and a private subnet.
type ComposeNetworkSpec struct {
	// Stack describes the CloudFormation stack that holds the network.
	// +optional
	Stack NetworkStackSpec `json:"stack,omitempty"`

	// CIDR is the VPC's IPv4 address range; each subnet takes an equal part of it.
	// +optional
	// +kubebuilder:default="10.0.0.0/16"
	// +kubebuilder:validation:Pattern="^[0-9]{1,3}(\\.[0-9]{1,3}){3}/(1[6-9]|2[0-4])$"
	CIDR string `json:"cidr,omitempty"`

	// Zones is how many Availability Zones the network spans, 2 or 3.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=3
	Zones int32 `json:"zones,omitempty"`

	// NAT says how the private subnets reach the internet: `Single` (one shared NAT gateway), `PerZone` (one
	// per zone) or `None`.
	// +optional
	// +kubebuilder:default=Single
	NAT NATMode `json:"nat,omitempty"`

	// Endpoints are VPC endpoints to create so that private tasks reach these services without the internet.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	// +listType=set
	Endpoints []VPCEndpoint `json:"endpoints,omitempty"`

	// Suspend stops the controller from changing the stack.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Interval is how often the controller checks the stack when nothing changed. Defaults to 10m.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
}

// NetworkStackSpec describes a network's CloudFormation stack.
type NetworkStackSpec struct {
	// Name is the CloudFormation stack's name, and the prefix of its exports. Defaults to
	// `<namespace>-<name>-<hash>`. It cannot be changed once the ComposeNetwork exists.
	// +optional
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern="^[a-zA-Z][-a-zA-Z0-9]*$"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.stack.name is immutable; create a new ComposeNetwork to use another stack"
	Name string `json:"name,omitempty"`

	// Region is the AWS region of the stack, such as `us-east-1`. Defaults to the controller's region.
	// +optional
	// +kubebuilder:validation:Pattern="^[a-z]{2}(-[a-z]+)+-[0-9]+$"
	// +kubebuilder:validation:MaxLength=32
	Region string `json:"region,omitempty"`

	// RoleARN is an IAM role that the controller assumes for this stack's AWS calls; see ComposeStack.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern="^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$"
	RoleARN string `json:"roleARN,omitempty"`

	// Tags are added to the stack and so to its resources.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('composestack.dev/') && !k.startsWith('aws:') && size(k) <= 128)",message="spec.stack.tags: keys must be at most 128 characters and must not start with 'composestack.dev/' or 'aws:'"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(self[k]) <= 256)",message="spec.stack.tags: values must be at most 256 characters"
	Tags map[string]string `json:"tags,omitempty"`

	// DeletionPolicy says what happens to the stack when the ComposeNetwork is deleted. Either way, a
	// network stays while a ComposeStack refers to it.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// ComposeNetworkStatus is what the controller observed.
type ComposeNetworkStatus struct {
	// ObservedGeneration is the generation of the spec that the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are Ready, Reconciling and Stalled, as for ComposeStack, and InUse while ComposeStacks
	// refer to the network.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// StackName is the name of the CloudFormation stack.
	// +optional
	StackName string `json:"stackName,omitempty"`

	// StackID is the ID of the CloudFormation stack.
	// +optional
	StackID string `json:"stackID,omitempty"`

	// StackStatus is the CloudFormation stack status, such as CREATE_COMPLETE.
	// +optional
	StackStatus string `json:"stackStatus,omitempty"`

	// LastAppliedDigest is the digest of the template last applied.
	// +optional
	LastAppliedDigest string `json:"lastAppliedDigest,omitempty"`

	// Progress is how far the stack's last operation got, such as `12/23 resources`, as for ComposeStack.
	// +optional
	Progress string `json:"progress,omitempty"`

	// StackEvents says which of the running operation's CloudFormation stack events were mirrored as
	// Kubernetes Events, so that none is mirrored twice.
	// +optional
	StackEvents *StackEventsStatus `json:"stackEvents,omitempty"`

	// FailedResources are the root causes of the last failed stack operation.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	FailedResources []FailedResource `json:"failedResources,omitempty"`

	// Exports are the names of the stack's exports, for `Fn::ImportValue` and for ComposeStacks'
	// spec.network.vpcImport and subnetImports.
	// +optional
	Exports *NetworkExports `json:"exports,omitempty"`

	// VPCID is the ID of the network's VPC.
	// +optional
	VPCID string `json:"vpcID,omitempty"`

	// UsedBy are the ComposeStacks in the namespace that refer to the network.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	UsedBy []string `json:"usedBy,omitempty"`
}

// NetworkExports are the names of a network stack's exports.
type NetworkExports struct {
	// VPC is the export that holds the VPC ID.
	VPC string `json:"vpc"`
	// PublicSubnets are the exports that hold the public subnets' IDs, one per zone.
	// +listType=atomic
	PublicSubnets []string `json:"publicSubnets"`
	// PrivateSubnets are the exports that hold the private subnets' IDs, one per zone.
	// +listType=atomic
	PrivateSubnets []string `json:"privateSubnets"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cnet,categories=aws
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Stack Status",type=string,JSONPath=`.status.stackStatus`
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress`
// +kubebuilder:printcolumn:name="VPC",type=string,JSONPath=`.status.vpcID`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Used By",type=string,priority=1,JSONPath=`.status.usedBy`
// +kubebuilder:printcolumn:name="Message",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].message`

// ComposeNetwork is a VPC with public and private subnets, built as its own CloudFormation stack, for
// ComposeStacks to run in (spec.network.networkRef).
type ComposeNetwork struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the network to build.
	// +optional
	Spec ComposeNetworkSpec `json:"spec,omitempty"`

	// Status is what the controller observed.
	// +optional
	Status ComposeNetworkStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ComposeNetworkList is a list of ComposeNetworks.
type ComposeNetworkList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ComposeNetworks.
	Items []ComposeNetwork `json:"items"`
}
