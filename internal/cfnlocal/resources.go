package cfnlocal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// resourceState is a resource of a stack as CloudFormation tracks it.
type resourceState struct {
	LogicalID      string
	Type           string
	PhysicalID     string
	Status         string
	Reason         string
	Updated        time.Time
	Props          map[string]any
	DeletionPolicy string
	// ReplacePolicy is the template's UpdateReplacePolicy.
	ReplacePolicy string
	// Metadata is the template's Metadata attribute of the resource.
	Metadata any
	// Generation counts replacements so a new physical resource gets a new ID.
	Generation int
	// Actual is the resource's configuration where a change made outside CloudFormation (DriftResource) made
	// it differ from Props; nil while they agree. Gone says it was deleted outside CloudFormation.
	Actual    map[string]any
	Gone      bool
	Region    string
	AccountID string
	StackName string
}

func (r *resourceState) clone() *resourceState {
	c := *r
	return &c
}

// shortHash derives a stable identifier from its inputs, so physical IDs are
// deterministic across runs yet differ per stack, resource and generation.
func shortHash(n int, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:n]
}

// nameSuffix is the upper-case random-looking suffix CloudFormation appends
// to generated names.
func nameSuffix(r *resourceState, stackID string) string {
	return strings.ToUpper(shortHash(12, stackID, r.LogicalID, fmt.Sprint(r.Generation)))
}

func propString(props map[string]any, key string) string {
	if s, ok := props[key].(string); ok {
		return s
	}
	return ""
}

// generatedName is CloudFormation's stack-logical-SUFFIX naming, truncated
// to a service's limit.
func generatedName(r *resourceState, stackID string, limit int) string {
	suffix := nameSuffix(r, stackID)
	base := r.StackName + "-" + r.LogicalID
	if max := limit - len(suffix) - 1; len(base) > max && max > 0 {
		base = base[:max]
	}
	return base + "-" + suffix
}

