package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ComposeStackSpec is what the user asks for: a compose project and the CloudFormation stack that runs it on
// ECS.
// +kubebuilder:validation:XValidation:rule="has(self.stack) == has(oldSelf.stack) && (!has(self.stack) || has(self.stack.name) == has(oldSelf.stack.name))",message="spec.stack.name is immutable: it cannot be added or removed once the ComposeStack exists; create a new ComposeStack to use another stack"
type ComposeStackSpec struct {
	// Compose is the Docker Compose project to deploy: its files, the files they reference, and how to load
	// them (as `docker compose -f ... --profile ... --project-name ...` would).
	// +required
	Compose ComposeProject `json:"compose"`

	// Stack describes the CloudFormation stack that the project is deployed as.
	// +optional
	// +kubebuilder:default={}
	Stack StackSpec `json:"stack,omitempty"`

	// Network says where the tasks and the load balancer run. Left empty, `x-aws-vpc` from the compose file is
	// used, and otherwise the account's default VPC with all its subnets.
	// +optional
	Network *NetworkSpec `json:"network,omitempty"`

	// Suspend stops the controller from making any change to the stack. Status is still reported.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Interval is how often a converged stack is checked again, so that changes made outside the controller
	// (drift, deletion) are converged back. A Go duration such as `10m` or `1h`.
	// +optional
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('30s')",message="spec.interval must be at least 30s: CloudFormation's API rate limits are low"
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Helpers chooses what the init containers run that set each task's DNS search domains and write its
	// secret files. Left empty, the controller's `--helper-image` and `--docker-compatible-helpers` apply.
	// +optional
	Helpers *HelpersSpec `json:"helpers,omitempty"`

	// Outputs writes the stack's outputs (the load balancer's DNS name and hosted zone, each service's ECS
	// name, and any output an overlay declares), by output key, to a ConfigMap or Secret in the
	// ComposeStack's namespace, for other apps to read. The object is owned by the ComposeStack, rewritten
	// when the outputs of the converged stack change, and deleted when spec.outputs stops naming it or the
	// ComposeStack goes. An existing object the ComposeStack does not own is never overwritten.
	// +optional
	Outputs *OutputsSpec `json:"outputs,omitempty"`

	// Drift turns on drift detection: on an interval, once the stack is Ready, CloudFormation checks whether
	// its resources were changed outside it; what drifted is reported in status.drift and the Drifted
	// condition, and, in mode Correct, reverted. Off when absent.
	// +optional
	Drift *DriftSpec `json:"drift,omitempty"`
}

// OutputsKind is the kind of object that the stack's outputs are written to.
// +kubebuilder:validation:Enum=ConfigMap;Secret
type OutputsKind string

const (
	// OutputsConfigMap writes the outputs to a ConfigMap.
	OutputsConfigMap OutputsKind = "ConfigMap"
	// OutputsSecret writes the outputs to a Secret, for outputs that only some may read.
	OutputsSecret OutputsKind = "Secret"
)

// OutputsSpec names the object that the stack's outputs are written to.
type OutputsSpec struct {
	// Name is the ConfigMap's or Secret's name. Defaults to `<metadata.name>-outputs`.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern="^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
	Name string `json:"name,omitempty"`

	// Kind is `ConfigMap` or `Secret`.
	// +optional
	// +kubebuilder:default=ConfigMap
	Kind OutputsKind `json:"kind,omitempty"`
}

// HelpersSpec chooses what the helper init containers run.
// +kubebuilder:validation:XValidation:rule="!(has(self.image) && has(self.dockerCompatible) && self.dockerCompatible)",message="spec.helpers: image is unused when dockerCompatible is true; set one of them"
type HelpersSpec struct {
	// Image runs the helpers' shell scripts instead of the controller's `--helper-image` (by default BusyBox
	// from Amazon ECR Public, pinned by digest): for example a copy in the account's own ECR, through a
	// pull-through cache rule, for private subnets without NAT. It needs a POSIX `/bin/sh`, `mkdir` and
	// `chmod`.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern="^\\S+$"
	Image string `json:"image,omitempty"`

	// DockerCompatible runs Docker's own helper images, `docker/ecs-searchdomain-sidecar:1.0` and
	// `docker/ecs-secrets-sidecar:1.0` from Docker Hub, with Docker's commands, as Docker Compose for ECS
	// wrote them; they alone can write every key of a secret (`x-aws-keys: ["*"]`). They are unmaintained,
	// and Docker Hub limits pulls. Defaults to the controller's `--docker-compatible-helpers`.
	// +optional
	DockerCompatible *bool `json:"dockerCompatible,omitempty"`
}

