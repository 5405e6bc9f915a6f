package cfnlocal

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/network"
)

// The network templates internal/network renders deploy, export their names, serve their VPC and subnets to
// EC2's lookups and to load balancers of other stacks, and delete cleanly.
func TestNetworkTemplatesDeploy(t *testing.T) {
	for _, in := range []network.Input{
		{StackName: "two-single", Zones: 2, NAT: csv1.NATSingle},
		{StackName: "three-perzone", CIDR: "10.20.0.0/20", Zones: 3, NAT: csv1.NATPerZone,
			Endpoints: []csv1.VPCEndpoint{csv1.EndpointECRAPI, csv1.EndpointECRDKR, csv1.EndpointLogs, csv1.EndpointSecretsManager, csv1.EndpointS3}},
		{StackName: "no-nat", CIDR: "172.16.0.0/24", Zones: 2, NAT: csv1.NATNone, Endpoints: []csv1.VPCEndpoint{csv1.EndpointS3, csv1.EndpointLogs}},
	} {
		t.Run(in.StackName, func(t *testing.T) {
			body, err := network.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, Options{})
			outs := e.createStack(t, in.StackName, string(body))

			names := network.ExportNames(in.StackName, in.Zones)
			want := append([]string{names.VPC}, append(names.PublicSubnets, names.PrivateSubnets...)...)
			ex, err := e.cfn.ListExports(e.ctx, &cloudformation.ListExportsInput{})
			if err != nil {
				t.Fatal(err)
			}
			exports := map[string]string{}
			for _, x := range ex.Exports {
				exports[aws.ToString(x.Name)] = aws.ToString(x.Value)
			}
			equalLines(t, slices.Sorted(func(yield func(string) bool) {
				for k := range exports {
					if !yield(k) {
						return
					}
				}
			}), slices.Sorted(slices.Values(want)))

			c := ec2.NewFromConfig(sdkConfig(e.ts.URL, 1))
			vpcID := outs[network.OutputVPC]
			vpcs, err := c.DescribeVpcs(e.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
			if err != nil || len(vpcs.Vpcs) != 1 || aws.ToBool(vpcs.Vpcs[0].IsDefault) {
				t.Fatalf("describe the network's VPC %s: %v %+v", vpcID, err, vpcs)
			}
			subs, err := c.DescribeSubnets(e.ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
			if err != nil || len(subs.Subnets) != 2*in.Zones {
				t.Fatalf("subnets of %s: %v %d", vpcID, err, len(subs.Subnets))
			}
			zones := map[string]int{}
			for _, sn := range subs.Subnets {
				zones[aws.ToString(sn.AvailabilityZone)]++
				if aws.ToBool(sn.MapPublicIpOnLaunch) || aws.ToBool(sn.DefaultForAz) {
					t.Errorf("subnet %s maps public IPs or is a default", aws.ToString(sn.SubnetId))
				}
			}
			if len(zones) != in.Zones {
				t.Errorf("subnets span zones %v, want %d zones", zones, in.Zones)
			}

			// A stack of services puts its load balancer in the public subnets, by import.
			var imports []string
			for _, n := range names.PublicSubnets {
				imports = append(imports, fmt.Sprintf(`{"Fn::ImportValue": %q}`, n))
			}
			e.createStack(t, "app", `{"Resources": {"LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
				"Properties": {"Name": "app", "Subnets": [`+strings.Join(imports, ",")+`]}}}}`)
			lbs, err := elbClient(e, 1).DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"app"}})
			if err != nil || aws.ToString(lbs.LoadBalancers[0].VpcId) != vpcID || len(lbs.LoadBalancers[0].AvailabilityZones) != in.Zones {
				t.Fatalf("load balancer in the network: %v %+v", err, lbs)
			}

			// The network stays while the stack imports from it, then goes cleanly.
			stackID := aws.ToString(e.stack(t, in.StackName).StackId)
			e.deleteStack(t, in.StackName)
			if st := e.stack(t, in.StackName); st.StackStatus != cfntypes.StackStatusDeleteFailed || !strings.Contains(aws.ToString(st.StackStatusReason), "in use by app") {
				t.Fatalf("deleting an imported network: %s %s", st.StackStatus, aws.ToString(st.StackStatusReason))
			}
			e.deleteStack(t, "app")
			e.deleteStack(t, in.StackName)
			events := e.events(t, stackID)
			if events[len(events)-1] != in.StackName+" DELETE_COMPLETE" {
				t.Errorf("last event %q", events[len(events)-1])
			}
			for _, ev := range events {
				if strings.Contains(ev, "DELETE_FAILED") && !strings.Contains(ev, "in use by app") {
					t.Errorf("event %s", ev)
				}
			}
			gone, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(in.StackName)})
			if err == nil {
				t.Fatalf("the network stack is still there: %+v", gone.Stacks[0].StackStatus)
			}
			_, err = c.DescribeVpcs(e.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidVpcID.NotFound" {
				t.Errorf("the deleted VPC: %v", err)
			}
		})
	}
}

