package network

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	"github.com/awslabs/goformation/v7/cloudformation/tags"
	"k8s.io/utils/ptr"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
)

// Logical IDs of the resources; per-zone ones end with Zone<n>. Outputs have the names ExportNames uses, which
// no resource takes.
const (
	vpcID            = "VPC"
	igwID            = "InternetGateway"
	igwAttachmentID  = "InternetGatewayAttachment"
	publicTableID    = "PublicRouteTable"
	publicRouteID    = "PublicDefaultRoute"
	endpointsGroupID = "EndpointSecurityGroup"
)

const (
	httpsPort         = 443 // what interface endpoints listen on
	routeToEverywhere = "0.0.0.0/0"
)

func zoneID(prefix string, n int) string { return prefix + "Zone" + strconv.Itoa(n) }

// Render returns the network template for in, as canonical JSON, or an error that names the spec field at fault.
func Render(in Input) ([]byte, error) {
	c, err := in.check()
	if err != nil {
		return nil, err
	}
	b := &builder{checked: c, tok: render.NewTokens(), tpl: cloudformation.NewTemplate()}
	b.build()
	return b.tok.Encode(b.tpl)
}

// builder holds the state of one Render call.
type builder struct {
	*checked
	tok *render.Tokens
	tpl *cloudformation.Template
}

func (b *builder) build() {
	desc := fmt.Sprintf("composestack network %s: VPC %s over %d Availability Zones, NAT %s", b.StackName, b.vpc, b.Zones, b.NAT)
	if b.Region != "" {
		desc += ", in " + b.Region
	}
	b.tpl.Description = desc
	res := b.tpl.Resources
	vpc := b.tok.Ref(vpcID)
	res[vpcID] = &ec2.VPC{
		CidrBlock: ptr.To(b.vpc.String()),
		// Cloud Map's private DNS namespaces and the endpoints' private DNS names need both.
		EnableDnsSupport:   ptr.To(true),
		EnableDnsHostnames: ptr.To(true),
		Tags:               b.tags(b.StackName),
	}
	res[igwID] = &ec2.InternetGateway{Tags: b.tags(b.StackName)}
	res[igwAttachmentID] = &ec2.VPCGatewayAttachment{VpcId: vpc, InternetGatewayId: ptr.To(b.tok.Ref(igwID))}
	res[publicTableID] = &ec2.RouteTable{VpcId: vpc, Tags: b.tags(b.StackName + "-public")}
	res[publicRouteID] = &ec2.Route{
		RouteTableId:         b.tok.Ref(publicTableID),
		DestinationCidrBlock: ptr.To(routeToEverywhere),
		GatewayId:            ptr.To(b.tok.Ref(igwID)),
		// EC2 refuses a route to a gateway that is not yet attached to the VPC.
		AWSCloudFormationDependsOn: []string{igwAttachmentID},
	}
	for n := 1; n <= b.Zones; n++ {
		b.zone(n)
	}
	b.endpoints()
	b.outputs()
}

// zone adds zone n's public and private subnets, the private route table and, as NAT asks, its NAT gateway.
func (b *builder) zone(n int) {
	res := b.tpl.Resources
	vpc := b.tok.Ref(vpcID)
	az := b.tok.SelectAZ(n - 1)
	public, private := zoneID("PublicSubnet", n), zoneID("PrivateSubnet", n)
	res[public] = &ec2.Subnet{
		VpcId:            vpc,
		CidrBlock:        ptr.To(b.subnets[n-1].String()),
		AvailabilityZone: ptr.To(az),
		// Load balancers and tasks ask for public addresses themselves; nothing else should get one unasked.
		MapPublicIpOnLaunch: ptr.To(false),
		Tags:                b.tags(fmt.Sprintf("%s-public-%d", b.StackName, n)),
	}
	res[public+"RouteTableAssociation"] = &ec2.SubnetRouteTableAssociation{
		SubnetId: b.tok.Ref(public), RouteTableId: b.tok.Ref(publicTableID),
	}
	res[private] = &ec2.Subnet{
		VpcId:               vpc,
		CidrBlock:           ptr.To(b.subnets[b.Zones+n-1].String()),
		AvailabilityZone:    ptr.To(az),
		MapPublicIpOnLaunch: ptr.To(false),
		Tags:                b.tags(fmt.Sprintf("%s-private-%d", b.StackName, n)),
	}
	table := zoneID("PrivateRouteTable", n)
	res[table] = &ec2.RouteTable{VpcId: vpc, Tags: b.tags(fmt.Sprintf("%s-private-%d", b.StackName, n))}
	res[private+"RouteTableAssociation"] = &ec2.SubnetRouteTableAssociation{
		SubnetId: b.tok.Ref(private), RouteTableId: b.tok.Ref(table),
	}
	var nat int // the zone whose NAT gateway this zone's private subnet uses; 0 for none
	switch b.NAT {
	case csv1.NATSingle:
		nat = 1
	case csv1.NATPerZone:
		nat = n
	}
	if nat == n {
		eip := zoneID("NatEIP", n)
		res[eip] = &ec2.EIP{
			Domain: ptr.To("vpc"),
			Tags:   b.tags(fmt.Sprintf("%s-nat-%d", b.StackName, n)),
			// An address for a VPC needs the VPC to have an internet gateway.
			AWSCloudFormationDependsOn: []string{igwAttachmentID},
		}
		res[zoneID("NatGateway", n)] = &ec2.NatGateway{
			AllocationId: ptr.To(b.tok.GetAtt(eip, "AllocationId")),
			SubnetId:     b.tok.Ref(public),
			Tags:         b.tags(fmt.Sprintf("%s-nat-%d", b.StackName, n)),
		}
	}
	if nat != 0 {
		res[zoneID("PrivateDefaultRoute", n)] = &ec2.Route{
			RouteTableId:         b.tok.Ref(table),
			DestinationCidrBlock: ptr.To(routeToEverywhere),
			NatGatewayId:         ptr.To(b.tok.Ref(zoneID("NatGateway", nat))),
		}
	}
}

