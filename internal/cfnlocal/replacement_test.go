package cfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

func TestNeedsReplacementFollowsTheResourceReference(t *testing.T) {
	tags := []any{map[string]any{"Key": "k", "Value": "v"}}
	cases := []struct {
		name     string
		typ      string
		old, new map[string]any
		want     bool
	}{
		{"service cluster", "AWS::ECS::Service", map[string]any{"Cluster": "c"}, map[string]any{"Cluster": "arn:c"}, true},
		{"service desired count", "AWS::ECS::Service", map[string]any{"DesiredCount": 1.0}, map[string]any{"DesiredCount": 2.0}, false},
		{"service deployment controller", "AWS::ECS::Service", map[string]any{}, map[string]any{"DeploymentController": map[string]any{"Type": "ECS"}}, true},
		{"task definition image", "AWS::ECS::TaskDefinition", map[string]any{"Family": "f", "Cpu": "256"}, map[string]any{"Family": "f", "Cpu": "512"}, true},
		{"task definition tags", "AWS::ECS::TaskDefinition", map[string]any{"Family": "f"}, map[string]any{"Family": "f", "Tags": tags}, false},
		{"ingress protocol spelling", "AWS::EC2::SecurityGroupIngress", map[string]any{"IpProtocol": "tcp"}, map[string]any{"IpProtocol": "TCP"}, true},
		{"ingress description", "AWS::EC2::SecurityGroupIngress", map[string]any{"IpProtocol": "tcp", "Description": "a"}, map[string]any{"IpProtocol": "tcp", "Description": "b"}, false},
		{"listener load balancer", "AWS::ElasticLoadBalancingV2::Listener", map[string]any{"LoadBalancerArn": "a"}, map[string]any{"LoadBalancerArn": "b"}, true},
		{"listener port", "AWS::ElasticLoadBalancingV2::Listener", map[string]any{"Port": 80.0}, map[string]any{"Port": 81.0}, false},
		{"capacity provider group", "AWS::ECS::CapacityProvider",
			map[string]any{"AutoScalingGroupProvider": map[string]any{"AutoScalingGroupArn": "a", "ManagedTerminationProtection": "DISABLED"}},
			map[string]any{"AutoScalingGroupProvider": map[string]any{"AutoScalingGroupArn": "b", "ManagedTerminationProtection": "DISABLED"}}, true},
		{"capacity provider scaling", "AWS::ECS::CapacityProvider",
			map[string]any{"AutoScalingGroupProvider": map[string]any{"AutoScalingGroupArn": "a", "ManagedTerminationProtection": "DISABLED"}},
			map[string]any{"AutoScalingGroupProvider": map[string]any{"AutoScalingGroupArn": "a", "ManagedTerminationProtection": "ENABLED"}}, false},
		{"file system throughput", "AWS::EFS::FileSystem", map[string]any{"ThroughputMode": "bursting"}, map[string]any{"ThroughputMode": "elastic"}, false},
		{"file system encryption", "AWS::EFS::FileSystem", map[string]any{"Encrypted": false}, map[string]any{"Encrypted": true}, true},
		{"vpc range", "AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"}, map[string]any{"CidrBlock": "10.1.0.0/16"}, true},
		{"vpc dns hostnames", "AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"}, map[string]any{"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": true}, false},
		{"subnet zone", "AWS::EC2::Subnet", map[string]any{"AvailabilityZone": "us-east-1a"}, map[string]any{"AvailabilityZone": "us-east-1b"}, true},
		{"subnet public addresses", "AWS::EC2::Subnet", map[string]any{"MapPublicIpOnLaunch": false}, map[string]any{"MapPublicIpOnLaunch": true}, false},
		{"route target", "AWS::EC2::Route", map[string]any{"RouteTableId": "rtb-1", "NatGatewayId": "nat-1"}, map[string]any{"RouteTableId": "rtb-1", "NatGatewayId": "nat-2"}, false},
		{"route destination", "AWS::EC2::Route", map[string]any{"DestinationCidrBlock": "0.0.0.0/0"}, map[string]any{"DestinationCidrBlock": "10.0.0.0/8"}, true},
		{"nat subnet", "AWS::EC2::NatGateway", map[string]any{"SubnetId": "subnet-1"}, map[string]any{"SubnetId": "subnet-2"}, true},
		{"endpoint subnets", "AWS::EC2::VPCEndpoint", map[string]any{"SubnetIds": []any{"a"}}, map[string]any{"SubnetIds": []any{"a", "b"}}, false},
		{"endpoint service", "AWS::EC2::VPCEndpoint", map[string]any{"ServiceName": "a"}, map[string]any{"ServiceName": "b"}, true},
		{"gateway attachment vpc", "AWS::EC2::VPCGatewayAttachment", map[string]any{"VpcId": "vpc-1"}, map[string]any{"VpcId": "vpc-2"}, true},
	}
	for _, c := range cases {
		if got := needsReplacement(c.typ, c.old, c.new); got != c.want {
			t.Errorf("%s: needsReplacement = %v, want %v", c.name, got, c.want)
		}
	}
}

