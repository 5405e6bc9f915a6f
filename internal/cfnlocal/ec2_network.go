package cfnlocal

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The EC2 network model: the default VPC and its subnets, plus the AWS::EC2::VPC and AWS::EC2::Subnet resources
// that live stacks created, so DescribeVpcs and DescribeSubnets show a network stack's VPC to the driver, and the
// checks of ec2_rules.go see what EC2 would.

// availabilityZones are the zones of region: what Fn::GetAZs lists, where the default subnets are, and the only
// zones a subnet may be created in.
func availabilityZones(region string) []string {
	return []string{region + "a", region + "b", region + "c"}
}

// zoneID is the AvailabilityZoneId of an availability zone, such as use1-az1 for us-east-1a.
func zoneID(region, az string) string {
	short := ""
	parts := strings.Split(region, "-")
	for i, p := range parts {
		switch {
		case i == 0 || i == len(parts)-1:
			short += p
		case p != "":
			short += p[:1]
		}
	}
	return fmt.Sprintf("%s-az%d", short, slices.Index(availabilityZones(region), az)+1)
}

// ec2VPC is a VPC as DescribeVpcs shows it.
type ec2VPC struct {
	ID, CIDR                string
	Default                 bool
	DNSSupport, DNSHostname bool
}

// vpcsLocked lists the default VPC and the VPCs of live stacks, sorted by ID after the default. The caller
// holds mu.
func (s *Server) vpcsLocked() []ec2VPC {
	out := []ec2VPC{{ID: defaultVPCID, CIDR: defaultVPCCIDR, Default: true, DNSSupport: true, DNSHostname: true}}
	for _, r := range s.liveLocked("AWS::EC2::VPC") {
		out = append(out, ec2VPC{
			ID: r.PhysicalID, CIDR: propString(r.Props, "CidrBlock"),
			// EC2's defaults for a new VPC: DNS support on, DNS hostnames off.
			DNSSupport:  propBool(r.Props, "EnableDnsSupport", true),
			DNSHostname: propBool(r.Props, "EnableDnsHostnames", false),
		})
	}
	return out
}

// subnetsLocked lists the default subnets and the subnets of live stacks, sorted by ID after the defaults. The
// caller holds mu.
func (s *Server) subnetsLocked() []ec2Subnet {
	out := s.defaultSubnets()
	for _, r := range s.liveLocked("AWS::EC2::Subnet") {
		out = append(out, ec2Subnet{
			ID: r.PhysicalID, VpcID: propString(r.Props, "VpcId"), AZ: propString(r.Props, "AvailabilityZone"),
			CIDR: propString(r.Props, "CidrBlock"), MapPublicIP: propBool(r.Props, "MapPublicIpOnLaunch", false),
		})
	}
	return out
}

func (s *Server) findVPCLocked(id string) (ec2VPC, bool) {
	for _, v := range s.vpcsLocked() {
		if v.ID == id {
			return v, true
		}
	}
	return ec2VPC{}, false
}

func (s *Server) findSubnetLocked(id string) (ec2Subnet, bool) {
	for _, sn := range s.subnetsLocked() {
		if sn.ID == id {
			return sn, true
		}
	}
	return ec2Subnet{}, false
}

// liveLocked lists the resources of type typ that exist in live stacks, sorted by physical ID. The caller holds mu.
func (s *Server) liveLocked(typ string) []*resourceState {
	var out []*resourceState
	for _, st := range s.stacks {
		for _, r := range st.Resources {
			if r.Type == typ && resourceExists(r) {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b *resourceState) int { return cmp.Compare(a.PhysicalID, b.PhysicalID) })
	return out
}

// propBool reads a boolean property, which a template may write as a string; def when absent.
func propBool(props map[string]any, key string, def bool) bool {
	switch v := props[key].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return def
}

// ec2Prefix parses an IPv4 CIDR as EC2 accepts it: canonical (no host bits) and no wider than /16 nor narrower
// than /28.
func ec2Prefix(cidr string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, p.Bits() >= 16 && p.Bits() <= 28
}

// eipAddress is the public address of an Elastic IP: its Ref, derived from h.
func eipAddress(h string) string {
	b := func(i int) int { return int(h[i])*7%250 + 1 }
	return fmt.Sprintf("3.%d.%d.%d", b(0), b(1), b(2))
}