// ComposeProject is a compose project, given as files.
// +kubebuilder:validation:XValidation:rule="!has(self.files) || self.files.all(f, self.files.exists_one(g, g.name == f.name))",message="spec.compose.files: each file needs a distinct name"
type ComposeProject struct {
	// Files are the compose files, merged in order as `docker compose -f first -f second` merges them.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Files []ComposeFile `json:"files"`

	// SupportingFiles are the files that the compose files reference by relative path: `env_file`, secret
	// and config `file:` sources, `include:` and `extends.file` files, and the files of bind-mounted project
	// files and directories (each file by its path in the project, e.g. `prometheus/prometheus.yml`). Files
	// taken from a Secret are sensitive: their content never reaches the template, the status, an event or a
	// log (environment variables read from them reach containers through AWS Secrets Manager), and one used as
	// a config file is refused, since config files are written into the task definition.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +listType=map
	// +listMapKey=path
	SupportingFiles []SupportingFile `json:"supportingFiles,omitempty"`

	// ProjectName is the compose project name. It names the ECS cluster, the log group and the service
	// discovery namespace `<projectName>.local`, so it must be a DNS label: lower-case letters, digits and
	// dashes. Defaults to the ComposeStack's name.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern="^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
	ProjectName string `json:"projectName,omitempty"`

	// Profiles are the compose profiles to enable, as `docker compose --profile`.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +listType=set
	Profiles []string `json:"profiles,omitempty"`

	// Variables are the values for `${VAR}` interpolation in the compose files, as an `.env` file or the
	// shell would give them to `docker compose`. A later entry wins over an earlier one with the same name.
	// +optional
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	Variables []Variable `json:"variables,omitempty"`

	// Images overrides the image of a service, by service name: for services that only have `build:`, and
	// for GitOps tag bumps without editing the compose file.
	// +optional
	// +kubebuilder:validation:MaxProperties=128
	Images map[string]string `json:"images,omitempty"`

	// EFSBindMounts stores bind mounts on EFS file systems, which a Fargate task can mount, instead of refusing
	// them (a task has no host to bind from): each entry is a bind mount source as the compose file writes it
	// (`/srv/media`, `~/data`, `./uploads`), or `*` for every host directory outside the project. A file system
	// starts empty and outlives the stack: copy the data in. Paths inside the project usually hold
	// configuration the image needs, so `*` does not cover them: name them.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=1024
	EFSBindMounts []string `json:"efsBindMounts,omitempty"`
}

// ComposeFile is one compose file, given inline or from a ConfigMap key.
// +kubebuilder:validation:XValidation:rule="has(self.inline) != has(self.configMapKeyRef)",message="a compose file needs exactly one of inline or configMapKeyRef"
type ComposeFile struct {
	// Name is the file's name, as `-f` would give it (for example `docker-compose.yaml`). Paths in the file
	// are relative to the project directory, so `./eureka.env` is the supporting file `eureka.env`.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern="^[^/][^\\x00]*$"
	Name string `json:"name"`

	// Inline is the file's content.
	// +optional
	// +kubebuilder:validation:MaxLength=262144
	Inline *string `json:"inline,omitempty"`

	// ConfigMapKeyRef takes the file's content from a key of a ConfigMap in the ComposeStack's namespace.
	// +optional
	ConfigMapKeyRef *KeyReference `json:"configMapKeyRef,omitempty"`
}

