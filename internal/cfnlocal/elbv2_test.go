package cfnlocal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// elbClient is an ELBv2 client for the env's server that makes up to
// attempts attempts per call, without backoff delays.
func elbClient(e *env, attempts int) *elbv2.Client {
	return elbv2.NewFromConfig(retryingConfig(e, attempts))
}

// createStack creates a stack with CreateStack, waits for CREATE_COMPLETE
// and returns its outputs.
func (e *env) createStack(t *testing.T, name, body string) map[string]string {
	t.Helper()
	if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body)}); err != nil {
		t.Fatalf("create stack %s: %v", name, err)
	}
	e.idle(t)
	st := e.stack(t, name)
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("stack %s: %s (%s)", name, st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	outs := map[string]string{}
	for _, o := range st.Outputs {
		outs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return outs
}

// deleteStack deletes a stack and waits until it is gone.
func (e *env) deleteStack(t *testing.T, name string) {
	t.Helper()
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		t.Fatalf("delete stack %s: %v", name, err)
	}
	e.idle(t)
}

// sharedLBTemplate has a named application load balancer in the first two
// default subnets and an unnamed internal network load balancer in the
// third, with outputs computed by Fn::GetAtt.
func sharedLBTemplate(s *Server) string {
	sn := s.defaultSubnets()
	return fmt.Sprintf(`{
  "Resources": {
    "Web": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Name": "shared-web", "Subnets": [%q, %q]}},
    "Internal": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Type": "network", "Scheme": "internal", "Subnets": [%q]}}
  },
  "Outputs": {
    "WebArn": {"Value": {"Ref": "Web"}},
    "WebDNS": {"Value": {"Fn::GetAtt": ["Web", "DNSName"]}},
    "WebZone": {"Value": {"Fn::GetAtt": ["Web", "CanonicalHostedZoneID"]}},
    "WebGroups": {"Value": {"Fn::Join": [",", {"Fn::GetAtt": ["Web", "SecurityGroups"]}]}},
    "InternalArn": {"Value": {"Ref": "Internal"}},
    "InternalName": {"Value": {"Fn::GetAtt": ["Internal", "LoadBalancerName"]}},
    "InternalDNS": {"Value": {"Fn::GetAtt": ["Internal", "DNSName"]}}
  }
}`, sn[0].ID, sn[1].ID, sn[2].ID)
}

// oneLBTemplate has one application load balancer with the given name.
func oneLBTemplate(name string) string {
	return fmt.Sprintf(`{"Resources": {"LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Name": %q, "Subnets": ["subnet-0cf10c41000000001"]}}},
  "Outputs": {"Arn": {"Value": {"Ref": "LB"}}}}`, name)
}

// zones renders a load balancer's availability zones as "subnet@zone".
func zones(lb elbtypes.LoadBalancer) []string {
	var out []string
	for _, z := range lb.AvailabilityZones {
		out = append(out, aws.ToString(z.SubnetId)+"@"+aws.ToString(z.ZoneName))
	}
	return out
}

func arnsOf(lbs []elbtypes.LoadBalancer) []string {
	out := make([]string, 0, len(lbs))
	for _, lb := range lbs {
		out = append(out, aws.ToString(lb.LoadBalancerArn))
	}
	return out
}

