package cfnlocal

import (
	"reflect"
	"strings"
	"testing"
)

func testContext(t *testing.T, tpl *template, params []paramInput) *evalContext {
	t.Helper()
	ps, aerr := resolveParameters(tpl, params, nil)
	if aerr != nil {
		t.Fatalf("parameters: %v", aerr)
	}
	st := &stack{ID: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", Name: "s"}
	created := map[string]*resourceState{}
	for id, rd := range tpl.Resources {
		r := &resourceState{LogicalID: id, Type: rd.Type, Props: rd.Properties, Region: "us-east-1", AccountID: "123456789012", StackName: "s"}
		assignPhysicalID(r, st.ID)
		created[id] = r
	}
	srv := New(Options{})
	srv.exports["shared-vpc"] = exportEntry{StackID: "other", StackName: "net", Value: "vpc-123"}
	ec := srv.evalContextLocked(st, tpl, ps, created, false)
	if err := ec.resolveConditions(tpl.Conditions); err != nil {
		t.Fatalf("conditions: %v", err)
	}
	return ec
}

const intrinsicsYAML = `
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Subnets: {Type: CommaDelimitedList, Default: "a,b,c"}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami}
Mappings:
  Sizes: {dev: {Cpu: 256}, prod: {Cpu: 1024}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [x, x]]
  Either: !Or [!Condition IsProd, !Condition Both]
Resources:
  LB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Name: web, Type: network}
  Q: {Type: AWS::SQS::Queue}
  Prod: {Type: AWS::SQS::Queue, Condition: IsProd}
Outputs:
  Region: {Value: !Ref "AWS::Region"}
  Account: {Value: !Ref "AWS::AccountId"}
  StackName: {Value: !Ref "AWS::StackName"}
  StackId: {Value: !Ref "AWS::StackId"}
  Partition: {Value: !Sub "${AWS::Partition}.${AWS::URLSuffix}"}
  SubVars: {Value: !Sub ["${Name}-${AWS::Region}-${!Literal}", {Name: !GetAtt LB.LoadBalancerName}]}
  Join: {Value: !Join ["/", [a, !Ref Env, !Select [1, !Ref Subnets]]]}
  Split: {Value: !Select [2, !Split [",", "x,y,z"]]}
  If: {Value: !If [IsProd, big, small]}
  NoValue: {Value: !Join ["", [!If [IsProd, prod, !Ref "AWS::NoValue"], "-end"]]}
  Zone: {Value: !GetAtt LB.CanonicalHostedZoneID}
  AZ: {Value: !Select [0, !GetAZs ""]}
  B64: {Value: !Base64 hi}
  Map: {Value: !FindInMap [Sizes, !Ref Env, Cpu]}
  Import: {Value: !ImportValue shared-vpc}
  Ami: {Value: !Ref Ami}
  Both: {Value: !If [Either, yes, no]}
  OnlyProd: {Value: x, Condition: IsProd}
  Cidr: {Value: !Join [" ", !Cidr ["10.0.0.0/16", 3, 8]]}
  Cidr6: {Value: !Select [1, !Cidr ["2001:db8::/56", 2, 64]]}
`

func TestIntrinsicFunctions(t *testing.T) {
	tpl, err := parseTemplate(intrinsicsYAML)
	if err != nil {
		t.Fatal(err)
	}
	ec := testContext(t, tpl, nil)
	st := &stack{ID: ec.StackID, Name: "s", Template: tpl}
	srv := New(Options{})
	outs, err := srv.computeOutputsLocked(st, ec)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range outs {
		got[o.Key] = o.Value
	}
	want := map[string]string{
		"Region": "us-east-1", "Account": "123456789012", "StackName": "s", "StackId": ec.StackID,
		"Partition": "aws.amazonaws.com", "SubVars": "web-us-east-1-${Literal}", "Join": "a/dev/b", "Split": "z",
		"If": "small", "NoValue": "-end", "Zone": "Z26RNL4JYFTOTI", "AZ": "us-east-1a", "B64": "aGk=", "Map": "256",
		"Import": "vpc-123", "Cidr": "10.0.0.0/24 10.0.1.0/24 10.0.2.0/24", "Cidr6": "2001:db8:0:1::/64", "Ami": fakeSSMValue("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "/aws/service/ami"), "Both": "yes",
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s = %q, want %q", k, got[k], want[k])
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected output %s = %q", k, got[k])
			}
		}
	}
	if !strings.HasPrefix(got["Ami"], "ami-") {
		t.Errorf("SSM image parameter resolved to %q", got["Ami"])
	}
	if active := activeResources(tpl, ec); active["Prod"] || !active["Q"] {
		t.Errorf("conditions on resources: %v", active)
	}
	if !ec.Imports["shared-vpc"] {
		t.Error("import not recorded")
	}
}

