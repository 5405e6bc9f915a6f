package render

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/tags"
	"github.com/compose-spec/compose-go/v2/types"
)

// Network says where the stack's tasks, load balancer and file systems live.
type Network struct {
	// VPCID is the VPC to deploy into. At most one of VPCID and VPCImport; with neither, the compose file's
	// x-aws-vpc is used, and without that the template takes a `VPC` parameter (AWS::EC2::VPC::Id).
	VPCID string
	// VPCImport is the export name of a network stack's VPC ID, read with Fn::ImportValue.
	VPCImport string
	// SubnetIDs are the subnets for tasks, load balancer and EFS mount targets. At most one of SubnetIDs and
	// SubnetImports; with neither, the template takes a `Subnets` parameter (List<AWS::EC2::Subnet::Id>).
	SubnetIDs []string
	// SubnetImports are export names, each holding one subnet ID, read with Fn::ImportValue.
	SubnetImports []string
	// LoadBalancerSubnetImports, when set, are export names of the subnets the load balancer goes into instead
	// of the tasks' subnets: a network's public subnets, with the tasks in its private ones.
	LoadBalancerSubnetImports []string
	// AssignPublicIP gives task network interfaces public IPs (needed in public subnets without NAT).
	AssignPublicIP bool
	// InternalLoadBalancer makes the load balancer scheme internal instead of internet-facing.
	InternalLoadBalancer bool
	// IngressCIDR is the source range allowed to reach published ports on the security groups the template
	// creates; "" means 0.0.0.0/0. Security groups of external networks are never opened.
	IngressCIDR string
	// LoadBalancer is the existing load balancer that x-aws-loadbalancer names, as the caller looked it up in
	// AWS. Without it x-aws-loadbalancer must be an ARN, whose type the renderer reads from the ARN.
	LoadBalancer *ExistingLoadBalancer
}

// ExistingLoadBalancer is what the renderer needs to know about the load balancer x-aws-loadbalancer names.
type ExistingLoadBalancer struct {
	// ARN is the load balancer's ARN; listeners are attached to it.
	ARN string
	// Type is "application" or "network".
	Type string
	// VPCID is the load balancer's VPC; the stack's VPC must be the same. "" skips the check.
	VPCID string
}

// Options are the inputs besides the compose project.
type Options struct {
	// ProjectName names the cluster, log group, Cloud Map namespace and task families; "" uses the project's name.
	ProjectName string
	// Network places the stack in a VPC.
	Network Network
	// Overlays are YAML or JSON CloudFormation fragments merged, in order, after the compose file's
	// x-aws-cloudformation.
	Overlays [][]byte
	// SensitiveEnv holds, per service, environment variables whose values must not appear in the template.
	SensitiveEnv map[string]map[string]string
	// Files holds the content of secret `file:` sources, by path relative to the project directory.
	Files map[string][]byte
	// SensitiveFiles are the keys of Files that must not be published: they may be secret sources, never config
	// files, whose content is written into the task definition.
	SensitiveFiles map[string]bool
	// Helpers chooses the image of the init containers that set search domains and write secret files.
	Helpers Helpers
	// EFSBindMounts are the bind mount sources, as written in the compose file, to store on EFS file systems
	// instead of refusing them (Fargate has no host to bind); AllHostDirectories stands for every host directory
	// outside the project. spec.compose.efsBindMounts and the CLI's --efs-bind-mount fill it.
	EFSBindMounts []string
	// FileSystems are existing EFS file systems to mount instead of creating new ones, by named volume: the
	// file systems an earlier stack of the project left behind (they are retained), as Docker Compose for ECS
	// reattached them. Needs.Volumes says which volumes to look up.
	FileSystems map[string]string
}

// Parameter is a template parameter value the caller must pass to CloudFormation.
type Parameter struct {
	// Key is the template parameter name.
	Key string
	// Value is the value to pass.
	Value string
	// Sensitive marks values that must not be logged or stored outside a secret (NoEcho parameters).
	Sensitive bool
}

// Listener is a load balancer listener that reaches a service.
type Listener struct {
	// Service is the compose service behind the listener.
	Service string
	// Port is the listener (published) port.
	Port int32
	// Protocol is the listener protocol after overlays (HTTP, TCP, UDP, TLS, HTTPS...).
	Protocol string
}

// Result is a rendered template and what the caller needs to deploy it.
type Result struct {
	// Template is the generated template before overlays. Parameters of list type (Subnets) appear in it as a
	// one-element list; Body has them right.
	Template *cloudformation.Template
	// Body is the final template, canonical JSON with sorted keys, after overlays: what is sent to CloudFormation.
	Body []byte
	// Parameters are values the caller must pass, sorted by Key.
	Parameters []Parameter
	// Listeners are the load balancer listeners, sorted by service then port.
	Listeners []Listener
	// Warnings list compose fields that were ignored, and why.
	Warnings []string
	// ProjectName is the project name the template was rendered for.
	ProjectName string
}