func TestELBv2DescribeLoadBalancersByNameAndARN(t *testing.T) {
	e := newEnv(t, Options{Region: "eu-west-1", AccountID: "210987654321"})
	c := elbClient(e, 1)
	before := time.Now().Truncate(time.Millisecond)
	outs := e.createStack(t, "shared", sharedLBTemplate(e.srv))
	after := time.Now()

	out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"shared-web"}})
	if err != nil {
		t.Fatalf("describe by name: %v", err)
	}
	if len(out.LoadBalancers) != 1 || out.NextMarker != nil {
		t.Fatalf("describe by name: %d load balancers, next marker %v", len(out.LoadBalancers), out.NextMarker)
	}
	web := out.LoadBalancers[0]
	if got := aws.ToString(web.LoadBalancerArn); got != outs["WebArn"] || !strings.HasPrefix(got, "arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/shared-web/") {
		t.Errorf("ARN = %q, want the stack's %q", got, outs["WebArn"])
	}
	if aws.ToString(web.LoadBalancerName) != "shared-web" || web.Type != elbtypes.LoadBalancerTypeEnumApplication ||
		web.Scheme != elbtypes.LoadBalancerSchemeEnumInternetFacing || web.IpAddressType != elbtypes.IpAddressTypeIpv4 {
		t.Errorf("name %q type %q scheme %q ip %q", aws.ToString(web.LoadBalancerName), web.Type, web.Scheme, web.IpAddressType)
	}
	if aws.ToString(web.DNSName) != outs["WebDNS"] || aws.ToString(web.CanonicalHostedZoneId) != outs["WebZone"] {
		t.Errorf("DNS %q zone %q, want the stack's %q %q", aws.ToString(web.DNSName), aws.ToString(web.CanonicalHostedZoneId), outs["WebDNS"], outs["WebZone"])
	}
	if got := strings.Join(web.SecurityGroups, ","); got != outs["WebGroups"] || !strings.HasPrefix(got, "sg-") {
		t.Errorf("security groups %q, want the stack's %q", got, outs["WebGroups"])
	}
	if aws.ToString(web.VpcId) != defaultVPCID {
		t.Errorf("VPC %q, want the default VPC %q", aws.ToString(web.VpcId), defaultVPCID)
	}
	equalLines(t, zones(web), []string{"subnet-0cf10c41000000001@eu-west-1a", "subnet-0cf10c41000000002@eu-west-1b"})
	if web.State == nil || web.State.Code != elbtypes.LoadBalancerStateEnumActive {
		t.Errorf("state %+v", web.State)
	}
	if web.CreatedTime == nil || web.CreatedTime.Before(before) || web.CreatedTime.After(after) {
		t.Errorf("created %v, want within [%v, %v]", web.CreatedTime, before, after)
	}

	out, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{outs["InternalArn"]}})
	if err != nil {
		t.Fatalf("describe by ARN: %v", err)
	}
	if len(out.LoadBalancers) != 1 {
		t.Fatalf("describe by ARN: %d load balancers", len(out.LoadBalancers))
	}
	nlb := out.LoadBalancers[0]
	if aws.ToString(nlb.LoadBalancerArn) != outs["InternalArn"] || !strings.Contains(outs["InternalArn"], ":loadbalancer/net/") {
		t.Errorf("ARN %q, want %q", aws.ToString(nlb.LoadBalancerArn), outs["InternalArn"])
	}
	if aws.ToString(nlb.LoadBalancerName) != outs["InternalName"] || !strings.HasPrefix(outs["InternalName"], "shared-Internal-") {
		t.Errorf("generated name %q, want the stack's %q", aws.ToString(nlb.LoadBalancerName), outs["InternalName"])
	}
	if nlb.Type != elbtypes.LoadBalancerTypeEnumNetwork || nlb.Scheme != elbtypes.LoadBalancerSchemeEnumInternal {
		t.Errorf("type %q scheme %q", nlb.Type, nlb.Scheme)
	}
	if aws.ToString(nlb.DNSName) != outs["InternalDNS"] || aws.ToString(nlb.CanonicalHostedZoneId) != "Z26RNL4JYFTOTI" {
		t.Errorf("DNS %q zone %q", aws.ToString(nlb.DNSName), aws.ToString(nlb.CanonicalHostedZoneId))
	}
	if len(nlb.SecurityGroups) != 0 {
		t.Errorf("network load balancer without groups has %v", nlb.SecurityGroups)
	}
	equalLines(t, zones(nlb), []string{"subnet-0cf10c41000000003@eu-west-1c"})
	if aws.ToString(nlb.VpcId) != defaultVPCID {
		t.Errorf("VPC %q", aws.ToString(nlb.VpcId))
	}

	// Both at once, by ARN.
	out, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{outs["WebArn"], outs["InternalArn"]}})
	if err != nil || len(out.LoadBalancers) != 2 {
		t.Fatalf("describe two by ARN: %v %d", err, len(out.LoadBalancers))
	}
	if got := e.srv.CallOutcomes()["elasticloadbalancing:DescribeLoadBalancers OK"]; got != 3 {
		t.Errorf("counted %d successful calls, want 3", got)
	}
}

