package cfnlocal

import (
	"fmt"
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
			return fmt.Sprintf("Resource handler returned message: \"the specified rule \\\"peer: %s, %s, %s, ALLOW\\\" already exists (Service: Ec2, Status Code: 400, Error Code: InvalidPermission.Duplicate)\" (HandlerErrorCode: AlreadyExists)",
				want.source, strings.ToUpper(want.protocol), ports)
		}
	}
	return ""
}