// assignPhysicalID synthesises the physical ID Ref returns for the resource's
// type, honouring explicit name properties.
func assignPhysicalID(r *resourceState, stackID string) {
	h := shortHash(17, stackID, r.LogicalID, fmt.Sprint(r.Generation))
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r.Region, r.AccountID, rest)
	}
	name := func(prop string, limit int) string {
		if n := propString(r.Props, prop); n != "" {
			return n
		}
		return generatedName(r, stackID, limit)
	}
	switch r.Type {
	case "AWS::ECS::Cluster":
		r.PhysicalID = name("ClusterName", 255)
	case "AWS::ECS::TaskDefinition":
		r.PhysicalID = arn("ecs", fmt.Sprintf("task-definition/%s:%d", name("Family", 255), r.Generation+1))
	case "AWS::ECS::Service":
		cluster := lastSegment(propString(r.Props, "Cluster"))
		if cluster == "" {
			cluster = "default"
		}
		r.PhysicalID = arn("ecs", "service/"+cluster+"/"+name("ServiceName", 255))
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		kind := "app"
		if propString(r.Props, "Type") == "network" {
			kind = "net"
		}
		r.PhysicalID = arn("elasticloadbalancing", "loadbalancer/"+kind+"/"+name("Name", 32)+"/"+h[:16])
	case "AWS::ElasticLoadBalancingV2::TargetGroup":
		r.PhysicalID = arn("elasticloadbalancing", "targetgroup/"+name("Name", 32)+"/"+h[:16])
	case "AWS::ElasticLoadBalancingV2::Listener":
		r.PhysicalID = arn("elasticloadbalancing", "listener/"+lbPath(propString(r.Props, "LoadBalancerArn"))+"/"+h[:16])
	case "AWS::ElasticLoadBalancingV2::ListenerRule":
		r.PhysicalID = arn("elasticloadbalancing", "listener-rule/"+lbPath(propString(r.Props, "ListenerArn"))+"/"+h[:16])
	case "AWS::EC2::SecurityGroup":
		r.PhysicalID = "sg-" + h
	case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
		r.PhysicalID = "sgr-" + h
	case "AWS::EC2::VPC":
		r.PhysicalID = "vpc-" + h
	case "AWS::EC2::Subnet":
		r.PhysicalID = "subnet-" + h
	case "AWS::EC2::InternetGateway":
		r.PhysicalID = "igw-" + h
	case "AWS::EC2::VPCGatewayAttachment":
		r.PhysicalID = "IGW|" + propString(r.Props, "VpcId")
	case "AWS::EC2::RouteTable":
		r.PhysicalID = "rtb-" + h
	case "AWS::EC2::Route":
		r.PhysicalID = propString(r.Props, "RouteTableId") + "|" + propString(r.Props, "DestinationCidrBlock")
	case "AWS::EC2::SubnetRouteTableAssociation":
		r.PhysicalID = "rtbassoc-" + h
	case "AWS::EC2::EIP":
		r.PhysicalID = eipAddress(h)
	case "AWS::EC2::NatGateway":
		r.PhysicalID = "nat-" + h
	case "AWS::EC2::VPCEndpoint":
		r.PhysicalID = "vpce-" + h
	case "AWS::Logs::LogGroup":
		r.PhysicalID = name("LogGroupName", 512)
	case "AWS::IAM::Role":
		r.PhysicalID = name("RoleName", 64)
	case "AWS::IAM::ManagedPolicy":
		r.PhysicalID = "arn:aws:iam::" + r.AccountID + ":policy/" + name("ManagedPolicyName", 128)
	case "AWS::IAM::Policy":
		r.PhysicalID = strings.ToUpper(r.StackName[:min(5, len(r.StackName))]) + "-" + nameSuffix(r, stackID)
	case "AWS::IAM::InstanceProfile":
		r.PhysicalID = name("InstanceProfileName", 128)
	case "AWS::EFS::FileSystem":
		r.PhysicalID = "fs-" + h
	case "AWS::EFS::MountTarget":
		r.PhysicalID = "fsmt-" + h
	case "AWS::EFS::AccessPoint":
		r.PhysicalID = "fsap-" + h
	case "AWS::ServiceDiscovery::PrivateDnsNamespace", "AWS::ServiceDiscovery::PublicDnsNamespace", "AWS::ServiceDiscovery::HttpNamespace":
		r.PhysicalID = "ns-" + h[:16]
	case "AWS::ServiceDiscovery::Service":
		r.PhysicalID = "srv-" + h[:16]
	case "AWS::Route53::RecordSet":
		r.PhysicalID = strings.TrimSuffix(propString(r.Props, "Name"), ".")
		if r.PhysicalID == "" {
			r.PhysicalID = generatedName(r, stackID, 255)
		}
	case "AWS::Route53::HostedZone":
		r.PhysicalID = "Z" + strings.ToUpper(h[:20])
	case "AWS::SecretsManager::Secret":
		r.PhysicalID = arn("secretsmanager", "secret:"+name("Name", 512)+"-"+h[:6])
	case "AWS::ApplicationAutoScaling::ScalableTarget":
		r.PhysicalID = propString(r.Props, "ResourceId") + "|" + propString(r.Props, "ScalableDimension") + "|" + propString(r.Props, "ServiceNamespace")
		if r.PhysicalID == "||" {
			r.PhysicalID = generatedName(r, stackID, 255)
		}
	case "AWS::ApplicationAutoScaling::ScalingPolicy":
		r.PhysicalID = arn("autoscaling", "scalingPolicy:"+h[:8]+":resource/"+name("PolicyName", 255))
	case "AWS::S3::Bucket":
		r.PhysicalID = strings.ToLower(name("BucketName", 63))
	case "AWS::SQS::Queue":
		r.PhysicalID = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", r.Region, r.AccountID, name("QueueName", 80))
	case "AWS::SNS::Topic":
		r.PhysicalID = arn("sns", name("TopicName", 256))
	default:
		r.PhysicalID = generatedName(r, stackID, 255)
	}
}