func TestELBv2PropertiesAndStackSubnets(t *testing.T) {
	e := newEnv(t, Options{})
	c := elbClient(e, 1)
	got := e.createStack(t, "net", `{
  "Resources": {
    "VPC": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "VPC"}, "AvailabilityZone": "us-east-1c", "CidrBlock": "10.0.0.0/24"}},
    "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "lb"}},
    "LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
      "Name": "private-api", "Scheme": "internal", "IpAddressType": "dualstack",
      "SecurityGroups": [{"Ref": "Group"}], "SubnetMappings": [{"SubnetId": {"Ref": "Subnet"}}]}}
  },
  "Outputs": {"VPC": {"Value": {"Ref": "VPC"}}, "Subnet": {"Value": {"Ref": "Subnet"}}, "Group": {"Value": {"Ref": "Group"}}}
}`)
	out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"private-api"}})
	if err != nil || len(out.LoadBalancers) != 1 {
		t.Fatalf("describe: %v", err)
	}
	lb := out.LoadBalancers[0]
	if aws.ToString(lb.VpcId) != got["VPC"] {
		t.Errorf("VPC %q, want the stack subnet's", aws.ToString(lb.VpcId))
	}
	equalLines(t, zones(lb), []string{got["Subnet"] + "@us-east-1c"})
	equalLines(t, lb.SecurityGroups, []string{got["Group"]})
	if lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternal || lb.IpAddressType != elbtypes.IpAddressTypeDualstack {
		t.Errorf("scheme %q ip %q", lb.Scheme, lb.IpAddressType)
	}
}

func TestELBv2DescribeAllAndPaginate(t *testing.T) {
	e := newEnv(t, Options{})
	c := elbClient(e, 1)
	empty, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil || empty.LoadBalancers == nil || len(empty.LoadBalancers) != 0 || empty.NextMarker != nil {
		t.Fatalf("no stacks: %v %+v", err, empty)
	}
	var want []string
	for _, n := range []string{"lb-c", "lb-a", "lb-b"} {
		want = append(want, e.createStack(t, "stack-"+n, oneLBTemplate(n))["Arn"])
	}
	sort.Strings(want)

	all, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	equalLines(t, arnsOf(all.LoadBalancers), want)
	if all.NextMarker != nil {
		t.Errorf("unexpected next marker %q", aws.ToString(all.NextMarker))
	}

	var paged []string
	pages := 0
	p := elbv2.NewDescribeLoadBalancersPaginator(c, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		if len(out.LoadBalancers) != 1 {
			t.Errorf("page %d has %d load balancers", pages, len(out.LoadBalancers))
		}
		if (out.NextMarker == nil) != (pages == len(want)) {
			t.Errorf("page %d: next marker %v", pages, out.NextMarker)
		}
		paged = append(paged, arnsOf(out.LoadBalancers)...)
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	equalLines(t, paged, want)

	two, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
	if err != nil || len(two.LoadBalancers) != 2 || two.NextMarker == nil {
		t.Fatalf("page size 2: %v %+v", err, two)
	}
	// A marker still works after the load balancer it follows is deleted.
	e.deleteStack(t, "stack-lb-a")
	rest, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(2), Marker: two.NextMarker})
	if err != nil {
		t.Fatal(err)
	}
	equalLines(t, arnsOf(rest.LoadBalancers), want[2:])
	if rest.NextMarker != nil {
		t.Errorf("last page has next marker %q", aws.ToString(rest.NextMarker))
	}

	// Paging applies to named lookups too.
	named, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"lb-c", "lb-b"}, PageSize: aws.Int32(1)})
	if err != nil || len(named.LoadBalancers) != 1 || aws.ToString(named.LoadBalancers[0].LoadBalancerName) != "lb-b" || named.NextMarker == nil {
		t.Fatalf("named first page: %v %+v", err, named)
	}

	for _, size := range []int32{0, 401} {
		_, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(size)})
		apiErr(t, err, "ValidationError", http.StatusBadRequest, "pageSize")
	}
	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Marker: aws.String("not-a-marker")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "marker")
}

