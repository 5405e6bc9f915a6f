package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/network"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The flags give what network.Render makes of the same input, byte for byte once indented.
func TestConvertNetworkFlags(t *testing.T) {
	code, out, errOut := run(t, "convert", "network", "--stack-name", "shop-net", "--zones", "3", "--nat", "PerZone",
		"--cidr", "10.4.0.0/20", "--endpoint", "ecr.api", "--endpoint", "s3", "--region", "eu-west-1", "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	body, err := network.Render(network.Input{StackName: "shop-net", Region: "eu-west-1", CIDR: "10.4.0.0/20", Zones: 3, NAT: csv1.NATPerZone,
		Endpoints: []csv1.VPCEndpoint{csv1.EndpointECRAPI, csv1.EndpointS3}})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Indent(&want, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	if out != want.String()+"\n" {
		t.Errorf("convert network differs from network.Render:\n%s", out)
	}
}

// Without --format the template is YAML, with the defaults of the API: 2 zones, one NAT gateway, 10.0.0.0/16.
func TestConvertNetworkDefaults(t *testing.T) {
	code, out, errOut := run(t, "convert", "network", "--stack-name", "n")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	doc := template(t, out)
	res := doc["Resources"].(map[string]any)
	if _, ok := res["NatGatewayZone1"]; !ok || res["NatGatewayZone2"] != nil || res["PublicSubnetZone3"] != nil {
		t.Errorf("resources %v", keys(res))
	}
	if cidr := res["VPC"].(map[string]any)["Properties"].(map[string]any)["CidrBlock"]; cidr != "10.0.0.0/16" {
		t.Errorf("VPC range %v", cidr)
	}
	if name := doc["Outputs"].(map[string]any)["VpcId"].(map[string]any)["Export"].(map[string]any)["Name"]; name != "n-VpcId" {
		t.Errorf("VPC export %v", name)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

const networkManifest = `apiVersion: composestack.dev/v1alpha1
kind: ComposeNetwork
metadata:
  name: shop
  namespace: prod
spec:
  zones: 3
  nat: None
  cidr: 10.9.0.0/16
  endpoints: [ecr.api, ecr.dkr, logs, s3]
  stack:
    tags:
      team: payments
`

// A manifest gives the spec and, without spec.stack.name, the stack name the controller uses; flags override it.
func TestConvertNetworkManifest(t *testing.T) {
	path := writeFile(t, "network.yaml", networkManifest)
	code, out, errOut := run(t, "convert", "network", "-f", path, "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	doc := template(t, out)
	stack := csv1.DefaultStackName("prod", "shop")
	if name := doc["Outputs"].(map[string]any)["PrivateSubnet3"].(map[string]any)["Export"].(map[string]any)["Name"]; name != stack+"-PrivateSubnet3" {
		t.Errorf("export %v, want %s-PrivateSubnet3", name, stack)
	}
	res := doc["Resources"].(map[string]any)
	if res["NatGatewayZone1"] != nil || res["LogsEndpoint"] == nil || res["SecretsManagerEndpoint"] != nil {
		t.Errorf("resources %v", keys(res))
	}
	if !strings.Contains(out, `"team"`) || !strings.Contains(out, `"10.9.0.0/16"`) {
		t.Error("the manifest's tags or range are missing")
	}

	code, out, errOut = run(t, "convert", "network", "-f", path, "--zones", "2", "--stack-name", "other", "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	res = template(t, out)["Resources"].(map[string]any)
	if res["PublicSubnetZone3"] != nil || !strings.Contains(out, `"other-VpcId"`) || res["LogsEndpoint"] == nil {
		t.Errorf("flags did not override the manifest's zones and name, or lost its endpoints: %v", keys(res))
	}
}

func TestConvertNetworkErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "--stack-name: name the CloudFormation stack"},
		{[]string{"--stack-name", "n", "--cidr", "10.0.0.0/27"}, `--cidr: spec.cidr "10.0.0.0/27": too small for 4 subnets`},
		{[]string{"--stack-name", "n", "--zones", "4"}, "--zones: spec.zones: 4"},
		{[]string{"--stack-name", "n", "--nat", "single"}, `--nat: spec.nat "single": use Single, PerZone or None`},
		{[]string{"--stack-name", "n", "--endpoint", "sqs"}, `--endpoint: spec.endpoints[0] "sqs"`},
		{[]string{"--stack-name", "n", "--format", "xml"}, `--format "xml": use yaml or json`},
		{[]string{"-f", "missing.yaml"}, "-f missing.yaml: open missing.yaml"},
		{[]string{"-f", writeFile(t, "stack.yaml", "apiVersion: composestack.dev/v1alpha1\nkind: ComposeStack\nmetadata: {name: a}\n")}, `kind "ComposeStack" of "composestack.dev/v1alpha1", not ComposeNetwork`},
		{[]string{"-f", writeFile(t, "typo.yaml", strings.Replace(networkManifest, "zones:", "zone:", 1))}, `not a ComposeNetwork: json: unknown field "zone"`},
		{[]string{"-f", writeFile(t, "small.yaml", strings.Replace(networkManifest, "10.9.0.0/16", "10.9.0.0/26", 1))}, `spec.cidr "10.9.0.0/26": too small for 6 subnets`},
		{[]string{"--stack-name", "n", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"convert", "network"}, tc.args...)...)
			if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, and %q", code, out, errOut, tc.want)
			}
		})
	}
}

const privateCompose = `services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
  db:
    image: postgres:17
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data: {}
`

// A project converted into a network's private subnets, by the exports, deploys into the network the local
// endpoint built: services, load balancer and EFS mount targets accept its subnets.
func TestConvertedStackDeploysIntoNetwork(t *testing.T) {
	_, cl := localAWS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	create := func(name, body string) {
		t.Helper()
		_, err := cl.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body),
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
		if err != nil {
			t.Fatal(err)
		}
		for {
			out, err := cl.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			st := out.Stacks[0]
			if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
				if st.StackStatus != cfntypes.StackStatusCreateComplete {
					t.Fatalf("stack %s: %s (%s)", name, st.StackStatus, aws.ToString(st.StackStatusReason))
				}
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	code, body, errOut := run(t, "convert", "network", "--stack-name", "shop-net", "--format", "json")
	if code != 0 {
		t.Fatalf("convert network: %s", errOut)
	}
	create("shop-net", body)

	compose := writeFile(t, "compose.yaml", privateCompose)
	code, body, errOut = run(t, "convert", "-f", compose, "-p", "shop", "--vpc-import", "shop-net-VpcId",
		"--subnet-import", "shop-net-PrivateSubnet1", "--subnet-import", "shop-net-PrivateSubnet2", "--no-public-ip", "--internal-lb", "--format", "json")
	if code != 0 {
		t.Fatalf("convert: %s", errOut)
	}
	create("shop", body)

	out, err := cl.ELBv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil || len(out.LoadBalancers) != 1 {
		t.Fatalf("load balancers: %v", err)
	}
	vpc, err := cl.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"false"}}}})
	if err != nil || len(vpc.Vpcs) != 1 || aws.ToString(out.LoadBalancers[0].VpcId) != aws.ToString(vpc.Vpcs[0].VpcId) {
		t.Errorf("the load balancer is not in the network's VPC: %v", err)
	}
}
