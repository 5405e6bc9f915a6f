package cfnlocal

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// evalContextLocked builds the evaluation context for a stack with the given
// parameters and resources; the caller holds mu for as long as it is used.
func (s *Server) evalContextLocked(st *stack, t *template, params []paramValue, resources map[string]*resourceState, lenient bool) *evalContext {
	pm := make(map[string]paramValue, len(params))
	for _, p := range params {
		pm[p.Key] = p
	}
	return &evalContext{
		Region: s.opts.Region, AccountID: s.opts.AccountID, StackName: st.Name, StackID: st.ID,
		Params: pm, Mappings: t.Mappings,
		Resource: func(id string) (*resourceState, bool) {
			r, ok := resources[id]
			if !ok || r.PhysicalID == "" || r.Status == "DELETE_COMPLETE" {
				return nil, false
			}
			return r, true
		},
		Import: func(name string) (string, bool) {
			e, ok := s.exports[name]
			return e.Value, ok
		},
		Imports: map[string]bool{},
		Lenient: lenient,
	}
}

// activeResources lists the logical IDs whose Condition holds.
func activeResources(t *template, ec *evalContext) map[string]bool {
	out := map[string]bool{}
	for id, rd := range t.Resources {
		if rd.Condition == "" || ec.Conditions[rd.Condition] {
			out[id] = true
		}
	}
	return out
}