// vpcBase is a VPC 10.0.0.0/16 with DNS on, an internet gateway attached, and a subnet in zone a.
const vpcBase = `
  "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsSupport": true, "EnableDnsHostnames": true}},
  "IGW": {"Type": "AWS::EC2::InternetGateway"},
  "Attach": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {"VpcId": {"Ref": "VPC"}, "InternetGatewayId": {"Ref": "IGW"}}},
  "SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.0.0/24", "AvailabilityZone": "us-east-1a"}},
  "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "VPC"}}}`

// Creating what EC2 refuses, or what ECS, ELB and EFS refuse of their subnets, fails the resource with the
// service's error code, and the stack rolls back.
func TestRefusesWhatAWSRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, resources, failed, code string
	}{
		{"VPC range", `"Big": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/8"}}`, "Big", "InvalidVpc.Range"},
		{"subnet outside the VPC", vpcBase + `, "Out": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.1.0.0/24"}}`,
			"Out", "InvalidSubnet.Range"},
		{"overlapping subnets", vpcBase + `, "Over": {"Type": "AWS::EC2::Subnet", "DependsOn": "SubnetA", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.0.128/25"}}`,
			"Over", "InvalidSubnet.Conflict"},
		{"unknown zone", vpcBase + `, "Far": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1z"}}`,
			"Far", "InvalidParameterValue"},
		{"subnet in no VPC", `"Lost": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-0123456789abcdef0", "CidrBlock": "10.0.1.0/24"}}`,
			"Lost", "InvalidVpcID.NotFound"},
		{"route to a detached gateway", `
  "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
  "IGW": {"Type": "AWS::EC2::InternetGateway"},
  "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "VPC"}}},
  "Default": {"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": {"Ref": "Table"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "IGW"}}}`,
			"Default", "InvalidParameterValue"},
		{"NAT without an internet gateway", `
  "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
  "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.0.0/24"}},
  "EIP": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
  "NAT": {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": {"Ref": "Subnet"}, "AllocationId": {"Fn::GetAtt": ["EIP", "AllocationId"]}}}`,
			"NAT", "Gateway.NotAttached"},
		{"private DNS without DNS hostnames", `
  "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
  "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.0.0/24"}},
  "Logs": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "VPC"}, "VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
    "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.logs"}, "SubnetIds": [{"Ref": "Subnet"}]}}`,
			"Logs", "InvalidParameter"},
		{"two endpoint subnets in one zone", vpcBase + `,
  "SubnetA2": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"}},
  "Logs": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "VPC"}, "VpcEndpointType": "Interface",
    "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.logs"}, "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetA2"}]}}`,
			"Logs", "DuplicateSubnetsInSameZone"},
		{"unknown endpoint service", vpcBase + `,
  "Nope": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "VPC"}, "ServiceName": "com.amazonaws.us-east-1.logs", "RouteTableIds": [{"Ref": "Table"}]}}`,
			"Nope", "InvalidServiceName"},
		{"load balancer in a missing subnet", `"LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Subnets": ["subnet-0123456789abcdef0"]}}`,
			"LB", "SubnetNotFound"},
		{"load balancer twice in one zone", vpcBase + `,
  "SubnetA2": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"}},
  "LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Subnets": [{"Ref": "SubnetA"}, {"Ref": "SubnetA2"}]}}`,
			"LB", "InvalidConfigurationRequest"},
		{"load balancer over two VPCs", vpcBase + `,
  "LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Subnets": [{"Ref": "SubnetA"}, "subnet-0cf10c41000000002"]}}`,
			"LB", "InvalidConfigurationRequest"},
		{"service in a missing subnet", `"Service": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": "web:1",
    "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["subnet-0123456789abcdef0"]}}}}`,
			"Service", "InvalidParameterException"},
		{"two mount targets in one zone", vpcBase + `,
  "SubnetA2": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"}},
  "FS": {"Type": "AWS::EFS::FileSystem"},
  "MountA": {"Type": "AWS::EFS::MountTarget", "Properties": {"FileSystemId": {"Ref": "FS"}, "SubnetId": {"Ref": "SubnetA"}, "SecurityGroups": []}},
  "MountA2": {"Type": "AWS::EFS::MountTarget", "DependsOn": "MountA", "Properties": {"FileSystemId": {"Ref": "FS"}, "SubnetId": {"Ref": "SubnetA2"}, "SecurityGroups": []}}`,
			"MountA2", "MountTargetConflict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("bad"), TemplateBody: aws.String(`{"Resources": {` + tc.resources + `}}`)}); err != nil {
				t.Fatal(err)
			}
			e.idle(t)
			if st := e.stack(t, "bad"); st.StackStatus != cfntypes.StackStatusRollbackComplete {
				t.Fatalf("stack %s (%s), want ROLLBACK_COMPLETE", st.StackStatus, aws.ToString(st.StackStatusReason))
			}
			want := tc.failed + " CREATE_FAILED"
			var found string
			for _, ev := range e.events(t, "bad") {
				if strings.HasPrefix(ev, want) {
					found = ev
				}
			}
			if !strings.Contains(found, "Error Code: "+tc.code+")") {
				t.Errorf("no %s event with %s: %q\n%s", want, tc.code, found, strings.Join(e.events(t, "bad"), "\n"))
			}
		})
	}
}