// attribute returns the Fn::GetAtt value of a created resource. Attributes
// the table does not know get a stable made-up value, because checking
// attribute names is cfn-lint's job (rule E1010), enabled with LintTemplates.
func attribute(r *resourceState, attr string) any {
	h := shortHash(16, r.PhysicalID, attr)
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r.Region, r.AccountID, rest)
	}
	switch r.Type + "." + attr {
	case "AWS::ECS::Cluster.Arn":
		return arn("ecs", "cluster/"+r.PhysicalID)
	case "AWS::ECS::TaskDefinition.TaskDefinitionArn", "AWS::ECS::Service.ServiceArn",
		"AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerArn", "AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupArn",
		"AWS::ElasticLoadBalancingV2::Listener.ListenerArn", "AWS::ElasticLoadBalancingV2::ListenerRule.RuleArn",
		"AWS::SecretsManager::Secret.Id", "AWS::IAM::ManagedPolicy.PolicyArn":
		return r.PhysicalID
	case "AWS::ECS::Service.Name":
		return lastSegment(r.PhysicalID)
	case "AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName":
		parts := strings.Split(r.PhysicalID, "/")
		name := parts[len(parts)-2]
		return fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", name, h[:10], r.Region)
	case "AWS::ElasticLoadBalancingV2::LoadBalancer.CanonicalHostedZoneID":
		if strings.Contains(r.PhysicalID, "loadbalancer/net/") {
			return "Z26RNL4JYFTOTI"
		}
		return "Z35SXDOTRQ7X7K"
	case "AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerFullName":
		_, rest, _ := strings.Cut(r.PhysicalID, ":loadbalancer/")
		return rest
	case "AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupFullName":
		if i := strings.Index(r.PhysicalID, "targetgroup/"); i >= 0 {
			return r.PhysicalID[i:]
		}
		return r.PhysicalID
	case "AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerName", "AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupName":
		parts := strings.Split(r.PhysicalID, "/")
		return parts[len(parts)-2]
	case "AWS::ElasticLoadBalancingV2::LoadBalancer.SecurityGroups":
		return []any{"sg-" + h}
	case "AWS::ElasticLoadBalancingV2::TargetGroup.LoadBalancerArns":
		return []any{}
	case "AWS::EC2::SecurityGroup.GroupId":
		return r.PhysicalID
	case "AWS::EC2::VPC.CidrBlock", "AWS::EC2::Subnet.CidrBlock", "AWS::EC2::Subnet.AvailabilityZone", "AWS::EC2::Subnet.VpcId":
		return propString(r.Props, attr)
	case "AWS::EC2::VPC.DefaultSecurityGroup":
		return "sg-" + shortHash(17, r.PhysicalID, attr)
	case "AWS::EC2::VPC.DefaultNetworkAcl":
		return "acl-" + shortHash(17, r.PhysicalID, attr)
	case "AWS::EC2::VPC.CidrBlockAssociations":
		return []any{"vpc-cidr-assoc-" + shortHash(17, r.PhysicalID, attr)}
	case "AWS::EC2::VPC.Ipv6CidrBlocks", "AWS::EC2::Subnet.Ipv6CidrBlocks":
		return []any{}
	case "AWS::EC2::Subnet.AvailabilityZoneId":
		return zoneID(r.Region, propString(r.Props, "AvailabilityZone"))
	case "AWS::EC2::Subnet.NetworkAclAssociationId":
		return "aclassoc-" + shortHash(17, r.PhysicalID, attr)
	case "AWS::EC2::EIP.AllocationId":
		return "eipalloc-" + shortHash(17, r.PhysicalID, attr)
	case "AWS::EC2::EIP.PublicIp":
		return r.PhysicalID
	case "AWS::EC2::VPCEndpoint.DnsEntries":
		service := propString(r.Props, "ServiceName")
		return []any{fmt.Sprintf("Z7HUB22UULQXV:%s-%s.%s.vpce.amazonaws.com", r.PhysicalID, h[:8], strings.TrimPrefix(service, "com.amazonaws."))}
	case "AWS::EC2::VPCEndpoint.NetworkInterfaceIds":
		enis := []any{}
		for _, sn := range stringList(r.Props["SubnetIds"]) {
			enis = append(enis, "eni-"+shortHash(17, r.PhysicalID, sn))
		}
		return enis
	case "AWS::EC2::VPCEndpoint.CreationTimestamp":
		return "2026-01-01T00:00:00.000Z"
	case "AWS::EC2::SecurityGroup.VpcId":
		if v := propString(r.Props, "VpcId"); v != "" {
			return v
		}
		return defaultVPCID
	case "AWS::Logs::LogGroup.Arn":
		return arn("logs", "log-group:"+r.PhysicalID+":*")
	case "AWS::IAM::Role.Arn":
		return "arn:aws:iam::" + r.AccountID + ":role/" + r.PhysicalID
	case "AWS::IAM::Role.RoleId":
		return "AROA" + strings.ToUpper(h)
	case "AWS::IAM::InstanceProfile.Arn":
		return "arn:aws:iam::" + r.AccountID + ":instance-profile/" + r.PhysicalID
	case "AWS::EFS::FileSystem.FileSystemId", "AWS::EFS::AccessPoint.AccessPointId", "AWS::ServiceDiscovery::Service.Id",
		"AWS::ServiceDiscovery::PrivateDnsNamespace.Id", "AWS::EC2::SecurityGroupIngress.Id":
		return r.PhysicalID
	case "AWS::EFS::FileSystem.Arn":
		return arn("elasticfilesystem", "file-system/"+r.PhysicalID)
	case "AWS::EFS::AccessPoint.Arn":
		return arn("elasticfilesystem", "access-point/"+r.PhysicalID)
	case "AWS::EFS::MountTarget.IpAddress":
		return "172.31.0." + fmt.Sprint(10+int(h[0])%200)
	case "AWS::ServiceDiscovery::Service.Arn":
		return arn("servicediscovery", "service/"+r.PhysicalID)
	case "AWS::ServiceDiscovery::Service.Name":
		if n := propString(r.Props, "Name"); n != "" {
			return n
		}
		return r.LogicalID
	case "AWS::ServiceDiscovery::PrivateDnsNamespace.Arn":
		return arn("servicediscovery", "namespace/"+r.PhysicalID)
	case "AWS::ServiceDiscovery::PrivateDnsNamespace.HostedZoneId":
		return "Z" + strings.ToUpper(h)
	case "AWS::Route53::HostedZone.Id":
		return r.PhysicalID
	case "AWS::SQS::Queue.Arn":
		return arn("sqs", lastSegment(r.PhysicalID))
	case "AWS::SQS::Queue.QueueName", "AWS::SNS::Topic.TopicName":
		return lastSegment(strings.ReplaceAll(r.PhysicalID, ":", "/"))
	case "AWS::SNS::Topic.TopicArn":
		return r.PhysicalID
	case "AWS::S3::Bucket.Arn":
		return "arn:aws:s3:::" + r.PhysicalID
	case "AWS::S3::Bucket.DomainName":
		return r.PhysicalID + ".s3.amazonaws.com"
	}
	switch {
	case strings.HasSuffix(attr, "Arn"):
		if strings.HasPrefix(r.PhysicalID, "arn:") {
			return r.PhysicalID
		}
		return arn(serviceOf(r.Type), strings.ToLower(typeName(r.Type))+"/"+r.PhysicalID)
	case attr == "Id" || strings.HasSuffix(attr, "Id"):
		return r.PhysicalID
	case strings.HasSuffix(attr, "Name"):
		return lastSegment(r.PhysicalID)
	}
	return r.PhysicalID + "-" + strings.ToLower(attr) + "-" + h[:8]
}

