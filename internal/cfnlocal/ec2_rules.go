package cfnlocal

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ingressRule is what EC2 compares to call two ingress permissions the same: the group, the protocol as EC2
// stores it, the port range and the source.
type ingressRule struct {
	group, protocol, from, to, source string
}

// ingressRuleOf reads the rule an AWS::EC2::SecurityGroupIngress resource's properties describe.
func ingressRuleOf(props map[string]any) ingressRule {
	r := ingressRule{group: propString(props, "GroupId"), protocol: ipProtocolName(propString(props, "IpProtocol"))}
	if r.group == "" {
		r.group = propString(props, "GroupName")
	}
	if r.protocol != "-1" {
		// EC2 keeps no port range for all protocols.
		r.from, r.to = fmt.Sprint(props["FromPort"]), fmt.Sprint(props["ToPort"])
	}
	for _, k := range []string{"CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId"} {
		if v := propString(props, k); v != "" {
			r.source = v
			break
		}
	}
	return r
}

// ipProtocolName spells a protocol as EC2 stores it: names in lower case, the common numbers as names.
func ipProtocolName(p string) string {
	switch p = strings.ToLower(p); p {
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	case "all":
		return "-1"
	}
	return p
}

// duplicateIngressLocked is the failure EC2 returns when a new ingress rule, with props, duplicates a live one,
// as CloudFormation reports it; "" when none does. A replaced rule is created before the old one is deleted, so
// a replacement that keeps the permission (only its spelling changed) fails this way on AWS. The caller holds mu.
func (s *Server) duplicateIngressLocked(props map[string]any) string {
	want := ingressRuleOf(props)
	for _, st := range s.stacks {
		for _, r := range st.Resources {
			if r.Type != "AWS::EC2::SecurityGroupIngress" || r.PhysicalID == "" || r.Status == "DELETE_COMPLETE" {
				continue
			}
			if ingressRuleOf(r.Props) != want {
				continue
			}
			ports := "from port: " + want.from + ", to port: " + want.to
			if want.protocol == "-1" {
				ports = "ALL"
			}
			return ec2Refusal("InvalidPermission.Duplicate", "AlreadyExists", "the specified rule \\\"peer: %s, %s, %s, ALLOW\\\" already exists",
				want.source, strings.ToUpper(want.protocol), ports)
		}
	}
	return ""
}

// ec2Refusal is how CloudFormation reports an EC2 error from a resource handler: the message, EC2's error code,
// and the handler's error code.
func ec2Refusal(code, handlerCode, format string, args ...any) string {
	return serviceRefusal("Ec2", code, handlerCode, format, args...)
}

// serviceRefusal is ec2Refusal for any service.
func serviceRefusal(service, code, handlerCode, format string, args ...any) string {
	return fmt.Sprintf("Resource handler returned message: \"%s (Service: %s, Status Code: 400, Error Code: %s)\" (HandlerErrorCode: %s)",
		fmt.Sprintf(format, args...), service, code, handlerCode)
}

// createChecks are the checks EC2 makes before it creates a network resource, and those ECS, ELB and EFS make
// of the subnets they are given, by type; each returns the resource's failure reason, or "". They run with mu
// held, when the resource would be created.
var createChecks = map[string]func(s *Server, props map[string]any) string{
	"AWS::EC2::SecurityGroupIngress": (*Server).duplicateIngressLocked,
	"AWS::EC2::VPC":                  (*Server).vpcRefusalLocked,
	"AWS::EC2::Subnet":               (*Server).subnetRefusalLocked,
	"AWS::EC2::VPCGatewayAttachment": (*Server).attachmentRefusalLocked,
	"AWS::EC2::Route":                (*Server).routeRefusalLocked,
	"AWS::EC2::NatGateway":           (*Server).natRefusalLocked,
	"AWS::EC2::VPCEndpoint":          (*Server).endpointRefusalLocked,
	"AWS::EC2::RouteTable":           func(s *Server, p map[string]any) string { return s.vpcMissingLocked(propString(p, "VpcId")) },
	"AWS::EC2::SubnetRouteTableAssociation": func(s *Server, p map[string]any) string {
		if why := s.subnetMissingLocked(propString(p, "SubnetId")); why != "" {
			return why
		}
		return s.routeTableMissingLocked(propString(p, "RouteTableId"))
	},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": (*Server).loadBalancerSubnetsLocked,
	"AWS::ECS::Service":                         (*Server).serviceSubnetsLocked,
	"AWS::EFS::MountTarget":                     (*Server).mountTargetSubnetLocked,
}

