package network

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// renderDoc renders in and decodes the template into generic values.
func renderDoc(t *testing.T, in Input) map[string]any {
	t.Helper()
	body, err := Render(in)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func props(t *testing.T, doc map[string]any, id string) map[string]any {
	t.Helper()
	res, ok := doc["Resources"].(map[string]any)[id].(map[string]any)
	if !ok {
		t.Fatalf("no resource %s", id)
	}
	p, _ := res["Properties"].(map[string]any)
	return p
}

func TestNATModes(t *testing.T) {
	for _, tc := range []struct {
		nat      csv1.NATMode
		zones    int
		gateways []string          // NAT gateways the template holds
		routes   map[string]string // private route table's default route -> NAT gateway
	}{
		{csv1.NATSingle, 3, []string{"NatGatewayZone1"}, map[string]string{
			"PrivateDefaultRouteZone1": "NatGatewayZone1", "PrivateDefaultRouteZone2": "NatGatewayZone1", "PrivateDefaultRouteZone3": "NatGatewayZone1",
		}},
		{csv1.NATPerZone, 2, []string{"NatGatewayZone1", "NatGatewayZone2"}, map[string]string{
			"PrivateDefaultRouteZone1": "NatGatewayZone1", "PrivateDefaultRouteZone2": "NatGatewayZone2",
		}},
		{csv1.NATNone, 2, nil, map[string]string{}},
	} {
		t.Run(string(tc.nat), func(t *testing.T) {
			doc := renderDoc(t, Input{StackName: "n", Zones: tc.zones, NAT: tc.nat})
			var gateways []string
			routes := map[string]string{}
			for id, r := range doc["Resources"].(map[string]any) {
				r := r.(map[string]any)
				p, _ := r["Properties"].(map[string]any)
				switch r["Type"] {
				case "AWS::EC2::NatGateway":
					gateways = append(gateways, id)
					if p["SubnetId"].(map[string]any)["Ref"] != "PublicSubnet"+strings.TrimPrefix(id, "NatGateway") {
						t.Errorf("%s is not in its zone's public subnet: %v", id, p["SubnetId"])
					}
				case "AWS::EC2::Route":
					if nat, ok := p["NatGatewayId"].(map[string]any); ok {
						routes[id] = nat["Ref"].(string)
					}
				}
			}
			if len(gateways) != len(tc.gateways) {
				t.Errorf("NAT gateways %v, want %v", gateways, tc.gateways)
			}
			if !reflect.DeepEqual(routes, tc.routes) {
				t.Errorf("private default routes %v, want %v", routes, tc.routes)
			}
		})
	}
}

func TestSubnetsSplitTheVPC(t *testing.T) {
	for _, tc := range []struct {
		cidr  string
		zones int
		want  []string // public by zone, then private by zone
	}{
		{"10.0.0.0/16", 2, []string{"10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"}},
		{"10.1.0.0/24", 3, []string{"10.1.0.0/27", "10.1.0.32/27", "10.1.0.64/27", "10.1.0.96/27", "10.1.0.128/27", "10.1.0.160/27"}},
		{"192.168.0.0/26", 2, []string{"192.168.0.0/28", "192.168.0.16/28", "192.168.0.32/28", "192.168.0.48/28"}},
	} {
		doc := renderDoc(t, Input{StackName: "n", CIDR: tc.cidr, Zones: tc.zones})
		var got []string
		for _, kind := range []string{"Public", "Private"} {
			for n := 1; n <= tc.zones; n++ {
				p := props(t, doc, zoneID(kind+"Subnet", n))
				got = append(got, p["CidrBlock"].(string))
				if p["MapPublicIpOnLaunch"] != false {
					t.Errorf("%s%d: MapPublicIpOnLaunch %v, want false", kind, n, p["MapPublicIpOnLaunch"])
				}
				az := p["AvailabilityZone"].(map[string]any)["Fn::Select"].([]any)
				if az[0] != float64(n-1) {
					t.Errorf("%s%d is in zone index %v", kind, n, az[0])
				}
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s over %d zones: subnets %v, want %v", tc.cidr, tc.zones, got, tc.want)
		}
		vpc := netip.MustParsePrefix(tc.cidr)
		for i, a := range got {
			pa := netip.MustParsePrefix(a)
			if !vpc.Contains(pa.Addr()) {
				t.Errorf("%s is outside %s", a, tc.cidr)
			}
			for _, b := range got[:i] {
				if pa.Overlaps(netip.MustParsePrefix(b)) {
					t.Errorf("%s overlaps %s", a, b)
				}
			}
		}
	}
}

func TestEndpoints(t *testing.T) {
	doc := renderDoc(t, Input{StackName: "n", Zones: 2, NAT: csv1.NATNone, Endpoints: []csv1.VPCEndpoint{csv1.EndpointS3, csv1.EndpointLogs}})
	logs := props(t, doc, "LogsEndpoint")
	if logs["VpcEndpointType"] != "Interface" || logs["PrivateDnsEnabled"] != true || len(logs["SubnetIds"].([]any)) != 2 {
		t.Errorf("logs endpoint: %v", logs)
	}
	if sub := logs["ServiceName"].(map[string]any)["Fn::Sub"]; sub != "com.amazonaws.${AWS::Region}.logs" {
		t.Errorf("logs service name %v", sub)
	}
	s3 := props(t, doc, "S3Endpoint")
	if s3["VpcEndpointType"] != "Gateway" || len(s3["RouteTableIds"].([]any)) != 2 || s3["SubnetIds"] != nil {
		t.Errorf("s3 endpoint: %v", s3)
	}
	ingress := props(t, doc, endpointsGroupID)["SecurityGroupIngress"].([]any)[0].(map[string]any)
	if ingress["CidrIp"] != DefaultCIDR || ingress["FromPort"] != float64(443) || ingress["ToPort"] != float64(443) {
		t.Errorf("endpoint group ingress %v", ingress)
	}
	if _, ok := doc["Resources"].(map[string]any)[endpointsGroupID]; !ok {
		t.Error("no endpoint security group")
	}
	plain := renderDoc(t, Input{StackName: "n", Endpoints: []csv1.VPCEndpoint{csv1.EndpointS3}})
	if _, ok := plain["Resources"].(map[string]any)[endpointsGroupID]; ok {
		t.Error("a security group without interface endpoints")
	}
}

func TestOutputsMatchExportNames(t *testing.T) {
	doc := renderDoc(t, Input{StackName: "net-a", Zones: 3})
	names := ExportNames("net-a", 3)
	want := map[string]string{OutputVPC: names.VPC}
	for n := 1; n <= 3; n++ {
		want[PublicSubnetOutput(n)] = names.PublicSubnets[n-1]
		want[PrivateSubnetOutput(n)] = names.PrivateSubnets[n-1]
	}
	got := map[string]string{}
	for k, o := range doc["Outputs"].(map[string]any) {
		got[k] = o.(map[string]any)["Export"].(map[string]any)["Name"].(string)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs %v, want %v", got, want)
	}
	if names.VPC != "net-a-VpcId" || names.PublicSubnets[2] != "net-a-PublicSubnet3" || names.PrivateSubnets[0] != "net-a-PrivateSubnet1" {
		t.Errorf("export names %+v", names)
	}
}

func TestTags(t *testing.T) {
	// A tag value that is the base64 of an intrinsic stays a string (goformation's own processor would decode it):
	// only the tokens Render issued resolve.
	tricky := "eyJSZWYiOiJWUEMifQ==" // {"Ref":"VPC"}
	doc := renderDoc(t, Input{StackName: "n", Tags: map[string]string{"b": tricky, "a": "1", "Name": "mine"}})
	got := props(t, doc, "PrivateSubnetZone2")["Tags"]
	want := []any{
		map[string]any{"Key": "Name", "Value": "n-private-2"},
		map[string]any{"Key": "a", "Value": "1"},
		map[string]any{"Key": "b", "Value": tricky},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tags %v, want %v", got, want)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		in   Input
		want string
	}{
		{Input{StackName: "n", CIDR: "10.0.0.0/27"}, `spec.cidr "10.0.0.0/27": too small for 4 subnets`},
		{Input{StackName: "n", CIDR: "10.0.0.0/26", Zones: 3}, "use /25 or a shorter prefix"},
		{Input{StackName: "n", CIDR: "10.0.0.0/8"}, "spec.cidr"},
		{Input{StackName: "n", CIDR: "10.0.0.1/16"}, "write 10.0.0.0/16"},
		{Input{StackName: "n", CIDR: "fd00::/56"}, "IPv4"},
		{Input{StackName: "n", CIDR: "ten"}, `spec.cidr "ten"`},
		{Input{StackName: "n", Zones: 4}, "spec.zones: 4"},
		{Input{StackName: "n", NAT: "Two"}, `spec.nat "Two"`},
		{Input{StackName: "n", Endpoints: []csv1.VPCEndpoint{"sqs"}}, `spec.endpoints[0] "sqs": use one of ecr.api, ecr.dkr, logs, s3, secretsmanager`},
		{Input{StackName: "n", Endpoints: []csv1.VPCEndpoint{"s3", "logs", "s3"}}, "spec.endpoints[2]"},
		{Input{StackName: "1net"}, "spec.stack.name"},
		{Input{}, "spec.stack.name"},
	} {
		_, err := Render(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Render(%+v) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

func TestInputFor(t *testing.T) {
	spec := csv1.ComposeNetworkSpec{
		CIDR: "10.9.0.0/16", Zones: 3, NAT: csv1.NATPerZone,
		Endpoints: []csv1.VPCEndpoint{csv1.EndpointS3},
		Stack:     csv1.NetworkStackSpec{Tags: map[string]string{"a": "b"}},
	}
	got := InputFor(spec, "s", "eu-west-1")
	want := Input{StackName: "s", Region: "eu-west-1", CIDR: "10.9.0.0/16", Zones: 3, NAT: csv1.NATPerZone,
		Endpoints: []csv1.VPCEndpoint{csv1.EndpointS3}, Tags: map[string]string{"a": "b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("InputFor = %+v, want %+v", got, want)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	in := Input{StackName: "n", Zones: 3, NAT: csv1.NATPerZone, Endpoints: []csv1.VPCEndpoint{"logs", "s3", "ecr.api"}, Tags: map[string]string{"x": "1", "y": "2", "z": "3"}}
	first, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, _ := Render(in)
		if string(again) != string(first) {
			t.Fatal("two renders of one input differ")
		}
	}
}

func TestExportNamesDefaultZones(t *testing.T) {
	if got := ExportNames("s", 0); len(got.PublicSubnets) != DefaultZones || len(got.PrivateSubnets) != DefaultZones {
		t.Errorf("ExportNames with zones 0 = %+v, want %d zones", got, DefaultZones)
	}
}