// Deleting a subnet, VPC or internet gateway attachment that another stack still uses fails with
// DependencyViolation, as EC2 refuses it; once the user is gone, the deletion succeeds.
func TestEC2DependencyViolation(t *testing.T) {
	e := newEnv(t, Options{})
	net := e.createStack(t, "net", `{"Resources": {`+vpcBase+`},
  "Outputs": {"Subnet": {"Value": {"Ref": "SubnetA"}}}}`)
	e.createStack(t, "nat", `{"Resources": {
  "EIP": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
  "NAT": {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": "`+net["Subnet"]+`", "AllocationId": {"Fn::GetAtt": ["EIP", "AllocationId"]}}}}}`)
	e.deleteStack(t, "net")
	if st := e.stack(t, "net"); st.StackStatus != cfntypes.StackStatusDeleteFailed {
		t.Fatalf("stack %s, want DELETE_FAILED", st.StackStatus)
	}
	failed := map[string]string{}
	for _, ev := range e.events(t, "net") {
		if id, reason, ok := strings.Cut(ev, " DELETE_FAILED "); ok {
			failed[id] = reason
		}
	}
	for _, id := range []string{"SubnetA", "Attach", "VPC"} {
		if !strings.Contains(failed[id], "Error Code: DependencyViolation") {
			t.Errorf("%s: %q, want a DependencyViolation", id, failed[id])
		}
	}
	if !strings.Contains(failed["Attach"], "mapped public address") {
		t.Errorf("detaching the gateway: %q", failed["Attach"])
	}
	e.deleteStack(t, "nat")
	e.deleteStack(t, "net")
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("net")}); err == nil {
		t.Error("the network stack is still there once nothing uses it")
	}
}

// Changing only a subnet's zone replaces it, and the replacement, created beside the old subnet, conflicts with
// its range on AWS: the update rolls back.
func TestSubnetReplacementKeepingItsRangeConflicts(t *testing.T) {
	e := newEnv(t, Options{})
	tmpl := `{"Resources": {` + vpcBase + `}}`
	e.deploy(t, "net", tmpl, nil)
	before := e.physicalID(t, "net", "SubnetA")
	e.execute(t, e.changeSet(t, "net", "move", cfntypes.ChangeSetTypeUpdate, strings.Replace(tmpl, `"us-east-1a"`, `"us-east-1b"`, 1), nil))
	if st := e.stack(t, "net"); st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("stack %s, want UPDATE_ROLLBACK_COMPLETE", st.StackStatus)
	}
	if !slices.ContainsFunc(e.events(t, "net"), func(ev string) bool {
		return strings.HasPrefix(ev, "SubnetA UPDATE_FAILED") && strings.Contains(ev, "InvalidSubnet.Conflict")
	}) {
		t.Errorf("no conflict on SubnetA:\n%s", strings.Join(e.events(t, "net"), "\n"))
	}
	if after := e.physicalID(t, "net", "SubnetA"); after != before {
		t.Errorf("subnet %s became %s", before, after)
	}
}
