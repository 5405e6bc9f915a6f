package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	"github.com/awslabs/goformation/v7/cloudformation/tags"
	"k8s.io/utils/ptr"
)

// addSecurityGroups makes one security group per compose network, as Docker did: members of a network reach each
// other on every port. External networks name an existing security group, which the template never changes.
func (r *renderer) addSecurityGroups() error {
	for _, name := range slices.Sorted(maps.Keys(r.project.Networks)) {
		net := r.project.Networks[name]
		at := "networks." + name
		external := bool(net.External)
		groupName := net.Name
		if v, ok := net.Extensions[xSecurityGroup]; ok {
			s, isString := v.(string)
			if !isString || s == "" {
				return wrongType(at+"."+xSecurityGroup, "a security group ID (sg-...)", v)
			}
			r.warnf(at+"."+xSecurityGroup, "deprecated; write external: true and name: %s instead", s)
			external, groupName = true, s
		}
		if net.Driver != "" {
			r.warnf(at+".driver", "networks are security groups on ECS; the field is ignored")
		}
		if len(net.DriverOpts) > 0 {
			r.warnf(at+".driver_opts", "networks are security groups on ECS; the field is ignored")
		}
		if net.Ipam.Driver != "" || len(net.Ipam.Config) > 0 {
			r.warnf(at+".ipam", "tasks get addresses from their subnets; the field is ignored")
		}
		if net.Internal {
			r.warnf(at+".internal", "reachability is decided by published ports and the ingress CIDR; the field is ignored")
		}
		if net.Attachable {
			r.warnf(at+".attachable", "networks are security groups on ECS; the field is ignored")
		}
		if len(net.Labels) > 0 {
			r.warnf(at+".labels", "security groups carry the compose project and network tags only; the field is ignored")
		}
		if net.EnableIPv6 != nil && *net.EnableIPv6 {
			r.warnf(at+".enable_ipv6", "tasks use the addressing of their subnets; the field is ignored")
		}
		if external {
			if !strings.HasPrefix(groupName, "sg-") {
				return fmt.Errorf("%s: an external network must name an existing security group (name: sg-...), got %q", at, groupName)
			}
			r.securityGroup[name] = groupName
			continue
		}
		id := networkID(name)
		r.tpl.Resources[id] = &ec2.SecurityGroup{
			GroupDescription: fmt.Sprintf("%s Security Group for %s network", r.name, name),
			VpcId:            ptr.To(r.vpc),
			Tags:             append(r.projectTags(), tags.Tag{Key: "com.docker.compose.network", Value: networkTagValue(r.name, name, net.Name)}),
		}
		r.tpl.Resources[networkIngressID(name)] = &ec2.SecurityGroupIngress{
			Description:           ptr.To("Allow communication within network " + name),
			IpProtocol:            "-1",
			GroupId:               ptr.To(r.in.ref(id)),
			SourceSecurityGroupId: ptr.To(r.in.ref(id)),
		}
		r.securityGroup[name] = r.in.ref(id)
		r.createdGroups[name] = true
	}
	return nil
}

// addPortIngress opens a port of a network's security group to the ingress CIDR. Only groups the template
// creates are opened: an external security group stays as its owner configured it.
func (r *renderer) addPortIngress(svc, network string, port uint32, proto string) {
	if !r.createdGroups[network] {
		return
	}
	id := portIngressID(network, port)
	if existing, ok := r.tpl.Resources[id].(*ec2.SecurityGroupIngress); ok {
		if existing.IpProtocol == ipProtocol(proto) {
			return // another service already opened this port on this network
		}
		// Docker's ID has no protocol; the second protocol on one port gets its own rule.
		id = fmt.Sprintf("%s%d%sIngress", normalizeName(network), port, strings.ToUpper(proto))
	}
	cidr := r.opts.Network.IngressCIDR
	if cidr == "" {
		cidr = "0.0.0.0/0"
	}
	r.tpl.Resources[id] = &ec2.SecurityGroupIngress{
		CidrIp:      ptr.To(cidr),
		Description: ptr.To(fmt.Sprintf("%s:%d/%s on %s network", svc, port, proto, network)),
		GroupId:     ptr.To(r.securityGroup[network]),
		FromPort:    ptr.To(int(port)),
		ToPort:      ptr.To(int(port)),
		IpProtocol:  ipProtocol(proto),
	}
}

// ipProtocol spells a port protocol as Docker's rules had it, upper case. EC2 reads either case the same, but any
// change to a standalone ingress rule replaces it, and the replacement duplicates the live rule, which EC2 refuses.
func ipProtocol(proto string) string {
	return strings.ToUpper(proto)
}

// networkTagValue is the com.docker.compose.network tag: the network's full name, <project>_<network> unless the
// compose file names it, as Docker tagged its security groups.
func networkTagValue(project, network, fullName string) string {
	if fullName != "" {
		return fullName
	}
	return project + "_" + network
}