func TestELBv2NotFoundAndValidationErrors(t *testing.T) {
	e := newEnv(t, Options{})
	c := elbClient(e, 1)
	outs := e.createStack(t, "shared", sharedLBTemplate(e.srv))

	_, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"shared-web", "nope"}})
	var nf *elbtypes.LoadBalancerNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown name: want *types.LoadBalancerNotFoundException, got %T %v", err, err)
	}
	apiErr(t, err, "LoadBalancerNotFound", http.StatusBadRequest, "Load balancers '[nope]' not found")

	missingARN := strings.Replace(outs["WebArn"], "shared-web", "other-web", 1)
	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{outs["WebArn"], missingARN}})
	if !errors.As(err, &nf) {
		t.Fatalf("unknown ARN: want *types.LoadBalancerNotFoundException, got %T %v", err, err)
	}
	apiErr(t, err, "LoadBalancerNotFound", http.StatusBadRequest, "One or more load balancers not found")

	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"shared-web"}, LoadBalancerArns: []string{outs["WebArn"]}})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "cannot be specified at the same time")

	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{"shared-web"}})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "'shared-web' is not a valid load balancer ARN")

	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("%s-%d", outs["WebArn"], i)
	}
	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: many})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "less than or equal to 20")

	got := e.srv.CallOutcomes()
	for k, v := range map[string]int{"elasticloadbalancing:DescribeLoadBalancers LoadBalancerNotFound": 2, "elasticloadbalancing:DescribeLoadBalancers ValidationError": 3} {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

func TestELBv2LoadBalancerGoneAfterStackDelete(t *testing.T) {
	e := newEnv(t, Options{})
	c := elbClient(e, 1)
	outs := e.createStack(t, "shared", sharedLBTemplate(e.srv))
	if _, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"shared-web"}}); err != nil {
		t.Fatalf("before delete: %v", err)
	}
	e.deleteStack(t, "shared")
	_, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"shared-web"}})
	var nf *elbtypes.LoadBalancerNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("by name after delete: want LoadBalancerNotFound, got %v", err)
	}
	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{outs["InternalArn"]}})
	if !errors.As(err, &nf) {
		t.Errorf("by ARN after delete: want LoadBalancerNotFound, got %v", err)
	}
	all, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil || len(all.LoadBalancers) != 0 {
		t.Errorf("all after delete: %v %v", err, arnsOf(all.LoadBalancers))
	}
}

