package render

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// normalizeName turns a compose name into the prefix of a CloudFormation logical ID the way Docker's converter did:
// every character outside [A-Za-z0-9] is dropped and the first letter is upper-cased ("front-tier" -> "Fronttier").
// Existing overlays address resources by these IDs, so the rule must not change.
func normalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" {
		return ""
	}
	return strings.ToUpper(out[:1]) + out[1:]
}

// checkNormalizedNames fails when two names of one kind map to the same logical-ID prefix (or to none), since the
// second would silently overwrite the first resource.
func checkNormalizedNames(kind string, names []string) error {
	seen := make(map[string]string, len(names))
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		id := normalizeName(n)
		if id == "" {
			return fmt.Errorf("%s.%s: the name has no letters or digits, so it cannot name CloudFormation resources; rename it", kind, n)
		}
		if other, ok := seen[id]; ok {
			return fmt.Errorf("%s.%s and %s.%s both become the CloudFormation logical ID prefix %q; rename one of them", kind, other, kind, n, id)
		}
		seen[id] = n
	}
	return nil
}

// Logical IDs, named as Docker's converter named them.
const (
	clusterID       = "Cluster"
	logGroupID      = "LogGroup"
	cloudMapID      = "CloudMap"
	loadBalancerID  = "LoadBalancer"
	vpcParamID      = "VPC"
	subnetsParamID  = "Subnets"
	gpuAMIParamID   = "GPUAMI"
	capacityProvID  = "CapacityProvider"
	asgID           = "AutoscalingGroup"
	launchTemplID   = "LaunchTemplate"
	instanceProfID  = "EC2InstanceProfile"
	instanceRoleID  = "EC2InstanceRole"
	cpAssociationID = "ClusterCapacityProviderAssociations"
)

func serviceID(svc string) string        { return normalizeName(svc) + "Service" }
func taskDefinitionID(svc string) string { return normalizeName(svc) + "TaskDefinition" }
func executionRoleID(svc string) string  { return normalizeName(svc) + "TaskExecutionRole" }
func taskRoleID(svc string) string       { return normalizeName(svc) + "TaskRole" }
func discoveryID(svc string) string      { return normalizeName(svc) + "ServiceDiscoveryEntry" }
func networkID(net string) string        { return normalizeName(net) + "Network" }
func networkIngressID(net string) string { return normalizeName(net) + "NetworkIngress" }
func filesystemID(vol string) string     { return normalizeName(vol) + "Filesystem" }
func accessPointID(vol string) string    { return normalizeName(vol) + "AccessPoint" }
func scalableTargetID(svc string) string { return normalizeName(svc) + "ScalableTarget" }
func scalingPolicyID(svc string) string  { return normalizeName(svc) + "ScalingPolicy" }
func sensitiveEnvSecretID(svc string) string {
	return normalizeName(svc) + "SensitiveEnvironmentSecret"
}
func sensitiveEnvParamID(svc string) string { return normalizeName(svc) + "SensitiveEnvironment" }
func secretID(name string) string           { return normalizeName(name) + "Secret" }
func secretParamID(name string) string      { return normalizeName(name) + "SecretContent" }
func portIngressID(net string, port uint32) string {
	return fmt.Sprintf("%s%dIngress", normalizeName(net), port)
}
func targetGroupID(svc, proto string, port uint32) string {
	return fmt.Sprintf("%s%s%dTargetGroup", normalizeName(svc), strings.ToUpper(proto), port)
}
func listenerID(svc, proto string, port uint32) string {
	return fmt.Sprintf("%s%s%dListener", normalizeName(svc), strings.ToUpper(proto), port)
}
func mountTargetID(vol, subnet string) string {
	return normalizeName(vol) + "NFSMountTargetOn" + normalizeName(subnet)
}
func outputServiceName(svc string) string { return normalizeName(svc) + "ServiceName" }

// containerName is the ECS name of a service's container and the suffix of its task family: the service name with
// every character ECS does not accept (anything but letters, digits, '-' and '_') replaced by '_'. Docker used the
// raw name, which ECS refused for names such as "data.store".
func containerName(svc string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return r
		}
		return '_'
	}, svc)
}