// evalProps resolves a resource's properties.
func evalProps(ec *evalContext, rd resourceDef) (map[string]any, error) {
	if rd.Properties == nil {
		return map[string]any{}, nil
	}
	v, err := ec.eval(rd.Properties)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// computeOutputsLocked evaluates the Outputs section and checks that its
// exports are not taken by another stack.
func (s *Server) computeOutputsLocked(st *stack, ec *evalContext) ([]output, error) {
	var outs []output
	for _, key := range slices.Sorted(maps.Keys(st.Template.Outputs)) {
		od := st.Template.Outputs[key]
		if od.Condition != "" && !ec.Conditions[od.Condition] {
			continue
		}
		v, err := ec.eval(od.Value)
		if err != nil {
			return nil, err
		}
		o := output{Key: key, Description: od.Description, Value: outputString(v)}
		if od.ExportName != nil {
			ev, err := ec.eval(od.ExportName)
			if err != nil {
				return nil, err
			}
			o.ExportName = scalarString(ev)
			if e, taken := s.exports[o.ExportName]; taken && e.StackID != st.ID {
				return nil, fmt.Errorf("Export with name %s is already exported by stack %s", o.ExportName, e.StackName)
			}
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// publishOutputsLocked replaces the stack's outputs and exports.
func (s *Server) publishOutputsLocked(st *stack, outs []output) {
	for name, e := range s.exports {
		if e.StackID == st.ID {
			delete(s.exports, name)
		}
	}
	st.Outputs = outs
	for _, o := range outs {
		if o.ExportName != "" {
			s.exports[o.ExportName] = exportEntry{StackID: st.ID, StackName: st.Name, Value: o.Value}
		}
	}
}

func outputString(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = scalarString(e)
		}
		return strings.Join(parts, ",")
	}
	return scalarString(v)
}

// replacementProps lists, per type this project renders, the properties whose change makes CloudFormation
// create a new physical resource, as each property's "Update requires: Replacement" in the CloudFormation
// resource reference says; "*" means any property but those in updatableProps.
var replacementProps = map[string][]string{
	"AWS::ECS::Cluster":                             {"ClusterName"},
	"AWS::ECS::TaskDefinition":                      {"*"},
	"AWS::ECS::Service":                             {"ServiceName", "Cluster", "LaunchType", "SchedulingStrategy", "Role", "DeploymentController"},
	"AWS::ECS::CapacityProvider":                    {"Name", "AutoScalingGroupProvider.AutoScalingGroupArn"},
	"AWS::ECS::ClusterCapacityProviderAssociations": {"Cluster"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer":     {"Name", "Scheme", "Type"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":      {"Name", "Port", "Protocol", "ProtocolVersion", "TargetType", "VpcId", "IpAddressType"},
	"AWS::ElasticLoadBalancingV2::Listener":         {"LoadBalancerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerRule":     {"ListenerArn"},
	"AWS::EC2::SecurityGroup":                       {"GroupName", "GroupDescription", "VpcId"},
	"AWS::EC2::SecurityGroupIngress":                {"*"},
	"AWS::EC2::SecurityGroupEgress":                 {"*"},
	"AWS::EC2::VPC":                                 {"CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength"},
	"AWS::EC2::Subnet":                              {"AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Ipv6Native", "OutpostArn", "VpcId"},
	"AWS::EC2::VPCGatewayAttachment":                {"VpcId"},
	"AWS::EC2::RouteTable":                          {"VpcId"},
	"AWS::EC2::Route":                               {"RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"},
	"AWS::EC2::SubnetRouteTableAssociation":         {"SubnetId", "RouteTableId"},
	"AWS::EC2::EIP":                                 {"Domain", "NetworkBorderGroup", "PublicIpv4Pool", "TransferAddress"},
	"AWS::EC2::NatGateway":                          {"AllocationId", "ConnectivityType", "PrivateIpAddress", "SubnetId"},
	"AWS::EC2::VPCEndpoint":                         {"ServiceName", "VpcEndpointType", "VpcId"},
	"AWS::EC2::LaunchTemplate":                      {"LaunchTemplateName"},
	"AWS::AutoScaling::AutoScalingGroup":            {"AutoScalingGroupName", "InstanceId"},
	"AWS::Logs::LogGroup":                           {"LogGroupName"},
	"AWS::IAM::Role":                                {"RoleName", "Path"},
	"AWS::IAM::InstanceProfile":                     {"InstanceProfileName", "Path"},
	"AWS::EFS::FileSystem":                          {"Encrypted", "KmsKeyId", "PerformanceMode", "AvailabilityZoneName"},
	"AWS::EFS::MountTarget":                         {"FileSystemId", "SubnetId", "IpAddress"},
	"AWS::EFS::AccessPoint":                         {"FileSystemId", "PosixUser", "RootDirectory", "ClientToken"},
	"AWS::ServiceDiscovery::PrivateDnsNamespace":    {"Name", "Vpc"},
	"AWS::ServiceDiscovery::Service":                {"Name", "NamespaceId", "HealthCheckCustomConfig", "Type"},
	"AWS::Route53::RecordSet":                       {"Name", "HostedZoneId", "HostedZoneName"},
	"AWS::SecretsManager::Secret":                   {"Name"},
	"AWS::ApplicationAutoScaling::ScalableTarget":   {"ResourceId", "ScalableDimension", "ServiceNamespace"},
	"AWS::ApplicationAutoScaling::ScalingPolicy":    {"PolicyName", "ResourceId", "ScalableDimension", "ServiceNamespace", "ScalingTargetId"},
	"AWS::S3::Bucket":                               {"BucketName"},
}

// updatableProps are, for types whose entry in replacementProps is "*", the properties updated in place: a
// task definition's tags and a rule's description.
var updatableProps = map[string][]string{
	"AWS::ECS::TaskDefinition":       {"Tags"},
	"AWS::EC2::SecurityGroupIngress": {"Description"},
	"AWS::EC2::SecurityGroupEgress":  {"Description"},
}

// needsReplacement reports whether changing oldProps to newProps replaces
// the resource.
func needsReplacement(typ string, oldProps, newProps map[string]any) bool {
	return len(replacingProps(typ, oldProps, newProps)) > 0
}

// replacingProps lists the properties whose change from oldProps to newProps
// replaces the resource. A dotted name is a property of a property.
func replacingProps(typ string, oldProps, newProps map[string]any) []string {
	var out []string
	for _, p := range replacementProps[typ] {
		if p == "*" {
			keep := updatableProps[typ]
			for _, k := range slices.Sorted(maps.Keys(withoutProps(newProps, keep))) {
				if !reflect.DeepEqual(oldProps[k], newProps[k]) {
					out = append(out, k)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(withoutProps(oldProps, keep))) {
				if _, still := newProps[k]; !still {
					out = append(out, k)
				}
			}
			return out
		}
		if !reflect.DeepEqual(propPath(oldProps, p), propPath(newProps, p)) {
			out = append(out, p)
		}
	}
	return out
}

// replacement is what a change set says of a modified resource: True when a
// property whose change replaces it changes to a known value, Conditional
// when those that change are all still unknown, False when none changes.
func replacement(typ string, oldProps, newProps map[string]any) string {
	props := replacingProps(typ, oldProps, newProps)
	if len(props) == 0 {
		return "False"
	}
	for _, p := range props {
		if _, pending := firstUnresolved(propPath(newProps, p)); !pending {
			return "True"
		}
	}
	return "Conditional"
}

// withoutProps is props less the named keys.
func withoutProps(props map[string]any, keys []string) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

// propPath reads a dotted property path; nil when a step is missing.
func propPath(props map[string]any, path string) any {
	var v any = props
	for _, step := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[step]
	}
	return v
}

// deletionOrder returns the stack's resources in reverse dependency order:
// dependents first. Resources the template no longer knows go first. A
// stack that has no template (REVIEW_IN_PROGRESS: its CREATE change set was
// never executed) has no resources either.
func deletionOrder(st *stack) []string {
	if st.Template == nil {
		return slices.Sorted(maps.Keys(st.Resources))
	}
	var out []string
	seen := map[string]bool{}
	var orphans []string
	for id := range st.Resources {
		if _, ok := st.Template.Resources[id]; !ok {
			orphans = append(orphans, id)
		}
	}
	sort.Strings(orphans)
	out = append(out, orphans...)
	for _, id := range orphans {
		seen[id] = true
	}
	active := map[string]bool{}
	for id := range st.Resources {
		if !seen[id] {
			active[id] = true
		}
	}
	waves, err := st.Template.order(active)
	if err != nil {
		// The template was validated on submission, so a cycle cannot occur;
		// fall back to name order rather than leave resources behind.
		return append(out, slices.Sorted(maps.Keys(active))...)
	}
	for i := len(waves) - 1; i >= 0; i-- {
		w := waves[i]
		for j := len(w) - 1; j >= 0; j-- {
			out = append(out, w[j])
		}
	}
	return out
}