func TestELBv2FaultsAreRetriedAndCounted(t *testing.T) {
	e := newEnv(t, Options{})
	e.createStack(t, "shared", sharedLBTemplate(e.srv))
	const op = "elasticloadbalancing:DescribeLoadBalancers"
	for _, f := range []APIFault{
		{Operation: op, Kind: FaultThrottle, Times: 2},
		{Operation: op, Kind: FaultServerError, Times: 1},
		{Operation: op, Kind: FaultDrop, Times: 1},
	} {
		if err := e.srv.AddAPIFault(f); err != nil {
			t.Fatal(err)
		}
	}
	out, err := elbClient(e, 5).DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"shared-web"}})
	if err != nil || len(out.LoadBalancers) != 1 {
		t.Fatalf("call did not survive the faults: %v", err)
	}
	if n := e.srv.Calls()[op]; n != 5 {
		t.Errorf("%s calls = %d, want 5", op, n)
	}
	got := e.srv.CallOutcomes()
	for k, v := range map[string]int{op + " Throttling": 2, op + " InternalFailure": 1, op + " Dropped": 1, op + " OK": 1} {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	// Without retries the client sees the service's errors.
	c := elbClient(e, 1)
	if err := e.srv.AddAPIFault(APIFault{Operation: op, Kind: FaultThrottle, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
	apiErr(t, err, "Throttling", http.StatusBadRequest, "Rate exceeded")
	if err := e.srv.AddAPIFault(APIFault{Operation: op, Kind: FaultServerError, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
	apiErr(t, err, "InternalFailure", http.StatusInternalServerError, "internal error")
	// Faults on other services' operations leave ELBv2 alone.
	if err := e.srv.AddAPIFault(APIFault{Operation: "DescribeLoadBalancers", Kind: FaultThrottle}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{}); err != nil {
		t.Errorf("a CloudFormation-named fault hit ELBv2: %v", err)
	}
}

func TestELBv2UnsupportedActionsAndRawProtocol(t *testing.T) {
	e := newEnv(t, Options{})
	c := elbClient(e, 1)
	_, err := c.DescribeTargetGroups(e.ctx, &elbv2.DescribeTargetGroupsInput{})
	apiErr(t, err, "InvalidAction", http.StatusBadRequest, "cfnlocal does not support the Elastic Load Balancing action DescribeTargetGroups")
	_, err = c.CreateLoadBalancer(e.ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("x")})
	apiErr(t, err, "InvalidAction", http.StatusBadRequest, "CreateLoadBalancer")

	post := func(body string, signed bool) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.ts.URL+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signed {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=x")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Unsigned form posts with ELBv2's version reach ELBv2.
	code, body := post("Action=DescribeLoadBalancers&Version=2015-12-01", false)
	if code != http.StatusOK || !strings.Contains(body, `<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeLoadBalancersResult><LoadBalancers></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>`) {
		t.Errorf("unsigned describe: %d %s", code, body)
	}
	code, body = post(url.Values{"Action": {"DescribeLoadBalancers"}, "Version": {"2015-12-01"}, "Names.member.1": {"nope"}}.Encode(), false)
	if code != http.StatusBadRequest || !strings.Contains(body, `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>Load balancers &#39;[nope]&#39; not found</Message></Error><RequestId>`) {
		t.Errorf("unsigned not found: %d %s", code, body)
	}
	// The classic ELB API shares the signing name; its version is refused.
	code, body = post("Action=DescribeLoadBalancers&Version=2012-06-01", true)
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidAction</Code>") || !strings.Contains(body, "2012-06-01") {
		t.Errorf("classic ELB version: %d %s", code, body)
	}
	code, body = post("Version=2015-12-01", true)
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>MissingAction</Code>") {
		t.Errorf("missing action: %d %s", code, body)
	}
	calls := e.srv.Calls()
	if calls["elasticloadbalancing:Unsupported"] != 4 || calls["elasticloadbalancing:DescribeLoadBalancers"] != 2 || calls["UnknownOperation"] != 0 {
		t.Errorf("calls %v", calls)
	}
}

func TestELBv2DescribeWhileStacksChange(t *testing.T) {
	e := newEnv(t, Options{ResourceDelay: time.Millisecond})
	c := elbClient(e, 1)
	const rounds = 5
	done := make(chan struct{})
	// exists hands the describing loop a channel to close once it has seen
	// the load balancer of the current round.
	exists := make(chan chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(done)
		for i := range rounds {
			name := fmt.Sprintf("churn-%d", i)
			if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(oneLBTemplate("churn"))}); err != nil {
				errs <- err
				return
			}
			if err := e.srv.WaitIdle(e.ctx); err != nil {
				errs <- err
				return
			}
			ack := make(chan struct{})
			select {
			case exists <- ack:
			case <-e.ctx.Done():
				return
			}
			<-ack
			if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
				errs <- err
				return
			}
		}
	}()
	seen := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		case ack := <-exists:
			out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"churn"}})
			if err != nil || len(out.LoadBalancers) != 1 {
				t.Errorf("created load balancer not found: %v", err)
			} else {
				seen++
			}
			close(ack)
		default:
			out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
			if err != nil {
				t.Fatalf("describe during changes: %v", err)
			}
			for _, lb := range out.LoadBalancers {
				if aws.ToString(lb.LoadBalancerName) != "churn" || aws.ToString(lb.DNSName) == "" || lb.CreatedTime == nil {
					t.Errorf("load balancer %+v", lb)
				}
			}
		}
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if seen != rounds {
		t.Errorf("saw the load balancer in %d of %d rounds", seen, rounds)
	}
	e.idle(t)
	out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil || len(out.LoadBalancers) != 0 {
		t.Errorf("after the churn: %v %v", err, arnsOf(out.LoadBalancers))
	}
}