func TestJSONAndYAMLParseAlike(t *testing.T) {
	y, err := parseTemplate("Resources:\n  A:\n    Type: T::T::T\n    Properties:\n      Port: 80\n      On: true\n      Ref: !Ref AWS::Region\n      Att: !GetAtt [B, Arn]\n  B: {Type: T::T::T}\n")
	if err != nil {
		t.Fatal(err)
	}
	j, err := parseTemplate(`{"Resources": {"A": {"Type": "T::T::T", "Properties": {"Port": 80, "On": true, "Ref": {"Ref": "AWS::Region"}, "Att": {"Fn::GetAtt": ["B", "Arn"]}}}, "B": {"Type": "T::T::T"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(y.Resources, j.Resources) {
		t.Errorf("YAML %v\n!= JSON %v", y.Resources, j.Resources)
	}
}

func TestTemplateValidation(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"not a template", "[1, 2", "Template format error"},
		{"no resources", "Description: x\n", "At least one Resources member must be defined."},
		{"no type", "Resources:\n  A: {Properties: {}}\n", "[/Resources/A] Every Resources object must contain a Type member."},
		{"unresolved ref", "Resources:\n  A: {Type: X::Y::Z, Properties: {P: !Ref Nope}}\n", "Unresolved resource dependencies [Nope] in the Resources block of the template"},
		{"unresolved getatt", "Resources:\n  A: {Type: X::Y::Z, Properties: {P: !GetAtt Nope.Arn}}\n", "Unresolved resource dependencies [Nope] in the Resources block"},
		{"unresolved sub", "Resources:\n  A: {Type: X::Y::Z, Properties: {P: !Sub '${Nope.Arn}-${Gone}'}}\n", "Unresolved resource dependencies [Gone, Nope]"},
		{"getatt on parameter", "Parameters:\n  P: {Type: String}\nResources:\n  A: {Type: X::Y::Z, Properties: {P: !GetAtt P.Arn}}\n", "Unresolved resource dependencies [P]"},
		{"bad depends on", "Resources:\n  A: {Type: X::Y::Z, DependsOn: Nope}\n", "Unresolved resource dependencies [Nope]"},
		{"unresolved output", "Resources:\n  A: {Type: X::Y::Z}\nOutputs:\n  O: {Value: !Ref Nope}\n", "Unresolved resource dependencies [Nope] in the Outputs block of the template"},
		{"output without value", "Resources:\n  A: {Type: X::Y::Z}\nOutputs:\n  O: {Description: x}\n", "the Output [O] is missing the Value object"},
		{"cycle", "Resources:\n  A: {Type: X::Y::Z, Properties: {P: !Ref C}}\n  B: {Type: X::Y::Z, DependsOn: A}\n  C: {Type: X::Y::Z, Properties: {P: !GetAtt B.Arn}}\n  D: {Type: X::Y::Z}\n", "Circular dependency between resources: [A, B, C]"},
		{"unknown condition", "Resources:\n  A: {Type: X::Y::Z, Condition: Nope}\n", "Unresolved dependencies [Nope]"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\nResources: {A: {Type: X::Y::Z, Properties: {P: *f}}}\n", "template expands to more than"},
		{"self alias", "a: &a {b: *a}\nResources: {A: {Type: X::Y::Z}}\n", "Template format error"},
		{"transform", "Transform: AWS::Serverless-2016-10-31\nResources:\n  A: {Type: X::Y::Z}\n", "cfnlocal does not process Transform AWS::Serverless-2016-10-31"},
		{"unknown tag", "Resources:\n  A: {Type: X::Y::Z, Properties: {P: !Bogus x}}\n", "template line 2: unknown tag !Bogus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseTemplate(c.body)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestDependencyOrderWaves(t *testing.T) {
	tpl, err := parseTemplate(`
Resources:
  Service: {Type: X::Y::Z, Properties: {Task: !Ref Task, Tg: !Sub "${TG.Arn}"}}
  Task: {Type: X::Y::Z, Properties: {Logs: !Ref Logs}}
  Logs: {Type: X::Y::Z}
  TG: {Type: X::Y::Z}
  Listener: {Type: X::Y::Z, DependsOn: [TG], Properties: {Lb: !GetAtt LB.Arn}}
  LB: {Type: X::Y::Z}
`)
	if err != nil {
		t.Fatal(err)
	}
	waves, err := tpl.order(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"LB", "Logs", "TG"}, {"Listener", "Task"}, {"Service"}}
	if !reflect.DeepEqual(waves, want) {
		t.Errorf("waves %v, want %v", waves, want)
	}
	// Inactive resources are left out, and so are edges to them.
	waves, _ = tpl.order(map[string]bool{"Service": true, "TG": true})
	if !reflect.DeepEqual(waves, [][]string{{"TG"}, {"Service"}}) {
		t.Errorf("restricted waves %v", waves)
	}
}

func TestParameterValidation(t *testing.T) {
	tpl, err := parseTemplate(`
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Count: {Type: Number, Default: "2"}
  Name: {Type: String, Default: ok, AllowedPattern: "[a-z]+"}
Resources:
  A: {Type: X::Y::Z}
`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in   []paramInput
		prev []paramValue
		want string
	}{
		{nil, nil, "Parameters: [Env] must have values"},
		{[]paramInput{{Key: "Env", Value: "qa"}}, nil, "Parameter 'Env' must be one of AllowedValues"},
		{[]paramInput{{Key: "Env", Value: "dev"}, {Key: "Count", Value: "x"}}, nil, "Parameter 'Count' must be a number."},
		{[]paramInput{{Key: "Env", Value: "dev"}, {Key: "Name", Value: "NO"}}, nil, "Parameter 'Name' must match pattern [a-z]+"},
		{[]paramInput{{Key: "Env", Value: "dev"}, {Key: "Extra", Value: "1"}}, nil, "Parameters: [Extra] do not exist in the template"},
		{[]paramInput{{Key: "Env", UsePreviousValue: true}}, nil, "Cannot specify usePreviousValue as true"},
		{[]paramInput{{Key: "Env", UsePreviousValue: true}}, []paramValue{{Key: "Env", Value: "prod"}}, ""},
	}
	for i, c := range cases {
		ps, aerr := resolveParameters(tpl, c.in, c.prev)
		switch {
		case c.want == "" && aerr != nil:
			t.Errorf("case %d: unexpected error %v", i, aerr)
		case c.want == "" && ps[1].Value != "prod":
			t.Errorf("case %d: previous value not used: %v", i, ps)
		case c.want != "" && (aerr == nil || !strings.Contains(aerr.Message, c.want)):
			t.Errorf("case %d: error %v, want %q", i, aerr, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	tpl, err := parseTemplate("Resources:\n  A: {Type: X::Y::Z}\n")
	if err != nil {
		t.Fatal(err)
	}
	ec := testContext(t, tpl, nil)
	cases := map[string]any{
		"No export named missing found.":        map[string]any{"Fn::ImportValue": "missing"},
		"cannot select nonexistent value":       map[string]any{"Fn::Select": []any{5.0, []any{"a"}}},
		"every Fn::Join object requires":        map[string]any{"Fn::Join": []any{","}},
		"Unrecognized function Fn::Nope":        map[string]any{"Fn::Nope": "x"},
		"Unable to get mapping":                 map[string]any{"Fn::FindInMap": []any{"M", "a", "b"}},
		"unresolved condition dependency Nope":  map[string]any{"Fn::If": []any{"Nope", "a", "b"}},
		"references undefined resource Missing": map[string]any{"Fn::GetAtt": []any{"Missing", "Arn"}},
		"cannot make 5 subnets":                 map[string]any{"Fn::Cidr": []any{"10.0.0.0/24", 5.0, 7.0}},
		"requires a valid CIDR block":           map[string]any{"Fn::Cidr": []any{"nope", 1.0, 8.0}},
	}
	for want, expr := range cases {
		if _, err := ec.eval(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("eval %v: error %v, want %q", expr, err, want)
		}
	}
	// Deep nesting is refused rather than exhausting the stack.
	var deep any = "x"
	for i := 0; i < 500; i++ {
		deep = map[string]any{"Fn::Base64": deep}
	}
	if _, err := ec.eval(deep); err == nil {
		t.Error("deeply nested expression accepted")
	}
}

func TestPhysicalIDsAndAttributes(t *testing.T) {
	mk := func(typ string, props map[string]any) *resourceState {
		r := &resourceState{LogicalID: "Res", Type: typ, Props: props, Region: "eu-west-1", AccountID: "111122223333", StackName: "app"}
		assignPhysicalID(r, "stack-id")
		return r
	}
	lb := mk("AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{"Type": "application"})
	if !strings.HasPrefix(lb.PhysicalID, "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/app-Res-") {
		t.Errorf("ALB arn %s", lb.PhysicalID)
	}
	if len(attribute(lb, "LoadBalancerName").(string)) > 32 {
		t.Errorf("load balancer name longer than 32: %s", attribute(lb, "LoadBalancerName"))
	}
	if attribute(lb, "CanonicalHostedZoneID") != "Z35SXDOTRQ7X7K" {
		t.Error("ALB hosted zone")
	}
	if got := attribute(lb, "LoadBalancerFullName").(string); !strings.HasPrefix(got, "app/app-Res-") {
		t.Errorf("full name %s", got)
	}
	sg := mk("AWS::EC2::SecurityGroup", nil)
	if !strings.HasPrefix(sg.PhysicalID, "sg-") || attribute(sg, "GroupId") != sg.PhysicalID {
		t.Errorf("security group %s", sg.PhysicalID)
	}
	ns := mk("AWS::ServiceDiscovery::Service", map[string]any{"Name": "web"})
	if arn := attribute(ns, "Arn").(string); !strings.HasPrefix(arn, "arn:aws:servicediscovery:eu-west-1:111122223333:service/srv-") {
		t.Errorf("cloud map service arn %s", arn)
	}
	if attribute(ns, "Name") != "web" {
		t.Errorf("cloud map service name %v", attribute(ns, "Name"))
	}
	role := mk("AWS::IAM::Role", map[string]any{"RoleName": "exec"})
	if role.PhysicalID != "exec" || attribute(role, "Arn") != "arn:aws:iam::111122223333:role/exec" {
		t.Errorf("role %s %v", role.PhysicalID, attribute(role, "Arn"))
	}
	again := mk("AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{"Type": "application"})
	if again.PhysicalID != lb.PhysicalID {
		t.Error("physical ids are not deterministic")
	}
	again.Generation++
	assignPhysicalID(again, "stack-id")
	if again.PhysicalID == lb.PhysicalID {
		t.Error("a replacement kept the physical id")
	}
}