// SupportingFile is a file that a compose file references by relative path.
// +kubebuilder:validation:XValidation:rule="(has(self.inline) ? 1 : 0) + (has(self.configMapKeyRef) ? 1 : 0) + (has(self.secretKeyRef) ? 1 : 0) == 1",message="a supporting file needs exactly one of inline, configMapKeyRef or secretKeyRef"
type SupportingFile struct {
	// Path is the file's path relative to the project directory, as the compose file writes it (for
	// example `./profile.env` or `.secret/key.env`).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.split('/').exists(p, p == '..')",message="path must be relative to the project directory and must not contain '..'"
	Path string `json:"path"`

	// Inline is the file's content.
	// +optional
	// +kubebuilder:validation:MaxLength=262144
	Inline *string `json:"inline,omitempty"`

	// ConfigMapKeyRef takes the file's content from a key of a ConfigMap in the ComposeStack's namespace.
	// +optional
	ConfigMapKeyRef *KeyReference `json:"configMapKeyRef,omitempty"`

	// SecretKeyRef takes the file's content from a key of a Secret in the ComposeStack's namespace. The
	// content is sensitive.
	// +optional
	SecretKeyRef *KeyReference `json:"secretKeyRef,omitempty"`
}

// KeyReference names a key of a ConfigMap or Secret in the ComposeStack's namespace.
type KeyReference struct {
	// Name is the ConfigMap's or Secret's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Key is the key within it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern="^[-._a-zA-Z0-9]+$"
	Key string `json:"key"`
}

// Variable is one interpolation variable.
// +kubebuilder:validation:XValidation:rule="has(self.value) != has(self.configMapKeyRef)",message="a variable needs exactly one of value or configMapKeyRef"
type Variable struct {
	// Name is the variable's name, as written in `${NAME}`.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern="^[A-Za-z_][A-Za-z0-9_]*$"
	Name string `json:"name"`

	// Value is the variable's value.
	// +optional
	// +kubebuilder:validation:MaxLength=32768
	Value *string `json:"value,omitempty"`

	// ConfigMapKeyRef takes the value from a key of a ConfigMap. Values that are secret belong in a
	// supporting file from a Secret, read through `env_file`, where they stay out of the template.
	// +optional
	ConfigMapKeyRef *KeyReference `json:"configMapKeyRef,omitempty"`
}

// DeletionPolicy says what happens to the stack when the ComposeStack is deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the stack, and waits for CloudFormation to finish, before the ComposeStack
	// goes.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyRetain leaves the stack in place.
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// StackSpec describes the CloudFormation stack.
type StackSpec struct {
	// Name is the CloudFormation stack's name. Defaults to `<namespace>-<name>-<hash>`, a name no other
	// ComposeStack's default can take (objects that recorded `<namespace>-<name>` in status.stackName keep
	// it). It cannot be changed, added or removed once the ComposeStack exists.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern="^[a-zA-Z][-a-zA-Z0-9]*$"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.stack.name is immutable; create a new ComposeStack to use another stack"
	Name string `json:"name,omitempty"`

	// Region is the AWS region of the stack, such as `us-east-1`. Defaults to the controller's region.
	// +optional
	// +kubebuilder:validation:Pattern="^[a-z]{2}(-[a-z]+)+-[0-9]+$"
	// +kubebuilder:validation:MaxLength=32
	Region string `json:"region,omitempty"`

	// RoleARN is an IAM role that the controller assumes for this stack's AWS calls. The controller only
	// assumes roles that its `--allowed-role-arns` flag allows.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern="^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$"
	RoleARN string `json:"roleARN,omitempty"`

	// Overlays are CloudFormation template fragments merged into the rendered template after the compose
	// file's own `x-aws-cloudformation`, in order: maps are merged key by key, scalars and lists replaced,
	// and `null` deletes a key.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	Overlays []Overlay `json:"overlays,omitempty"`

	// Parameters are values for the template's parameters, by name.
	// +optional
	// +kubebuilder:validation:MaxProperties=200
	Parameters map[string]string `json:"parameters,omitempty"`

	// Tags are added to the stack, and so by CloudFormation to every resource that supports tags. Keys that
	// start with `composestack.dev/` are the controller's own and cannot be set here.
	// +optional
	// +kubebuilder:validation:MaxProperties=45
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('composestack.dev/') && !k.startsWith('aws:') && size(k) <= 128)",message="spec.stack.tags: keys must be at most 128 characters and must not start with 'composestack.dev/' or 'aws:'"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(self[k]) <= 256)",message="spec.stack.tags: values must be at most 256 characters"
	Tags map[string]string `json:"tags,omitempty"`

	// TemplateBucket is an S3 bucket that templates over 51,200 bytes are uploaded to before they are passed
	// to CloudFormation by URL. Defaults to the controller's `--template-bucket`.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern="^[a-z0-9][a-z0-9.-]*[a-z0-9]$"
	TemplateBucket string `json:"templateBucket,omitempty"`

	// DeletionPolicy says what happens to the stack when the ComposeStack is deleted: `Delete` deletes it,
	// `Retain` leaves it.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// Adopt lets the controller take over an existing stack of this name that no ComposeStack owns, such as
	// one that Docker Compose for ECS created. Without it, such a stack is left alone and reported.
	// +optional
	Adopt bool `json:"adopt,omitempty"`

	// AllowAdoptionReplacements lets an adoption go ahead when its change set would replace or remove a
	// resource that holds state or traffic (an ECS service, load balancer, listener, target group, EFS file
	// system or mount target, log group, Cloud Map namespace or secret). Without it the controller stops with
	// the condition reason AdoptionWouldReplace, listing them, and does not execute the change set.
	// +optional
	AllowAdoptionReplacements bool `json:"allowAdoptionReplacements,omitempty"`
}