func TestELBv2OnlyCreatedAndUndeletedLoadBalancers(t *testing.T) {
	e := newEnv(t, Options{ManualStep: true})
	c := elbClient(e, 1)
	step := func() {
		t.Helper()
		if err := e.srv.Step(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.srv.Settle(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		t.Helper()
		out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{})
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, lb := range out.LoadBalancers {
			ns = append(ns, aws.ToString(lb.LoadBalancerName))
		}
		sort.Strings(ns)
		return ns
	}
	tpl := `{"Resources": {
  "First": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Name": "first"}},
  "Second": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "DependsOn": "First", "Properties": {"Name": "second"}}}}`
	if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(tpl)}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Settle(e.ctx); err != nil {
		t.Fatal(err)
	}
	var seen []string
	record := func() {
		seen = append(seen, string(e.stack(t, "s").StackStatus)+" ["+strings.Join(names(), " ")+"]")
	}
	record()
	step()
	record()
	step()
	record()
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Settle(e.ctx); err != nil {
		t.Fatal(err)
	}
	record()
	step()
	record()
	step()
	equalLines(t, seen, []string{
		"CREATE_IN_PROGRESS []",
		"CREATE_IN_PROGRESS [first]",
		"CREATE_COMPLETE [first second]",
		"DELETE_IN_PROGRESS [first second]",
		"DELETE_IN_PROGRESS [first]",
	})
	if got := names(); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
}

func TestELBv2UpdatesAndReplacements(t *testing.T) {
	e := newEnv(t, Options{})
	c := elbClient(e, 1)
	tpl := func(name, subnet string) string {
		return fmt.Sprintf(`{"Resources": {"LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Name": %q, "Subnets": [%q]}}}}`, name, subnet)
	}
	describe := func(name string) elbtypes.LoadBalancer {
		t.Helper()
		out, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{name}})
		if err != nil || len(out.LoadBalancers) != 1 {
			t.Fatalf("describe %s: %v", name, err)
		}
		return out.LoadBalancers[0]
	}
	e.createStack(t, "s", tpl("blue", "subnet-0cf10c41000000001"))
	orig := describe("blue")
	time.Sleep(5 * time.Millisecond)

	// Moving subnets updates the load balancer in place: same ARN and
	// creation time, new zones.
	e.execute(t, e.changeSet(t, "s", "move", cfntypes.ChangeSetTypeUpdate, tpl("blue", "subnet-0cf10c41000000002"), nil))
	moved := describe("blue")
	if aws.ToString(moved.LoadBalancerArn) != aws.ToString(orig.LoadBalancerArn) || !aws.ToTime(moved.CreatedTime).Equal(aws.ToTime(orig.CreatedTime)) {
		t.Errorf("in-place update changed ARN or creation time: %s %v -> %s %v", aws.ToString(orig.LoadBalancerArn), orig.CreatedTime, aws.ToString(moved.LoadBalancerArn), moved.CreatedTime)
	}
	equalLines(t, zones(moved), []string{"subnet-0cf10c41000000002@us-east-1b"})

	// Renaming replaces it: the old one is gone, the new one is newer.
	time.Sleep(5 * time.Millisecond)
	e.execute(t, e.changeSet(t, "s", "rename", cfntypes.ChangeSetTypeUpdate, tpl("green", "subnet-0cf10c41000000002"), nil))
	green := describe("green")
	if aws.ToString(green.LoadBalancerArn) == aws.ToString(orig.LoadBalancerArn) || !aws.ToTime(green.CreatedTime).After(aws.ToTime(orig.CreatedTime)) {
		t.Errorf("replacement kept ARN or creation time: %s %v", aws.ToString(green.LoadBalancerArn), green.CreatedTime)
	}
	_, err := c.DescribeLoadBalancers(e.ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"blue"}})
	var nf *elbtypes.LoadBalancerNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("replaced load balancer still found: %v", err)
	}
}