const ingressTemplate = `{"Resources": {
  "SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web"}},
  "Web80Ingress": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
    "GroupId": {"Ref": "SG"}, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}}}}`

// A rule replaced only for its spelling is created beside the live one, which EC2 refuses as a duplicate; the
// update rolls back and the live rule stays.
func TestReplacedIngressDuplicatingALiveRuleFails(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "web", ingressTemplate, nil)
	before := e.physicalID(t, "web", "Web80Ingress")

	csID := e.changeSet(t, "web", "cs2", cfntypes.ChangeSetTypeUpdate, strings.Replace(ingressTemplate, `"tcp"`, `"TCP"`, 1), nil)
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Changes) != 1 || cs.Changes[0].ResourceChange.Replacement != cfntypes.ReplacementTrue {
		t.Fatalf("change set does not replace the rule: %+v", cs.Changes)
	}
	e.execute(t, csID)
	st := e.stack(t, "web")
	if st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("status %s, want UPDATE_ROLLBACK_COMPLETE", st.StackStatus)
	}
	var reason string
	for _, ev := range e.events(t, "web") {
		if strings.HasPrefix(ev, "Web80Ingress UPDATE_FAILED") {
			reason = ev
		}
	}
	if !strings.Contains(reason, "InvalidPermission.Duplicate") || !strings.Contains(reason, "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80") {
		t.Errorf("failure event = %q, want EC2's duplicate-rule error", reason)
	}
	if after := e.physicalID(t, "web", "Web80Ingress"); after != before {
		t.Errorf("rule %s after rollback, want the live %s", after, before)
	}

	// A replacement that changes the permission itself is no duplicate.
	csID = e.changeSet(t, "web", "cs3", cfntypes.ChangeSetTypeUpdate, strings.Replace(ingressTemplate, `"0.0.0.0/0"`, `"10.0.0.0/8"`, 1), nil)
	e.execute(t, csID)
	if st := e.stack(t, "web"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Errorf("status after changing the source: %s", st.StackStatus)
	}
}

// A second stack adding a rule another stack already holds fails as EC2 fails.
func TestIngressDuplicatingAnotherStacksRuleFails(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "web", ingressTemplate, nil)
	group := e.physicalID(t, "web", "SG")
	other := `{"Resources": {"Dup": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
    "GroupId": "` + group + `", "IpProtocol": "6", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}}}}`
	e.deploy(t, "dup", other, nil)
	if st := e.stack(t, "dup"); st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Errorf("status %s, want ROLLBACK_COMPLETE", st.StackStatus)
	}
}

func (e *env) physicalID(t *testing.T, stackName, logicalID string) string {
	t.Helper()
	out, err := e.cfn.DescribeStackResources(e.ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stackName), LogicalResourceId: aws.String(logicalID)})
	if err != nil || len(out.StackResources) != 1 {
		t.Fatalf("describe %s/%s: %v", stackName, logicalID, err)
	}
	return aws.ToString(out.StackResources[0].PhysicalResourceId)
}

// A change set says Conditional only when the replacing change depends on values not known yet.
func TestReplacementIsConditionalOnlyOnUnknownReplacingValues(t *testing.T) {
	old := map[string]any{"Cluster": "c", "TaskDefinition": "td:1"}
	cases := []struct {
		name string
		new  map[string]any
		want string
	}{
		{"known cluster, unknown task definition", map[string]any{"Cluster": "arn:c", "TaskDefinition": unresolved{}}, "True"},
		{"unknown cluster", map[string]any{"Cluster": unresolved{}, "TaskDefinition": "td:1"}, "Conditional"},
		{"only the task definition", map[string]any{"Cluster": "c", "TaskDefinition": unresolved{}}, "False"},
	}
	for _, c := range cases {
		if got := replacement("AWS::ECS::Service", old, c.new); got != c.want {
			t.Errorf("%s: replacement = %s, want %s", c.name, got, c.want)
		}
	}
}

// A change set names each changed property of a modified resource and whether its change recreates it.
func TestChangeSetDetailsNameTheChangedProperties(t *testing.T) {
	e := newEnv(t, Options{})
	body := func(protocol, description string) string {
		return `{"Resources": {
  "SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web"}},
  "Web80Ingress": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
    "GroupId": {"Ref": "SG"}, "IpProtocol": "` + protocol + `", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0", "Description": "` + description + `"}}}}`
	}
	e.deploy(t, "details", body("tcp", "a"), nil)
	id := e.changeSet(t, "details", "cs", cfntypes.ChangeSetTypeUpdate, body("udp", "b"), nil)
	out, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Changes) != 1 {
		t.Fatalf("changes = %d, want the ingress rule", len(out.Changes))
	}
	rc := out.Changes[0].ResourceChange
	var got []string
	for _, d := range rc.Details {
		got = append(got, aws.ToString(d.Target.Name)+"="+string(d.Target.RequiresRecreation))
	}
	if rc.Replacement != cfntypes.ReplacementTrue || strings.Join(got, ",") != "Description=Never,IpProtocol=Always" {
		t.Errorf("replacement %s, details %v; want True, Description=Never,IpProtocol=Always", rc.Replacement, got)
	}
}