// lastSegment returns what follows the final slash of an ARN or path.
func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// lbPath returns app/name/id from a load balancer (or listener) ARN.
func lbPath(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return rest
	}
	if _, rest, ok := strings.Cut(arn, ":listener/"); ok {
		return rest
	}
	return "app/unknown/0000000000000000"
}

func serviceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) == 3 {
		return strings.ToLower(parts[1])
	}
	return "unknown"
}

func typeName(typ string) string {
	parts := strings.Split(typ, "::")
	return parts[len(parts)-1]
}

// iamTypes need CAPABILITY_IAM; the named ones need CAPABILITY_NAMED_IAM
// when the template gives them a name.
var iamTypes = map[string]string{
	"AWS::IAM::Role":                "RoleName",
	"AWS::IAM::Policy":              "",
	"AWS::IAM::ManagedPolicy":       "ManagedPolicyName",
	"AWS::IAM::User":                "UserName",
	"AWS::IAM::Group":               "GroupName",
	"AWS::IAM::InstanceProfile":     "InstanceProfileName",
	"AWS::IAM::AccessKey":           "",
	"AWS::IAM::UserToGroupAddition": "",
	"AWS::IAM::ServiceLinkedRole":   "",
	"AWS::IAM::RolePolicy":          "",
	"AWS::IAM::OIDCProvider":        "",
	"AWS::IAM::ServerCertificate":   "ServerCertificateName",
	"AWS::IAM::VirtualMFADevice":    "VirtualMfaDeviceName",
	"AWS::IAM::SAMLProvider":        "Name",
	"AWS::IAM::UserPolicy":          "",
	"AWS::IAM::GroupPolicy":         "",
}

// requiredCapability returns the capability a template needs, or "".
func requiredCapability(t *template) string {
	need := ""
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		rd := t.Resources[id]
		nameProp, ok := iamTypes[rd.Type]
		if !ok {
			continue
		}
		if nameProp != "" && rd.Properties[nameProp] != nil {
			return "CAPABILITY_NAMED_IAM"
		}
		need = "CAPABILITY_IAM"
	}
	return need
}