// Overlay is a CloudFormation template fragment, in YAML or JSON.
// +kubebuilder:validation:XValidation:rule="has(self.inline) != has(self.configMapKeyRef)",message="an overlay needs exactly one of inline or configMapKeyRef"
type Overlay struct {
	// Inline is the fragment.
	// +optional
	// +kubebuilder:validation:MaxLength=262144
	Inline *string `json:"inline,omitempty"`

	// ConfigMapKeyRef takes the fragment from a key of a ConfigMap in the ComposeStack's namespace.
	// +optional
	ConfigMapKeyRef *KeyReference `json:"configMapKeyRef,omitempty"`
}

// NetworkSpec says where the tasks and the load balancer run.
// +kubebuilder:validation:XValidation:rule="!(has(self.vpcID) && has(self.vpcImport))",message="spec.network: set vpcID or vpcImport, not both"
// +kubebuilder:validation:XValidation:rule="!(has(self.subnetIDs) && has(self.subnetImports))",message="spec.network: set subnetIDs or subnetImports, not both"
// +kubebuilder:validation:XValidation:rule="!has(self.subnetIDs) && !has(self.subnetImports) || has(self.vpcID) || has(self.vpcImport)",message="spec.network: subnets need their VPC, set vpcID or vpcImport too"
// +kubebuilder:validation:XValidation:rule="!has(self.networkRef) || !(has(self.vpcID) || has(self.vpcImport) || has(self.subnetIDs) || has(self.subnetImports))",message="spec.network: networkRef names the VPC and subnets; do not set vpcID, vpcImport, subnetIDs or subnetImports with it"
type NetworkSpec struct {
	// NetworkRef names a ComposeNetwork in the same namespace to run in: tasks in its private subnets without
	// public IP addresses, the load balancer in its public subnets (or its private ones when
	// loadBalancerScheme is `internal`). The stack waits until the network is Ready.
	// +optional
	NetworkRef *NetworkReference `json:"networkRef,omitempty"`

	// VPCID is the VPC to deploy to, such as `vpc-0abc1234`.
	// +optional
	// +kubebuilder:validation:Pattern="^vpc-[0-9a-f]{8,17}$"
	VPCID string `json:"vpcID,omitempty"`

	// VPCImport is the name of a CloudFormation export (of a separate network stack) that holds the VPC ID.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	VPCImport string `json:"vpcImport,omitempty"`

	// SubnetIDs are the subnets that tasks and the load balancer use, such as `subnet-0abc1234`. Defaults to
	// every subnet of the VPC.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:Pattern="^subnet-[0-9a-f]{8,17}$"
	// +listType=set
	SubnetIDs []string `json:"subnetIDs,omitempty"`

	// SubnetImports are names of CloudFormation exports that hold subnet IDs.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=set
	SubnetImports []string `json:"subnetImports,omitempty"`

	// AssignPublicIP gives tasks public IP addresses. Tasks in private subnets need `Disabled` (and a NAT
	// gateway or VPC endpoints to pull images). With networkRef, tasks never get one.
	// +optional
	// +kubebuilder:default=Enabled
	// +kubebuilder:validation:Enum=Enabled;Disabled
	AssignPublicIP string `json:"assignPublicIP,omitempty"`

	// LoadBalancerScheme is `internet-facing` or `internal`.
	// +optional
	// +kubebuilder:default=internet-facing
	// +kubebuilder:validation:Enum=internet-facing;internal
	LoadBalancerScheme string `json:"loadBalancerScheme,omitempty"`

	// IngressCIDR is the address range that may reach published ports. Defaults to `0.0.0.0/0`.
	// +optional
	// +kubebuilder:validation:Pattern="^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$"
	IngressCIDR string `json:"ingressCIDR,omitempty"`
}

