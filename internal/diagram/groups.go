package diagram

import (
	"sort"
	"strings"

	"github.com/composestack/composestack/internal/render"
)

// GroupKind is what a group of resources is for. The constants are in drawing order.
type GroupKind string

// The groups of a diagram.
const (
	NetworkGroup      GroupKind = "network and security groups"
	LoadBalancerGroup GroupKind = "load balancer"
	ServiceGroup      GroupKind = "service" // one per compose service
	StorageGroup      GroupKind = "storage"
	SecretsGroup      GroupKind = "secrets"
	ClusterGroup      GroupKind = "cluster"
	ParameterGroup    GroupKind = "parameters"
	OtherGroup        GroupKind = "other"
)

var groupOrder = []GroupKind{NetworkGroup, LoadBalancerGroup, ServiceGroup, StorageGroup, SecretsGroup, ClusterGroup, ParameterGroup, OtherGroup}

// typeGroups places resources by type prefix, before their service tag: a target group belongs with its load
// balancer, a service's secret with the other secrets. The longest matching prefix wins.
var typeGroups = map[string]GroupKind{
	"AWS::EC2::": NetworkGroup,
	"AWS::ServiceDiscovery::PrivateDnsNamespace": NetworkGroup,
	"AWS::ServiceDiscovery::PublicDnsNamespace":  NetworkGroup,
	"AWS::Route53::":                NetworkGroup,
	"AWS::ElasticLoadBalancingV2::": LoadBalancerGroup,
	"AWS::CertificateManager::":     LoadBalancerGroup,
	"AWS::EFS::":                    StorageGroup,
	"AWS::S3::":                     StorageGroup,
	"AWS::SecretsManager::":         SecretsGroup,
	"AWS::ECS::Cluster":             ClusterGroup,
	"AWS::ECS::CapacityProvider":    ClusterGroup,
	"AWS::AutoScaling::":            ClusterGroup,
	"AWS::EC2::LaunchTemplate":      ClusterGroup,
	"AWS::IAM::InstanceProfile":     ClusterGroup,
	"AWS::Logs::":                   ClusterGroup,
}

// resource is what grouping needs to know of a template resource.
type resource struct {
	id, typ string
	service string // its compose service tag, if any
}

// groupNodes sorts resources and parameters into groups. A resource not placed by its type goes to the service
// its tag names, else to the service whose logical-ID prefix it starts with (Application Auto Scaling resources
// carry no tags), else to the other group.
func groupNodes(resources []resource, parameters []string) []Group {
	// The prefix of each service's logical IDs, from its ECS service: "AuthService" is service auth's.
	prefixes := map[string]string{}
	for _, r := range resources {
		if r.typ == "AWS::ECS::Service" && strings.HasSuffix(r.id, "Service") {
			name := r.service
			if name == "" {
				name = strings.TrimSuffix(r.id, "Service")
			}
			prefixes[strings.TrimSuffix(r.id, "Service")] = name
		}
	}

	type key struct {
		kind GroupKind
		name string
	}
	members := map[key][]Node{}
	for _, r := range resources {
		k := key{kind: typeGroup(r.typ)}
		if k.kind == "" {
			k.kind, k.name = ServiceGroup, r.service
			if k.name == "" {
				k.name = longestPrefix(prefixes, r.id)
			}
			if k.name == "" {
				k.kind = OtherGroup
			}
		}
		members[k] = append(members[k], Node{ID: r.id, Type: r.typ})
	}
	for _, p := range parameters {
		k := key{kind: ParameterGroup}
		members[k] = append(members[k], Node{ID: p, Type: "Parameter"})
	}

	var groups []Group
	for k, nodes := range members {
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
		groups = append(groups, Group{Kind: k.kind, Name: k.name, Nodes: nodes})
	}
	rank := map[GroupKind]int{}
	for i, k := range groupOrder {
		rank[k] = i
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].Kind != groups[j].Kind {
			return rank[groups[i].Kind] < rank[groups[j].Kind]
		}
		return groups[i].Name < groups[j].Name
	})
	return groups
}

// typeGroup returns the group a resource type belongs to whatever its tags, or "".
func typeGroup(typ string) GroupKind {
	best, kind := 0, GroupKind("")
	for prefix, k := range typeGroups {
		if strings.HasPrefix(typ, prefix) && len(prefix) > best {
			best, kind = len(prefix), k
		}
	}
	return kind
}

// longestPrefix returns the service whose logical-ID prefix id starts with, the longest one if several do.
func longestPrefix(prefixes map[string]string, id string) string {
	best, name := 0, ""
	for prefix, svc := range prefixes {
		if strings.HasPrefix(id, prefix) && len(prefix) > best {
			best, name = len(prefix), svc
		}
	}
	return name
}

// serviceTag returns the compose service a resource's Tags name, or "".
func serviceTag(properties any) string {
	props, _ := properties.(map[string]any)
	tags, _ := props["Tags"].([]any)
	for _, t := range tags {
		if m, ok := t.(map[string]any); ok && m["Key"] == render.TagComposeService {
			s, _ := m["Value"].(string)
			return s
		}
	}
	return ""
}