// loadBalancerSubnetsLocked: a load balancer's subnets exist, one per zone, in one VPC.
func (s *Server) loadBalancerSubnetsLocked(props map[string]any) string {
	zones, vpc := map[string]bool{}, ""
	for _, id := range lbSubnetIDs(props) {
		sn, ok := s.findSubnetLocked(id)
		if !ok {
			return serviceRefusal("ElasticLoadBalancingV2", "SubnetNotFound", "NotFound", "The specified subnet does not exist.")
		}
		if zones[sn.AZ] {
			return serviceRefusal("ElasticLoadBalancingV2", "InvalidConfigurationRequest", "InvalidRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		if vpc != "" && sn.VpcID != vpc {
			return serviceRefusal("ElasticLoadBalancingV2", "InvalidConfigurationRequest", "InvalidRequest", "All subnets must belong to the same VPC: '%s'", vpc)
		}
		zones[sn.AZ], vpc = true, sn.VpcID
	}
	return ""
}

// serviceSubnetsLocked: the subnets of an awsvpc service exist.
func (s *Server) serviceSubnetsLocked(props map[string]any) string {
	for _, id := range propStrings("NetworkConfiguration", "AwsvpcConfiguration", "Subnets")(props) {
		if _, ok := s.findSubnetLocked(id); !ok {
			return serviceRefusal("Ecs", "InvalidParameterException", "InvalidRequest", "Error retrieving subnet information for [%s]: The subnet ID '%s' does not exist (ErrorCode: InvalidSubnetID.NotFound)", id, id)
		}
	}
	return ""
}

// mountTargetSubnetLocked: a mount target's subnet exists, and its file system has no other mount target in
// the subnet's zone.
func (s *Server) mountTargetSubnetLocked(props map[string]any) string {
	sn, ok := s.findSubnetLocked(propString(props, "SubnetId"))
	if !ok {
		return serviceRefusal("Efs", "SubnetNotFound", "NotFound", "The subnet ID '%s' does not exist", propString(props, "SubnetId"))
	}
	fs := propString(props, "FileSystemId")
	for _, other := range s.liveLocked("AWS::EFS::MountTarget") {
		if o, _ := s.findSubnetLocked(propString(other.Props, "SubnetId")); propString(other.Props, "FileSystemId") == fs && o.AZ == sn.AZ {
			return serviceRefusal("Efs", "MountTargetConflict", "AlreadyExists", "mount target already exists in this AZ")
		}
	}
	return ""
}

func (s *Server) vpcRefusalLocked(props map[string]any) string {
	cidr := propString(props, "CidrBlock")
	if _, ok := ec2Prefix(cidr); !ok {
		return ec2Refusal("InvalidVpc.Range", "InvalidRequest", "The CIDR '%s' is invalid.", cidr)
	}
	return ""
}

func (s *Server) vpcMissingLocked(id string) string {
	if _, ok := s.findVPCLocked(id); !ok {
		return ec2Refusal("InvalidVpcID.NotFound", "NotFound", "The vpc ID '%s' does not exist", id)
	}
	return ""
}

func (s *Server) subnetMissingLocked(id string) string {
	if _, ok := s.findSubnetLocked(id); !ok {
		return ec2Refusal("InvalidSubnetID.NotFound", "NotFound", "The subnet ID '%s' does not exist", id)
	}
	return ""
}

// routeTableLocked returns the live route table with physical ID id.
func (s *Server) routeTableLocked(id string) *resourceState {
	for _, r := range s.liveLocked("AWS::EC2::RouteTable") {
		if r.PhysicalID == id {
			return r
		}
	}
	return nil
}

func (s *Server) routeTableMissingLocked(id string) string {
	if s.routeTableLocked(id) == nil {
		return ec2Refusal("InvalidRouteTableID.NotFound", "NotFound", "The routeTable ID '%s' does not exist", id)
	}
	return ""
}

// subnetRefusalLocked: the subnet's VPC exists, its zone is one of the region's, and its range lies in the
// VPC's and overlaps no other subnet of the VPC.
func (s *Server) subnetRefusalLocked(props map[string]any) string {
	vpcID, cidr, az := propString(props, "VpcId"), propString(props, "CidrBlock"), propString(props, "AvailabilityZone")
	vpc, ok := s.findVPCLocked(vpcID)
	if !ok {
		return s.vpcMissingLocked(vpcID)
	}
	if zones := availabilityZones(s.opts.Region); az != "" && !slices.Contains(zones, az) {
		return ec2Refusal("InvalidParameterValue", "InvalidRequest",
			"Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.", az, strings.Join(zones, ", "))
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return ec2Refusal("InvalidParameterValue", "InvalidRequest", "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
	}
	outer, _ := ec2Prefix(vpc.CIDR)
	if _, ok := ec2Prefix(cidr); !ok || p.Bits() < outer.Bits() || !outer.Contains(p.Addr()) {
		return ec2Refusal("InvalidSubnet.Range", "InvalidRequest", "The CIDR '%s' is invalid.", cidr)
	}
	for _, other := range s.subnetsLocked() {
		if q, err := netip.ParsePrefix(other.CIDR); err == nil && other.VpcID == vpcID && q.Overlaps(p) {
			return ec2Refusal("InvalidSubnet.Conflict", "AlreadyExists", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	return ""
}

// attachedLocked returns the VPC the internet gateway igw is attached to, or "".
func (s *Server) attachedLocked(igw string) string {
	for _, a := range s.liveLocked("AWS::EC2::VPCGatewayAttachment") {
		if propString(a.Props, "InternetGatewayId") == igw {
			return propString(a.Props, "VpcId")
		}
	}
	return ""
}

// hasInternetGatewayLocked reports whether an internet gateway is attached to vpc.
func (s *Server) hasInternetGatewayLocked(vpc string) bool {
	for _, a := range s.liveLocked("AWS::EC2::VPCGatewayAttachment") {
		if propString(a.Props, "VpcId") == vpc && propString(a.Props, "InternetGatewayId") != "" {
			return true
		}
	}
	return false
}

func (s *Server) attachmentRefusalLocked(props map[string]any) string {
	vpc, igw := propString(props, "VpcId"), propString(props, "InternetGatewayId")
	if why := s.vpcMissingLocked(vpc); why != "" {
		return why
	}
	if igw == "" {
		return ""
	}
	if !slices.ContainsFunc(s.liveLocked("AWS::EC2::InternetGateway"), func(r *resourceState) bool { return r.PhysicalID == igw }) {
		return ec2Refusal("InvalidInternetGatewayID.NotFound", "NotFound", "The internetGateway ID '%s' does not exist", igw)
	}
	if other := s.attachedLocked(igw); other != "" {
		return ec2Refusal("Resource.AlreadyAssociated", "AlreadyExists", "resource %s is already attached to network %s", igw, other)
	}
	return ""
}

// routeRefusalLocked: the route table exists, has no route to the destination yet, and its target is in the
// table's VPC; an internet gateway must be attached to it, which is why templates make such routes depend on
// the attachment.
func (s *Server) routeRefusalLocked(props map[string]any) string {
	tableID := propString(props, "RouteTableId")
	table := s.routeTableLocked(tableID)
	if table == nil {
		return s.routeTableMissingLocked(tableID)
	}
	vpc := propString(table.Props, "VpcId")
	dest := propString(props, "DestinationCidrBlock")
	for _, r := range s.liveLocked("AWS::EC2::Route") {
		if propString(r.Props, "RouteTableId") == tableID && propString(r.Props, "DestinationCidrBlock") == dest && dest != "" {
			return ec2Refusal("RouteAlreadyExists", "AlreadyExists", "The route identified by %s already exists.", dest)
		}
	}
	if gw := propString(props, "GatewayId"); strings.HasPrefix(gw, "igw-") && s.attachedLocked(gw) != vpc {
		return ec2Refusal("InvalidParameterValue", "InvalidRequest", "route table %s and network gateway %s belong to different networks", tableID, gw)
	}
	if nat := propString(props, "NatGatewayId"); nat != "" {
		gw := s.natGatewayLocked(nat)
		if gw == nil {
			return ec2Refusal("InvalidNatGatewayID.NotFound", "NotFound", "The natGateway ID '%s' does not exist", nat)
		}
		if sn, _ := s.findSubnetLocked(propString(gw.Props, "SubnetId")); sn.VpcID != vpc {
			return ec2Refusal("InvalidParameterValue", "InvalidRequest", "route table %s and network gateway %s belong to different networks", tableID, nat)
		}
	}
	return ""
}

func (s *Server) natGatewayLocked(id string) *resourceState {
	for _, r := range s.liveLocked("AWS::EC2::NatGateway") {
		if r.PhysicalID == id {
			return r
		}
	}
	return nil
}

// natRefusalLocked: a public NAT gateway needs its subnet, an Elastic IP, and an internet gateway on the VPC.
func (s *Server) natRefusalLocked(props map[string]any) string {
	subnetID := propString(props, "SubnetId")
	sn, ok := s.findSubnetLocked(subnetID)
	if !ok {
		return s.subnetMissingLocked(subnetID)
	}
	if propString(props, "ConnectivityType") == "private" {
		return ""
	}
	alloc := propString(props, "AllocationId")
	if !slices.ContainsFunc(s.liveLocked("AWS::EC2::EIP"), func(r *resourceState) bool { return attribute(r, "AllocationId") == alloc }) {
		return ec2Refusal("InvalidAllocationID.NotFound", "NotFound", "The allocation ID '%s' does not exist", alloc)
	}
	if !s.hasInternetGatewayLocked(sn.VpcID) {
		return ec2Refusal("Gateway.NotAttached", "InvalidRequest", "Network %s has no Internet gateway attached", sn.VpcID)
	}
	return ""
}

// endpointServices are the VPC endpoint services the local EC2 knows, by the part of the name after
// com.amazonaws.<region>., and whether each offers a gateway endpoint (else only interface endpoints).
var endpointServices = map[string]bool{
	"s3": true, "dynamodb": true,
	"ecr.api": false, "ecr.dkr": false, "logs": false, "secretsmanager": false, "ssm": false, "ssmmessages": false,
	"ec2messages": false, "sts": false, "kms": false, "ecs": false, "ecs-agent": false, "ecs-telemetry": false,
	"elasticfilesystem": false, "servicediscovery": false, "sqs": false, "sns": false, "monitoring": false,
}

// endpointRefusalLocked: the service exists and offers the endpoint type; an interface endpoint has at most one
// subnet per zone, all in its VPC, and private DNS needs the VPC's DNS support and hostnames; a gateway's route
// tables exist.
func (s *Server) endpointRefusalLocked(props map[string]any) string {
	vpcID, service := propString(props, "VpcId"), propString(props, "ServiceName")
	vpc, ok := s.findVPCLocked(vpcID)
	if !ok {
		return s.vpcMissingLocked(vpcID)
	}
	kind := propString(props, "VpcEndpointType")
	if kind == "" {
		kind = "Gateway"
	}
	name, found := strings.CutPrefix(service, "com.amazonaws."+s.opts.Region+".")
	gateway, known := endpointServices[name]
	if !found || !known || kind == "Gateway" && !gateway {
		return ec2Refusal("InvalidServiceName", "InvalidRequest", "The Vpc Endpoint Service '%s' does not exist", service)
	}
	if kind == "Gateway" {
		for _, id := range stringList(props["RouteTableIds"]) {
			if why := s.routeTableMissingLocked(id); why != "" {
				return why
			}
		}
		return ""
	}
	zones := map[string]bool{}
	for _, id := range stringList(props["SubnetIds"]) {
		sn, ok := s.findSubnetLocked(id)
		if !ok {
			return s.subnetMissingLocked(id)
		}
		if sn.VpcID != vpcID {
			return ec2Refusal("InvalidParameter", "InvalidRequest", "The subnet ID '%s' does not belong to the vpc '%s'", id, vpcID)
		}
		if zones[sn.AZ] {
			return ec2Refusal("DuplicateSubnetsInSameZone", "InvalidRequest", "Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", id)
		}
		zones[sn.AZ] = true
	}
	// CloudFormation's default for PrivateDnsEnabled is false, unlike EC2's for an interface endpoint.
	if propBool(props, "PrivateDnsEnabled", false) && (!vpc.DNSSupport || !vpc.DNSHostname) {
		return ec2Refusal("InvalidParameter", "InvalidRequest", "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for %s", vpcID)
	}
	return ""
}

// deleteChecks are the checks EC2 makes before it deletes a network resource, by type: what still uses it
// makes the deletion fail with DependencyViolation. CloudFormation deletes a stack's resources in the reverse
// order of their dependencies, which avoids these failures within a stack; they catch a template that lacks a
// dependency, and resources of other stacks. They run with mu held.
var deleteChecks = map[string]func(s *Server, r *resourceState) string{
	"AWS::EC2::VPC": func(s *Server, r *resourceState) string {
		return s.dependencyLocked(r, "The vpc '%s' has dependencies and cannot be deleted.", map[string]func(map[string]any) []string{
			"AWS::EC2::Subnet":               propStrings("VpcId"),
			"AWS::EC2::RouteTable":           propStrings("VpcId"),
			"AWS::EC2::SecurityGroup":        propStrings("VpcId"),
			"AWS::EC2::VPCGatewayAttachment": propStrings("VpcId"),
			"AWS::EC2::VPCEndpoint":          propStrings("VpcId"),
		})
	},
	"AWS::EC2::Subnet": func(s *Server, r *resourceState) string {
		return s.dependencyLocked(r, "The subnet '%s' has dependencies and cannot be deleted.", map[string]func(map[string]any) []string{
			"AWS::EC2::NatGateway":                      propStrings("SubnetId"),
			"AWS::EC2::VPCEndpoint":                     propStrings("SubnetIds"),
			"AWS::EFS::MountTarget":                     propStrings("SubnetId"),
			"AWS::ElasticLoadBalancingV2::LoadBalancer": lbSubnetIDs,
			"AWS::ECS::Service":                         propStrings("NetworkConfiguration", "AwsvpcConfiguration", "Subnets"),
		})
	},
	"AWS::EC2::InternetGateway": func(s *Server, r *resourceState) string {
		return s.dependencyLocked(r, "The internetGateway '%s' has dependencies and cannot be deleted.", map[string]func(map[string]any) []string{
			"AWS::EC2::VPCGatewayAttachment": propStrings("InternetGatewayId"),
		})
	},
	"AWS::EC2::RouteTable": func(s *Server, r *resourceState) string {
		return s.dependencyLocked(r, "The routeTable '%s' has dependencies and cannot be deleted.", map[string]func(map[string]any) []string{
			"AWS::EC2::SubnetRouteTableAssociation": propStrings("RouteTableId"),
		})
	},
	// Detaching the internet gateway leaves public addresses that NAT gateways hold unreachable.
	"AWS::EC2::VPCGatewayAttachment": func(s *Server, r *resourceState) string {
		vpc := propString(r.Props, "VpcId")
		if propString(r.Props, "InternetGatewayId") == "" {
			return ""
		}
		for _, nat := range s.liveLocked("AWS::EC2::NatGateway") {
			if sn, _ := s.findSubnetLocked(propString(nat.Props, "SubnetId")); sn.VpcID == vpc && propString(nat.Props, "ConnectivityType") != "private" {
				return ec2Refusal("DependencyViolation", "ResourceConflict", "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", vpc)
			}
		}
		return ""
	},
}

// dependencyLocked fails the deletion of r when a live resource of one of the types in users names r's physical
// ID in the properties users reads.
func (s *Server) dependencyLocked(r *resourceState, format string, users map[string]func(map[string]any) []string) string {
	for typ, ids := range users {
		for _, u := range s.liveLocked(typ) {
			if u != r && slices.Contains(ids(u.Props), r.PhysicalID) {
				return ec2Refusal("DependencyViolation", "ResourceConflict", format, r.PhysicalID)
			}
		}
	}
	return ""
}

// propStrings reads the string or list of strings at a property path.
func propStrings(path ...string) func(map[string]any) []string {
	return func(props map[string]any) []string {
		var v any = props
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if s, ok := v.(string); ok {
			return []string{s}
		}
		return stringList(v)
	}
}
