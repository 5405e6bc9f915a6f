package network

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// Defaults for the zero values of Input, the same as the ComposeNetwork API's.
const (
	DefaultCIDR  = "10.0.0.0/16"
	DefaultZones = 2
	DefaultNAT   = csv1.NATSingle
)

// Input is what the network template is made from.
type Input struct {
	// StackName is the CloudFormation stack's name; the exports and Name tags start with it.
	StackName string
	// Region is the stack's region, named in the template's description; "" leaves it out. The template
	// itself finds its zones and endpoint services with Fn::GetAZs and AWS::Region.
	Region string
	// CIDR is the VPC's IPv4 range; "" is DefaultCIDR. Each subnet takes an equal part of it.
	CIDR string
	// Zones is 2 or 3; 0 is DefaultZones.
	Zones int
	// NAT is how private subnets reach the internet; "" is DefaultNAT.
	NAT csv1.NATMode
	// Endpoints are the VPC endpoints to create.
	Endpoints []csv1.VPCEndpoint
	// Tags go on every resource that takes tags, after its Name tag; a "Name" key here is ignored, since
	// every resource gets its own.
	Tags map[string]string
}

// InputFor builds the Input of a ComposeNetwork's spec, for the stack stackName in region.
func InputFor(spec csv1.ComposeNetworkSpec, stackName, region string) Input {
	return Input{
		StackName: stackName,
		Region:    region,
		CIDR:      spec.CIDR,
		Zones:     int(spec.Zones),
		NAT:       spec.NAT,
		Endpoints: spec.Endpoints,
		Tags:      spec.Stack.Tags,
	}
}

// The largest subnet prefix AWS allows (/28, 16 addresses) and the VPC prefixes it allows.
const (
	maxSubnetPrefix = 28
	minVPCPrefix    = 16
)

var stackNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// checked is an Input with defaults applied and every field validated.
type checked struct {
	Input
	vpc     netip.Prefix
	subnets []netip.Prefix // public subnets by zone, then private subnets by zone
}

func (in Input) check() (*checked, error) {
	c := &checked{Input: in}
	if !stackNamePattern.MatchString(in.StackName) {
		return nil, fmt.Errorf("spec.stack.name %q: a CloudFormation stack name is 1 to 128 letters, digits and '-', starting with a letter", in.StackName)
	}
	if c.CIDR == "" {
		c.CIDR = DefaultCIDR
	}
	if c.Zones == 0 {
		c.Zones = DefaultZones
	}
	if c.NAT == "" {
		c.NAT = DefaultNAT
	}
	if c.Zones != 2 && c.Zones != 3 {
		return nil, fmt.Errorf("spec.zones: %d; a network spans 2 or 3 Availability Zones", c.Zones)
	}
	switch c.NAT {
	case csv1.NATSingle, csv1.NATPerZone, csv1.NATNone:
	default:
		return nil, fmt.Errorf("spec.nat %q: use Single, PerZone or None", c.NAT)
	}
	for i, e := range c.Endpoints {
		if _, ok := endpoints[e]; !ok {
			return nil, fmt.Errorf("spec.endpoints[%d] %q: use one of %s", i, e, strings.Join(EndpointNames(), ", "))
		}
		if slices.Contains(c.Endpoints[:i], e) {
			return nil, fmt.Errorf("spec.endpoints[%d] %q: listed twice; list each endpoint once", i, e)
		}
	}
	vpc, err := netip.ParsePrefix(c.CIDR)
	if err != nil || !vpc.Addr().Is4() {
		return nil, fmt.Errorf("spec.cidr %q: write an IPv4 range such as %s", c.CIDR, DefaultCIDR)
	}
	if vpc.Masked() != vpc {
		return nil, fmt.Errorf("spec.cidr %q: the address has bits set beyond the /%d prefix; write %s", c.CIDR, vpc.Bits(), vpc.Masked())
	}
	if vpc.Bits() < minVPCPrefix {
		return nil, fmt.Errorf("spec.cidr %q: a VPC range is /%d to /%d; use a longer prefix such as %s/%d", c.CIDR, minVPCPrefix, maxSubnetPrefix, vpc.Addr(), minVPCPrefix)
	}
	c.vpc = vpc
	count := 2 * c.Zones
	bits := 0
	for 1<<bits < count {
		bits++
	}
	if vpc.Bits()+bits > maxSubnetPrefix {
		return nil, fmt.Errorf("spec.cidr %q: too small for %d subnets (a public and a private one in each of %d zones): each would be /%d, and an AWS subnet is at least /%d; use /%d or a shorter prefix", c.CIDR, count, c.Zones, vpc.Bits()+bits, maxSubnetPrefix, maxSubnetPrefix-bits)
	}
	c.subnets = splitPrefix(vpc, bits, count)
	return c, nil
}

// splitPrefix returns the first count of the 2^bits equal parts of p, in address order.
func splitPrefix(p netip.Prefix, bits, count int) []netip.Prefix {
	size := uint32(1) << (32 - p.Bits() - bits)
	base := p.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	out := make([]netip.Prefix, count)
	for i := range out {
		a := start + uint32(i)*size
		out[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), p.Bits()+bits)
	}
	return out
}
