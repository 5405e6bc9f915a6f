package render

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// template decodes a rendered body for assertions.
func template(t *testing.T, res *Result) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		t.Fatalf("Body is not JSON: %v", err)
	}
	return doc
}

// resources returns the resources of a given type, by logical ID.
func resources(t *testing.T, doc map[string]any, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range doc["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			props, _ := res["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

func renderCase(t *testing.T, name string) *Result {
	t.Helper()
	project, opts := loadCase(t, filepath.Join("testdata", name))
	res, err := Render(project, opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return res
}

func TestSeedOverlaysLand(t *testing.T) {
	for name, listener := range map[string]string{
		"seed-utopia-main": "OrchestratorTCP443Listener",
		"seed-utopia-dev":  "UtopiaorchestratorserviceTCP443Listener",
	} {
		t.Run(name, func(t *testing.T) {
			res := renderCase(t, name)
			doc := template(t, res)
			l := resources(t, doc, "AWS::ElasticLoadBalancingV2::Listener")[listener]
			if l == nil {
				t.Fatalf("no listener %s; Docker's logical ID must be kept for the overlay", listener)
			}
			if l["Protocol"] != "TLS" || l["Port"] != 443.0 {
				t.Errorf("listener %s: protocol %v port %v; want TLS on 443", listener, l["Protocol"], l["Port"])
			}
			certs, _ := l["Certificates"].([]any)
			if len(certs) != 1 || !strings.Contains(certs[0].(map[string]any)["CertificateArn"].(string), ":certificate/") {
				t.Errorf("listener %s certificates = %v", listener, l["Certificates"])
			}
			if _, ok := l["DefaultActions"]; !ok {
				t.Errorf("listener %s lost its default actions in the merge", listener)
			}
			rs := resources(t, doc, "AWS::Route53::RecordSet")["Route53RS"]
			alias, _ := rs["AliasTarget"].(map[string]any)
			if got, _ := json.Marshal(alias["DNSName"]); string(got) != `{"Fn::GetAtt":"LoadBalancer.DNSName"}` {
				t.Errorf("Route53RS alias DNSName = %s", got)
			}
			lb := resources(t, doc, "AWS::ElasticLoadBalancingV2::LoadBalancer")["LoadBalancer"]
			if lb["Type"] != "network" {
				t.Errorf("load balancer type %v; the seed publishes non-HTTP ports, so network", lb["Type"])
			}
			var tls bool
			for _, li := range res.Listeners {
				tls = tls || (li.Port == 443 && li.Protocol == "TLS")
			}
			if !tls {
				t.Errorf("Result.Listeners = %+v; want the overlaid TLS listener on 443", res.Listeners)
			}
		})
	}
}

func TestSensitiveValuesStayOutOfTheBody(t *testing.T) {
	res := renderCase(t, "seed-utopia-main")
	if bytes.Contains(res.Body, []byte("made-up-test-key")) {
		t.Fatal("the sensitive env value appears in the template body")
	}
	var found bool
	for _, p := range res.Parameters {
		if p.Key == "ConfigSensitiveEnvironment" {
			found = p.Sensitive && strings.Contains(p.Value, "made-up-test-key")
		}
	}
	if !found {
		t.Fatalf("Parameters = %+v; want ConfigSensitiveEnvironment, sensitive, holding the value", res.Parameters)
	}
	doc := template(t, res)
	param := doc["Parameters"].(map[string]any)["ConfigSensitiveEnvironment"].(map[string]any)
	if param["NoEcho"] != true {
		t.Errorf("parameter ConfigSensitiveEnvironment is not NoEcho: %v", param)
	}
	td := resources(t, doc, "AWS::ECS::TaskDefinition")["ConfigTaskDefinition"]
	main := td["ContainerDefinitions"].([]any)[1].(map[string]any)
	secrets, _ := json.Marshal(main["Secrets"])
	if string(secrets) != `[{"Name":"ENCRYPT_KEY","ValueFrom":{"Fn::Sub":"${ConfigSensitiveEnvironmentSecret}:ENCRYPT_KEY::"}}]` {
		t.Errorf("config container secrets = %s; want ENCRYPT_KEY read from the secret's JSON key", secrets)
	}
	role := resources(t, doc, "AWS::IAM::Role")["ConfigTaskExecutionRole"]
	policy, _ := json.Marshal(role["Policies"])
	if !strings.Contains(string(policy), `{"Ref":"ConfigSensitiveEnvironmentSecret"}`) {
		t.Errorf("execution role policies = %s; want read access to the sensitive environment secret", policy)
	}

	file := renderCase(t, "secrets-file")
	if bytes.Contains(file.Body, []byte("not-a-real-password")) || bytes.Contains(file.Body, []byte("from-the-project-environment")) {
		t.Fatal("secret content appears in the template body")
	}
}

func TestExternalSecurityGroupsAreNotOpened(t *testing.T) {
	doc := template(t, renderCase(t, "networks-external"))
	for id, ing := range resources(t, doc, "AWS::EC2::SecurityGroupIngress") {
		if ing["GroupId"] == "sg-0123456789abcdef0" {
			t.Errorf("ingress %s opens the external security group", id)
		}
	}
	if len(resources(t, doc, "AWS::EC2::SecurityGroupIngress")) == 0 {
		t.Fatal("no ingress at all: the created default network should still be opened")
	}
}

func TestNetworkOptions(t *testing.T) {
	doc := template(t, renderCase(t, "network-ids"))
	for id, svc := range resources(t, doc, "AWS::ECS::Service") {
		cfg := svc["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)
		if cfg["AssignPublicIp"] != "ENABLED" {
			t.Errorf("%s AssignPublicIp = %v; want ENABLED", id, cfg["AssignPublicIp"])
		}
		if got, _ := json.Marshal(cfg["Subnets"]); string(got) != `["subnet-0aaaaaaaaaaaaaaa1","subnet-0bbbbbbbbbbbbbbb2"]` {
			t.Errorf("%s subnets = %s", id, got)
		}
	}
	for id, ing := range resources(t, doc, "AWS::EC2::SecurityGroupIngress") {
		if cidr, ok := ing["CidrIp"]; ok && cidr != "10.0.0.0/8" {
			t.Errorf("%s CidrIp = %v; want the ingress CIDR 10.0.0.0/8", id, cidr)
		}
	}
	if lb := resources(t, doc, "AWS::ElasticLoadBalancingV2::LoadBalancer")["LoadBalancer"]; lb["Scheme"] != "internal" {
		t.Errorf("scheme = %v; want internal", lb["Scheme"])
	}
	if _, ok := doc["Parameters"]; ok {
		t.Errorf("parameters %v; VPC and subnets were given, so none are needed", doc["Parameters"])
	}
	mts := resources(t, doc, "AWS::EFS::MountTarget")
	if len(mts) != 2 || mts["ContentNFSMountTargetOnSubnet0aaaaaaaaaaaaaaa1"] == nil {
		t.Errorf("mount targets = %v; want one per subnet named after it", mts)
	}

	def := template(t, renderCase(t, "alb-http"))
	for id, svc := range resources(t, def, "AWS::ECS::Service") {
		cfg := svc["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)
		if cfg["AssignPublicIp"] != "DISABLED" {
			t.Errorf("%s AssignPublicIp = %v; want DISABLED by default", id, cfg["AssignPublicIp"])
		}
		if got, _ := json.Marshal(cfg["Subnets"]); string(got) != `{"Ref":"Subnets"}` {
			t.Errorf("%s subnets = %s; want the Subnets list parameter itself", id, got)
		}
	}
	params := def["Parameters"].(map[string]any)
	if params["VPC"].(map[string]any)["Type"] != "AWS::EC2::VPC::Id" || params["Subnets"].(map[string]any)["Type"] != "List<AWS::EC2::Subnet::Id>" {
		t.Errorf("parameters = %v", params)
	}

	imp := template(t, renderCase(t, "network-imports"))
	cm := resources(t, imp, "AWS::ServiceDiscovery::PrivateDnsNamespace")["CloudMap"]
	if got, _ := json.Marshal(cm["Vpc"]); string(got) != `{"Fn::ImportValue":"network-stack-VpcId"}` {
		t.Errorf("Cloud Map VPC = %s; want the imported VPC", got)
	}
}

func TestPublishedPortDiffersFromTarget(t *testing.T) {
	doc := template(t, renderCase(t, "published-differs-nlb"))
	l := resources(t, doc, "AWS::ElasticLoadBalancingV2::Listener")["ApiTCP9000Listener"]
	tg := resources(t, doc, "AWS::ElasticLoadBalancingV2::TargetGroup")["ApiTCP9000TargetGroup"]
	if l["Port"] != 9000.0 || tg["Port"] != 5000.0 {
		t.Errorf("listener port %v, target group port %v; want 9000 and 5000", l["Port"], tg["Port"])
	}
	svc := resources(t, doc, "AWS::ECS::Service")["ApiService"]
	if got, _ := json.Marshal(svc["LoadBalancers"]); !strings.Contains(string(got), `"ContainerPort":5000`) {
		t.Errorf("service load balancers = %s; want container port 5000", got)
	}
}

func TestOverlaysApplyInOrder(t *testing.T) {
	doc := template(t, renderCase(t, "overlays"))
	tg := resources(t, doc, "AWS::ElasticLoadBalancingV2::TargetGroup")["WebTCP80TargetGroup"]
	if tg["HealthCheckPath"] != "/ready" {
		t.Errorf("HealthCheckPath = %v; the options overlay comes after x-aws-cloudformation", tg["HealthCheckPath"])
	}
	if tg["Matcher"] == nil {
		t.Error("the second options overlay was not applied")
	}
	if _, ok := doc["Outputs"].(map[string]any)["WebServiceName"]; ok {
		t.Error("an explicit null in an overlay must delete the key")
	}
}

// A user value that happens to equal an encoded intrinsic, in any spelling, must stay a plain string.
func TestUserStringsAreNeverIntrinsics(t *testing.T) {
	compact := base64.StdEncoding.EncodeToString([]byte(`{"Ref":"AWS::AccountId"}`))
	goformation := cloudformation.Ref("AWS::AccountId") // as the renderer's own tokens are spelt
	res, err := renderYAML(t, `
services:
  app:
    image: busybox
    environment:
      COMPACT: `+compact+`
      GOFORMATION: `+goformation, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, encoded := range []string{compact, goformation} {
		if !bytes.Contains(res.Body, []byte(`"Value":"`+encoded+`"`)) {
			t.Errorf("the environment value %s was not kept as a string", encoded)
		}
	}
}

func TestDeterministic(t *testing.T) {
	first := renderCase(t, "seed-utopia-main")
	for i := 0; i < 5; i++ {
		again := renderCase(t, "seed-utopia-main")
		if !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("render %d differs from the first", i+2)
		}
	}
	// Rebuild the project's maps in another insertion order: the body must not change.
	project, opts := loadCase(t, filepath.Join("testdata", "seed-utopia-main"))
	names := slices.Sorted(maps.Keys(project.Services))
	reordered := types.Services{}
	for i := len(names) - 1; i >= 0; i-- {
		reordered[names[i]] = project.Services[names[i]]
	}
	project.Services = reordered
	res, err := Render(project, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Body, res.Body) {
		t.Fatal("reordering the services changed the body")
	}
	y1, err := first.YAML()
	if err != nil {
		t.Fatal(err)
	}
	y2, _ := res.YAML()
	if !bytes.Equal(y1, y2) || !bytes.Contains(y1, []byte("OrchestratorTCP443Listener:")) {
		t.Fatal("YAML is not deterministic or lacks the resources")
	}
}

func TestBodyIsCanonical(t *testing.T) {
	res := renderCase(t, "seed-utopia-main")
	var doc any
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdlibJSON(t, doc), res.Body) {
		t.Fatal("Body is not canonical JSON (sorted keys, compact, as encoding/json writes it)")
	}
	if res.Template == nil || res.Template.Resources["OrchestratorTCP443Listener"] == nil {
		t.Fatal("Result.Template lacks the generated resources")
	}
	if res.Template.Resources["Route53RS"] != nil {
		t.Fatal("Result.Template must be the template before overlays")
	}
	// Callers may use goformation's own encoder on Result.Template: its intrinsics must decode.
	raw, err := res.Template.JSON()
	if err != nil {
		t.Fatalf("Template.JSON: %v", err)
	}
	if !bytes.Contains(raw, []byte(`"Ref": "OrchestratorTCP443TargetGroup"`)) {
		t.Fatal("Template.JSON does not decode the renderer's intrinsics")
	}
}

// An overlay changing one intrinsic must not change the same intrinsic elsewhere in the template.
func TestOverlayDoesNotAliasIntrinsics(t *testing.T) {
	res, err := renderYAML(t, `
services:
  a:
    image: busybox
  b:
    image: busybox
x-aws-cloudformation:
  Resources:
    Other:
      Type: AWS::IAM::Role
      Properties: {AssumeRolePolicyDocument: {}}
    ATaskDefinition:
      Properties:
        ExecutionRoleArn:
          Fn::GetAtt: [Other, Arn]
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := template(t, res)
	td := resources(t, doc, "AWS::ECS::TaskDefinition")
	a, _ := json.Marshal(td["ATaskDefinition"]["ExecutionRoleArn"])
	b, _ := json.Marshal(td["BTaskDefinition"]["ExecutionRoleArn"])
	if string(a) != `{"Fn::GetAtt":["Other","Arn"]}` || string(b) != `{"Fn::GetAtt":["BTaskExecutionRole","Arn"]}` {
		t.Fatalf("ExecutionRoleArn a = %s, b = %s", a, b)
	}
	logs := 0
	for _, c := range td["BTaskDefinition"]["ContainerDefinitions"].([]any) {
		g, _ := json.Marshal(c.(map[string]any)["LogConfiguration"].(map[string]any)["Options"].(map[string]any)["awslogs-group"])
		if string(g) == `{"Ref":"LogGroup"}` {
			logs++
		}
	}
	if logs != 2 {
		t.Fatalf("B's containers lost their log group reference")
	}
}

// stdlibJSON is encoding/json's canonical form: sorted keys, compact, no HTML escaping.
func stdlibJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestRestrictedIngressBehindNetworkLoadBalancerWarns(t *testing.T) {
	res, err := renderYAML(t, `
services:
  db:
    image: postgres
    ports: ["5432:5432"]`, Options{Network: Network{IngressCIDR: "203.0.113.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "network.ingressCIDR: ") {
		t.Fatalf("warnings = %q; want one about health checks and the ingress CIDR", res.Warnings)
	}
	doc := template(t, res)
	tg := resources(t, doc, "AWS::ElasticLoadBalancingV2::TargetGroup")["DbTCP5432TargetGroup"]
	if got, _ := json.Marshal(tg["TargetGroupAttributes"]); string(got) != `[{"Key":"preserve_client_ip.enabled","Value":"true"}]` {
		t.Errorf("target group attributes = %s", got)
	}
}

func TestMisplacedExtensionsAndDevicesWarn(t *testing.T) {
	res, err := renderYAML(t, `
services:
  app:
    image: busybox
    x-aws-autoscaling:
      max: 3
      cpu: 50
    x-aws-unknown: 1
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [tpu]
          generic_resources:
            - discrete_resource_spec:
                kind: fpga
                value: 1`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"services.app.deploy.resources.reservations.devices[0]: ",
		"services.app.deploy.resources.reservations.generic_resources[0]: ",
		"services.app.x-aws-autoscaling: belongs under deploy",
		"services.app.x-aws-unknown: ",
	}
	if len(res.Warnings) != len(want) {
		t.Fatalf("warnings = %q", res.Warnings)
	}
	for i, w := range want {
		if !strings.HasPrefix(res.Warnings[i], w) {
			t.Errorf("warning %d = %q; want it to start with %q", i, res.Warnings[i], w)
		}
	}
	if _, ok := resources(t, template(t, res), "AWS::ApplicationAutoScaling::ScalableTarget")["AppScalableTarget"]; ok {
		t.Error("a misplaced x-aws-autoscaling must not scale the service")
	}
}

// Health checks and capabilities beyond what ECS accepts are brought within its limits with a warning, so that
// files such as Airflow's (retries: 50) or MySQL's (cap_add: SYS_NICE) deploy.
func TestECSLimitsWarnInsteadOfFailing(t *testing.T) {
	res, err := renderYAML(t, `
services:
  db:
    image: mysql:8
    cap_add: [SYS_NICE, SYS_PTRACE]
    healthcheck:
      test: ["CMD", "mysqladmin", "ping"]
      interval: 1s
      timeout: 1500ms
      retries: 50
      start_period: 10m`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"services.db.cap_add: Fargate tasks can add only SYS_PTRACE besides Docker's default capabilities, so SYS_NICE is left out",
		"services.db.healthcheck.interval: ECS accepts whole seconds from 5s to 300s, so 1s becomes 5s",
		"services.db.healthcheck.timeout: ECS accepts whole seconds from 2s to 60s, so 1.5s becomes 2s",
		"services.db.healthcheck.start_period: ECS accepts whole seconds from 0s to 300s, so 10m0s becomes 300s",
		"services.db.healthcheck.retries: ECS accepts 1 to 10 retries, so 50 becomes 10",
	}
	for _, w := range want {
		if !slices.ContainsFunc(res.Warnings, func(got string) bool { return strings.HasPrefix(got, w) }) {
			t.Errorf("no warning starting %q in %q", w, res.Warnings)
		}
	}
	td := resources(t, template(t, res), "AWS::ECS::TaskDefinition")["DbTaskDefinition"]
	c := td["ContainerDefinitions"].([]any)
	var main map[string]any
	for _, def := range c {
		if d := def.(map[string]any); d["Name"] == "db" {
			main = d
		}
	}
	hc := main["HealthCheck"].(map[string]any)
	for k, v := range map[string]float64{"Interval": 5, "Timeout": 2, "StartPeriod": 300, "Retries": 10} {
		if hc[k] != v {
			t.Errorf("HealthCheck.%s = %v, want %v", k, hc[k], v)
		}
	}
	caps := main["LinuxParameters"].(map[string]any)["Capabilities"].(map[string]any)
	if add := caps["Add"].([]any); len(add) != 1 || add[0] != "SYS_PTRACE" {
		t.Errorf("Capabilities.Add = %v, want [SYS_PTRACE]", add)
	}
}

// YAML is the same document as Body.
func TestYAMLMatchesBody(t *testing.T) {
	for _, name := range []string{"seed-utopia-main", "gpu-devices", "volumes-efs"} {
		res := renderCase(t, name)
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		var fromYAML any
		if err := yaml.Unmarshal(y, &fromYAML); err != nil {
			t.Fatalf("%s: YAML does not parse: %v", name, err)
		}
		var fromJSON any
		if err := json.Unmarshal(res.Body, &fromJSON); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(fromYAML)
		var back any
		_ = json.Unmarshal(a, &back)
		if got, want := stdlibJSON(t, back), stdlibJSON(t, fromJSON); !bytes.Equal(got, want) {
			t.Errorf("%s: YAML and Body differ", name)
		}
	}
}

// Render keeps no state between calls (the controller renders from several workers at once).
func TestConcurrentRenders(t *testing.T) {
	want := renderCase(t, "seed-utopia-main").Body
	project, opts := loadCase(t, filepath.Join("testdata", "seed-utopia-main"))
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			res, err := Render(project, opts)
			if err == nil && !bytes.Equal(res.Body, want) {
				err = errors.New("concurrent render differs")
			}
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestXAWSVPCWarnsOnlyWhenOverridden(t *testing.T) {
	const compose = `
x-aws-vpc: arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d4e5f67890
services:
  app:
    image: busybox`
	same, err := renderYAML(t, compose, Options{Network: Network{VPCID: "vpc-0a1b2c3d4e5f67890"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Warnings) != 0 {
		t.Errorf("same VPC: warnings = %q; want none", same.Warnings)
	}
	other, err := renderYAML(t, compose, Options{Network: Network{VPCID: "vpc-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Warnings) != 1 || !strings.HasPrefix(other.Warnings[0], "x-aws-vpc: ") {
		t.Errorf("other VPC: warnings = %q; want one about x-aws-vpc", other.Warnings)
	}
	if !bytes.Contains(other.Body, []byte(`"Vpc":"vpc-1"`)) {
		t.Error("the given VPC is not used")
	}
}

func TestGracePeriodFollowsHealthcheckStartPeriod(t *testing.T) {
	res, err := renderYAML(t, `
services:
  web:
    image: nginx
    ports: ["80:80"]
    healthcheck:
      test: ["CMD", "true"]
      start_period: 30s
  worker:
    image: busybox`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	svcs := resources(t, template(t, res), "AWS::ECS::Service")
	if got := svcs["WebService"]["HealthCheckGracePeriodSeconds"]; got != 30.0 {
		t.Errorf("web grace period = %v; want the 30 s start period", got)
	}
	if got, ok := svcs["WorkerService"]["HealthCheckGracePeriodSeconds"]; ok {
		t.Errorf("worker grace period = %v; a service without a load balancer takes none", got)
	}
}

// Intrinsic values are shared by all their uses in the generic template; an overlay changing one use in place
// (merging into {"Ref": "Cluster"}, not replacing it) must leave the others alone, in Resources and in Outputs.
func TestOverlayChangingSharedIntrinsicInPlace(t *testing.T) {
	res, err := renderYAML(t, `
services:
  a:
    image: busybox
  b:
    image: busybox
x-aws-cloudformation:
  Parameters:
    OtherTaskDefinition: {Type: String}
  Resources:
    OtherCluster:
      Type: AWS::ECS::Cluster
    AService:
      Properties:
        Cluster:
          Fn::GetAtt: [OtherCluster, Arn]
  Outputs:
    Cluster:
      Value:
        Ref: OtherCluster
`, Options{Overlays: [][]byte{[]byte(`
Resources:
  BService:
    Properties:
      TaskDefinition:
        Ref: OtherTaskDefinition
`)}})
	if err != nil {
		t.Fatal(err)
	}
	doc := template(t, res)
	svc := resources(t, doc, "AWS::ECS::Service")
	got := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if a, b := got(svc["AService"]["Cluster"]), got(svc["BService"]["Cluster"]); a != `{"Fn::GetAtt":["OtherCluster","Arn"]}` || b != `{"Fn::GetAtt":["Cluster","Arn"]}` {
		t.Errorf("Cluster of AService = %s, of BService = %s; want only AService's changed", a, b)
	}
	if a, b := got(svc["AService"]["TaskDefinition"]), got(svc["BService"]["TaskDefinition"]); a != `{"Ref":"ATaskDefinition"}` || b != `{"Ref":"OtherTaskDefinition"}` {
		t.Errorf("TaskDefinition of AService = %s, of BService = %s; want only BService's changed", a, b)
	}
	if out := got(doc["Outputs"].(map[string]any)["Cluster"].(map[string]any)["Value"]); out != `{"Ref":"OtherCluster"}` {
		t.Errorf("Outputs.Cluster.Value = %s; want the overlay's", out)
	}
	for _, typ := range []string{"AWS::ECS::TaskDefinition", "AWS::ECS::Service"} {
		for id, props := range resources(t, doc, typ) {
			if id != "AService" && strings.Contains(got(props), "OtherCluster") {
				t.Errorf("%s %s picked up the overlay meant for AService: %s", typ, id, got(props))
			}
		}
	}
}