// endpoints adds the VPC endpoints: interfaces in the private subnets behind a security group open to the VPC
// on HTTPS, and gateways on the private route tables.
func (b *builder) endpoints() {
	var subnets, tables []string
	for n := 1; n <= b.Zones; n++ {
		subnets = append(subnets, b.tok.Ref(zoneID("PrivateSubnet", n)))
		tables = append(tables, b.tok.Ref(zoneID("PrivateRouteTable", n)))
	}
	for _, name := range b.Endpoints {
		e := endpoints[name]
		ep := &ec2.VPCEndpoint{
			VpcId:           b.tok.Ref(vpcID),
			ServiceName:     b.tok.Sub("com.amazonaws.${AWS::Region}." + e.service),
			VpcEndpointType: ptr.To("Interface"),
		}
		if e.gateway {
			ep.VpcEndpointType = ptr.To("Gateway")
			ep.RouteTableIds = tables
		} else {
			ep.SubnetIds = subnets
			ep.SecurityGroupIds = []string{b.tok.GetAtt(endpointsGroupID, "GroupId")}
			// The service's usual name then resolves to the endpoint, so SDKs and the ECS agent use it unchanged.
			ep.PrivateDnsEnabled = ptr.To(true)
			b.endpointGroup()
		}
		b.tpl.Resources[e.id] = ep
	}
}

// endpointGroup adds, once, the security group of the interface endpoints.
func (b *builder) endpointGroup() {
	if _, ok := b.tpl.Resources[endpointsGroupID]; ok {
		return
	}
	b.tpl.Resources[endpointsGroupID] = &ec2.SecurityGroup{
		GroupDescription: "HTTPS from the VPC to its interface endpoints",
		VpcId:            ptr.To(b.tok.Ref(vpcID)),
		SecurityGroupIngress: []ec2.SecurityGroup_Ingress{{
			CidrIp:      ptr.To(b.vpc.String()),
			Description: ptr.To("HTTPS from the VPC"),
			IpProtocol:  "tcp",
			FromPort:    ptr.To(httpsPort),
			ToPort:      ptr.To(httpsPort),
		}},
		Tags: b.tags(b.StackName + "-endpoints"),
	}
}

// outputs adds the outputs and their exports, named by ExportNames.
func (b *builder) outputs() {
	names := ExportNames(b.StackName, b.Zones)
	b.tpl.Outputs[OutputVPC] = cloudformation.Output{
		Value:       b.tok.Ref(vpcID),
		Description: ptr.To("ID of the VPC"),
		Export:      &cloudformation.Export{Name: names.VPC},
	}
	for n := 1; n <= b.Zones; n++ {
		b.tpl.Outputs[PublicSubnetOutput(n)] = cloudformation.Output{
			Value:       b.tok.Ref(zoneID("PublicSubnet", n)),
			Description: ptr.To(fmt.Sprintf("ID of the public subnet in zone %d", n)),
			Export:      &cloudformation.Export{Name: names.PublicSubnets[n-1]},
		}
		b.tpl.Outputs[PrivateSubnetOutput(n)] = cloudformation.Output{
			Value:       b.tok.Ref(zoneID("PrivateSubnet", n)),
			Description: ptr.To(fmt.Sprintf("ID of the private subnet in zone %d", n)),
			Export:      &cloudformation.Export{Name: names.PrivateSubnets[n-1]},
		}
	}
}

// tags are a resource's Name tag and then Input.Tags, by key.
func (b *builder) tags(name string) []tags.Tag {
	out := []tags.Tag{{Key: "Name", Value: name}}
	for _, k := range slices.Sorted(maps.Keys(b.Tags)) {
		if k != "Name" {
			out = append(out, tags.Tag{Key: k, Value: b.Tags[k]})
		}
	}
	return out
}