// NetworkReference names a ComposeNetwork in the ComposeStack's namespace.
type NetworkReference struct {
	// Name is the ComposeNetwork's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ComposeStackStatus is what the controller observed.
type ComposeStackStatus struct {
	// ObservedGeneration is the generation of the spec that the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: `Ready` is always present; `Reconciling` while the stack converges; `Stalled` while the
	// controller cannot go on without the user.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// StackName is the CloudFormation stack's name.
	// +optional
	StackName string `json:"stackName,omitempty"`

	// StackID is the CloudFormation stack's ID (ARN).
	// +optional
	StackID string `json:"stackID,omitempty"`

	// StackStatus is the stack's status as CloudFormation last reported it, such as `CREATE_COMPLETE`.
	// +optional
	StackStatus string `json:"stackStatus,omitempty"`

	// StackStatusReason is CloudFormation's reason for that status.
	// +optional
	StackStatusReason string `json:"stackStatusReason,omitempty"`

	// LastAppliedDigest is the digest of the template, parameters and tags that the stack last converged
	// to.
	// +optional
	LastAppliedDigest string `json:"lastAppliedDigest,omitempty"`

	// LastAttemptedDigest is the digest of the template, parameters and tags of the last stack operation the
	// controller started (a creation, or an executed change set).
	// +optional
	LastAttemptedDigest string `json:"lastAttemptedDigest,omitempty"`

	// ChangeSet is the change set in flight, if any.
	// +optional
	ChangeSet *ChangeSetStatus `json:"changeSet,omitempty"`

	// Outputs are the stack's outputs, by key.
	// +optional
	Outputs map[string]string `json:"outputs,omitempty"`

	// Endpoints are where the project can be reached.
	// +optional
	Endpoints *Endpoints `json:"endpoints,omitempty"`

	// ReattachedFileSystems are the EFS file systems that an earlier stack of the project retained and that
	// the deployed stack mounts instead of new, empty ones, as Docker Compose for ECS reattached them.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	ReattachedFileSystems []ReattachedFileSystem `json:"reattachedFileSystems,omitempty"`

	// Warnings name the compose fields that were ignored, and why.
	// +optional
	// +listType=atomic
	Warnings []string `json:"warnings,omitempty"`

	// Progress is how far the stack's last operation got, such as `23/57 resources`: the template's
	// resources that the operation finished, of all the template has. It reads N/N once the stack matches
	// the spec.
	// +optional
	Progress string `json:"progress,omitempty"`

	// StackEvents says which of the running operation's CloudFormation stack events were mirrored as
	// Kubernetes Events, so that none is mirrored twice.
	// +optional
	StackEvents *StackEventsStatus `json:"stackEvents,omitempty"`

	// FailedResources are the root causes of the last failed stack operation: the first resources that
	// failed, not those cancelled because of them.
	// +optional
	// +listType=atomic
	FailedResources []FailedResource `json:"failedResources,omitempty"`

	// Drift is what the last drift detection found, with spec.drift set.
	// +optional
	Drift *DriftStatus `json:"drift,omitempty"`
}

// StackEventsStatus records how far the stack events of one operation were mirrored as Kubernetes Events.
type StackEventsStatus struct {
	// Operation is the ID of the stack event that started the operation.
	Operation string `json:"operation"`
	// LastEventID is the ID of the last stack event of the operation that was mirrored or left out.
	// +optional
	LastEventID string `json:"lastEventID,omitempty"`
	// Mirrored counts the Events recorded for the operation; they are bounded per operation.
	// +optional
	Mirrored int32 `json:"mirrored,omitempty"`
	// Truncated says the bound was reached, and an Event said that the rest are left out.
	// +optional
	Truncated bool `json:"truncated,omitempty"`
}

// ChangeSetStatus describes a CloudFormation change set.
type ChangeSetStatus struct {
	// Name is the change set's name.
	Name string `json:"name"`
	// ID is the change set's ARN.
	// +optional
	ID string `json:"id,omitempty"`
	// Status is the change set's status, such as `CREATE_COMPLETE`.
	// +optional
	Status string `json:"status,omitempty"`
	// ExecutionStatus is whether it can be, or has been, executed, such as `AVAILABLE`.
	// +optional
	ExecutionStatus string `json:"executionStatus,omitempty"`
	// Type is `CREATE` or `UPDATE`.
	// +optional
	Type string `json:"type,omitempty"`
}

// Endpoints are where the project can be reached.
type Endpoints struct {
	// LoadBalancerDNSName is the load balancer's DNS name.
	// +optional
	LoadBalancerDNSName string `json:"loadBalancerDNSName,omitempty"`
	// Listeners are the load balancer's listeners.
	// +optional
	// +listType=atomic
	Listeners []Listener `json:"listeners,omitempty"`
}

// Listener is one load balancer listener.
type Listener struct {
	// Service is the compose service that the listener forwards to.
	Service string `json:"service"`
	// Port is the port the load balancer listens on.
	Port int32 `json:"port"`
	// Protocol is the listener's protocol, such as `TCP` or `HTTP`.
	Protocol string `json:"protocol"`
}

// FailedResource is a resource that failed in the last stack operation.
type FailedResource struct {
	// LogicalID is the resource's logical ID in the template.
	LogicalID string `json:"logicalID"`
	// Type is the resource's type, such as `AWS::ECS::Service`.
	// +optional
	Type string `json:"type,omitempty"`
	// Status is the resource's status, such as `CREATE_FAILED`.
	// +optional
	Status string `json:"status,omitempty"`
	// Reason is CloudFormation's reason.
	// +optional
	Reason string `json:"reason,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cstack,categories=aws
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Stack Status",type=string,JSONPath=`.status.stackStatus`
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.endpoints.loadBalancerDNSName`
// +kubebuilder:printcolumn:name="Drifted",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Drifted")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].message`

// ComposeStack deploys a Docker Compose project to AWS ECS as a CloudFormation stack.
type ComposeStack struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the compose project and the stack to deploy it as.
	// +required
	Spec ComposeStackSpec `json:"spec"`

	// Status is what the controller observed.
	// +optional
	Status ComposeStackStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ComposeStackList is a list of ComposeStacks.
type ComposeStackList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ComposeStacks.
	Items []ComposeStack `json:"items"`
}

// ReattachedFileSystem is a retained EFS file system that a named volume mounts again.
type ReattachedFileSystem struct {
	// Volume is the compose volume.
	Volume string `json:"volume"`
	// FileSystemID is the file system's ID (fs-...).
	FileSystemID string `json:"fileSystemID"`
}