// Render converts a compose project into a CloudFormation template.
func Render(project *types.Project, opts Options) (*Result, error) {
	if project == nil {
		return nil, errors.New("no compose project to render")
	}
	r, err := newRenderer(project, opts)
	if err != nil {
		return nil, err
	}
	if err := r.build(); err != nil {
		return nil, err
	}
	body, listeners, err := r.finish()
	if err != nil {
		return nil, err
	}
	sort.Slice(r.params, func(i, j int) bool { return r.params[i].Key < r.params[j].Key })
	sort.Strings(r.warnings) // by field path, so related warnings sit together
	return &Result{
		Template:    r.tpl,
		Body:        body,
		Parameters:  r.params,
		Listeners:   listeners,
		Warnings:    r.warnings,
		ProjectName: r.name,
	}, nil
}

// renderer holds the state of one Render call.
type renderer struct {
	project  *types.Project
	opts     Options
	name     string
	tpl      *cloudformation.Template
	in       *intrinsics
	services []types.ServiceConfig // sorted by name
	plans    map[string]*servicePlan

	needs     Needs // what the caller was to look up, so the renderer reads x-aws-vpc and x-aws-loadbalancer as it did
	warnings  []string
	params    []Parameter
	listeners []listenerRef

	vpc         string   // VPC ID or intrinsic token
	subnets     []string // subnet IDs or tokens; one splice token when a List parameter
	subnetNames []string // per subnet, the suffix of mount target IDs

	cluster        string            // cluster name/ARN or token, for Cluster properties
	serviceCluster string            // cluster ARN or token, for the services' Cluster property
	clusterName    string            // cluster name or token, for the ECS agent and scaling resource IDs
	createCluster  bool              // false with x-aws-cluster
	securityGroup  map[string]string // network -> group ID or token
	createdGroups  map[string]bool   // networks whose group the template creates

	lbType   string // "application" or "network"; "" without a load balancer
	lbARN    string // ARN or token
	createLB bool

	gpu bool // some service needs EC2 GPU capacity

	bindVolumes map[string]types.VolumeConfig // volumes planBindMounts adds for host directories on EFS
}

// listenerRef ties a listener resource to its service for Result.Listeners.
type listenerRef struct {
	id      string
	service string
}

var projectNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$`)

func newRenderer(project *types.Project, opts Options) (*renderer, error) {
	name := opts.ProjectName
	if name == "" {
		name = project.Name
	}
	if !projectNamePattern.MatchString(name) {
		return nil, fmt.Errorf("project name %q: it names the cluster and the <project>.local DNS namespace, so use 1 to 63 letters, digits and '-', starting with a letter or digit; set such a name with the compose file's top-level name: or spec.compose.projectName (with the CLI, --project-name)", name)
	}
	r := &renderer{
		project:       project,
		opts:          opts,
		name:          name,
		tpl:           cloudformation.NewTemplate(),
		in:            newIntrinsics(),
		plans:         map[string]*servicePlan{},
		securityGroup: map[string]string{},
		createdGroups: map[string]bool{},
	}
	r.tpl.Description = fmt.Sprintf("Docker Compose project %s on Amazon ECS, rendered by composestack", name)
	names := make([]string, 0, len(project.Services))
	for n := range project.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	// A ServiceConfig is over a kilobyte: grown by appends, the slice cost more than its final size again.
	r.services = make([]types.ServiceConfig, 0, len(names))
	for _, n := range names {
		svc := project.Services[n]
		svc.Name = n
		r.services = append(r.services, svc)
	}
	if len(r.services) == 0 {
		return nil, errors.New("services: the project has no enabled service to deploy; add one or check its profiles")
	}
	for _, group := range []struct {
		kind string
		keys []string
	}{
		{"services", names},
		{"networks", slices.Sorted(maps.Keys(project.Networks))},
		{"volumes", slices.Sorted(maps.Keys(project.Volumes))},
		{"secrets", slices.Sorted(maps.Keys(project.Secrets))},
	} {
		if err := checkNormalizedNames(group.kind, group.keys); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// warnf records that a compose field was ignored; path names the field, e.g. services.web.privileged.
func (r *renderer) warnf(path, format string, args ...any) {
	r.warnings = append(r.warnings, path+": "+fmt.Sprintf(format, args...))
}

func (r *renderer) projectTags() []tags.Tag {
	return []tags.Tag{{Key: "com.docker.compose.project", Value: r.name}}
}

// TagComposeService is the tag on the resources of one compose service, as Docker Compose for ECS wrote it; the
// diagram groups resources by it.
const TagComposeService = "com.docker.compose.service"

func (r *renderer) serviceTags(svc string) []tags.Tag {
	return append(r.projectTags(), tags.Tag{Key: TagComposeService, Value: svc})
}
