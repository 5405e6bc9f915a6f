package cfnlocal

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

func TestCreateChangeSetExecuteAndDescribe(t *testing.T) {
	e := newEnv(t, Options{})
	csID := e.changeSet(t, "app", "cs1", cfntypes.ChangeSetTypeCreate, appTemplate, map[string]string{"Image": "nginx:2"})

	st := e.stack(t, "app")
	if st.StackStatus != cfntypes.StackStatusReviewInProgress {
		t.Fatalf("stack status before execute = %s, want REVIEW_IN_PROGRESS", st.StackStatus)
	}
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID)})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cfntypes.ChangeSetStatusCreateComplete || cs.ExecutionStatus != cfntypes.ExecutionStatusAvailable {
		t.Fatalf("change set %s/%s, want CREATE_COMPLETE/AVAILABLE (%s)", cs.Status, cs.ExecutionStatus, aws.ToString(cs.StatusReason))
	}
	var adds []string
	for _, c := range cs.Changes {
		if c.ResourceChange.Action != cfntypes.ChangeActionAdd {
			t.Errorf("change %s action %s, want Add", aws.ToString(c.ResourceChange.LogicalResourceId), c.ResourceChange.Action)
		}
		adds = append(adds, aws.ToString(c.ResourceChange.LogicalResourceId)+" "+aws.ToString(c.ResourceChange.ResourceType))
	}
	equalLines(t, adds, []string{"Cluster AWS::ECS::Cluster", "LB AWS::ElasticLoadBalancingV2::LoadBalancer", "Logs AWS::Logs::LogGroup", "Service AWS::ECS::Service", "Task AWS::ECS::TaskDefinition"})
	for _, p := range cs.Parameters {
		if aws.ToString(p.ParameterKey) == "Secret" && aws.ToString(p.ParameterValue) != "****" {
			t.Errorf("NoEcho parameter shown as %q in DescribeChangeSet", aws.ToString(p.ParameterValue))
		}
	}

	e.execute(t, csID)
	st = e.stack(t, "app")
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("stack status = %s (%s), want CREATE_COMPLETE", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	if aws.ToString(st.ChangeSetId) != csID || aws.ToString(st.Description) != "test app" {
		t.Errorf("ChangeSetId %q Description %q", aws.ToString(st.ChangeSetId), aws.ToString(st.Description))
	}
	outs := map[string]string{}
	for _, o := range st.Outputs {
		outs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
		if aws.ToString(o.OutputKey) == "ClusterArn" && aws.ToString(o.ExportName) != "app-cluster" {
			t.Errorf("export name %q, want app-cluster", aws.ToString(o.ExportName))
		}
	}
	if !strings.HasPrefix(outs["ClusterArn"], "arn:aws:ecs:us-east-1:123456789012:cluster/app-Cluster-") {
		t.Errorf("ClusterArn output %q", outs["ClusterArn"])
	}
	if !strings.HasSuffix(outs["DNS"], ".elb.us-east-1.amazonaws.com") {
		t.Errorf("DNS output %q", outs["DNS"])
	}
	params := map[string]string{}
	for _, p := range st.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	if params["Image"] != "nginx:2" || params["Secret"] != "****" {
		t.Errorf("parameters %v, want Image=nginx:2 and Secret masked", params)
	}

	res, err := e.cfn.DescribeStackResources(e.ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	phys := map[string]string{}
	for _, r := range res.StackResources {
		if r.ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("%s status %s", aws.ToString(r.LogicalResourceId), r.ResourceStatus)
		}
		phys[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	if phys["Logs"] != "/ecs/app" {
		t.Errorf("log group physical id %q, want /ecs/app (from Fn::Sub)", phys["Logs"])
	}
	if !strings.Contains(phys["LB"], ":loadbalancer/net/") {
		t.Errorf("NLB physical id %q", phys["LB"])
	}
	if phys["Service"] != "arn:aws:ecs:us-east-1:123456789012:service/"+phys["Cluster"]+"/"+strings.TrimPrefix(phys["Service"][strings.LastIndex(phys["Service"], "/"):], "/") {
		t.Errorf("service ARN %q does not name cluster %q", phys["Service"], phys["Cluster"])
	}
	// Physical IDs are deterministic: a second server yields the same ones.
	e2 := newEnv(t, Options{})
	e2.deploy(t, "app", appTemplate, map[string]string{"Image": "nginx:2"})
	st2 := e2.stack(t, "app")
	if aws.ToString(st2.StackId) != aws.ToString(st.StackId) {
		t.Errorf("stack IDs differ between runs: %s vs %s", aws.ToString(st2.StackId), aws.ToString(st.StackId))
	}

	ls, err := e.cfn.ListStackResources(e.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("app")})
	if err != nil || len(ls.StackResourceSummaries) != 5 {
		t.Fatalf("list stack resources: %v, %d summaries", err, len(ls.StackResourceSummaries))
	}
	tpl, err := e.cfn.GetTemplate(e.ctx, &cloudformation.GetTemplateInput{StackName: aws.String("app")})
	if err != nil || aws.ToString(tpl.TemplateBody) != appTemplate {
		t.Fatalf("get template: %v, body matches: %v", err, aws.ToString(tpl.TemplateBody) == appTemplate)
	}

	equalLines(t, e.events(t, "app"), []string{
		"app REVIEW_IN_PROGRESS",
		"app CREATE_IN_PROGRESS",
		"Cluster CREATE_IN_PROGRESS", "LB CREATE_IN_PROGRESS", "Logs CREATE_IN_PROGRESS",
		"Cluster CREATE_COMPLETE", "LB CREATE_COMPLETE", "Logs CREATE_COMPLETE",
		"Task CREATE_IN_PROGRESS", "Task CREATE_COMPLETE",
		"Service CREATE_IN_PROGRESS", "Service CREATE_COMPLETE",
		"app CREATE_COMPLETE",
	})
}

func TestUpdateChangeSetDiffAndExecute(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "app", appTemplate, nil)
	before := map[string]string{}
	res, _ := e.cfn.DescribeStackResources(e.ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("app")})
	for _, r := range res.StackResources {
		before[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}

	// New image (task definition replaced, service modified in place), the
	// load balancer removed, a security group added.
	next := strings.Replace(appTemplate, `"LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Type": "network", "Subnets": ["subnet-0cf10c41000000001"]}},`,
		`"SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web"}},`, 1)
	next = strings.Replace(next, `"DNS": {"Value": {"Fn::GetAtt": ["LB", "DNSName"]}, "Description": "load balancer"}`, `"SG": {"Value": {"Fn::GetAtt": ["SG", "GroupId"]}}`, 1)
	csID := e.changeSet(t, "app", "cs2", cfntypes.ChangeSetTypeUpdate, next, map[string]string{"Image": "nginx:3"})
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String("cs2"), StackName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs.Changes {
		rc := c.ResourceChange
		got = append(got, string(rc.Action)+" "+aws.ToString(rc.LogicalResourceId)+" "+string(rc.Replacement))
	}
	equalLines(t, got, []string{"Add SG ", "Modify Service False", "Modify Task True", "Remove LB "})

	e.execute(t, csID)
	executed := csID
	st := e.stack(t, "app")
	if st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("status %s (%s)", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	res, _ = e.cfn.DescribeStackResources(e.ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("app")})
	after := map[string]string{}
	for _, r := range res.StackResources {
		after[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	if _, ok := after["LB"]; ok {
		t.Error("removed resource LB still listed")
	}
	if after["Task"] == before["Task"] || !strings.HasSuffix(after["Task"], ":2") {
		t.Errorf("task definition not replaced: %s -> %s", before["Task"], after["Task"])
	}
	if after["Service"] != before["Service"] || after["Cluster"] != before["Cluster"] {
		t.Error("in-place update changed a physical id")
	}
	evs := e.events(t, "app")
	var tail []string
	for i, ev := range evs {
		if ev == "app UPDATE_IN_PROGRESS" {
			tail = evs[i:]
		}
	}
	equalLines(t, tail, []string{
		"app UPDATE_IN_PROGRESS",
		"SG CREATE_IN_PROGRESS", "SG CREATE_COMPLETE",
		"Task UPDATE_IN_PROGRESS (Requested update requires the creation of a new physical resource; hence creating one.)",
		"Task UPDATE_IN_PROGRESS (Resource creation Initiated)", "Task UPDATE_COMPLETE",
		"Service UPDATE_IN_PROGRESS", "Service UPDATE_COMPLETE",
		"app UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
		"LB DELETE_IN_PROGRESS", "LB DELETE_COMPLETE",
		"Task DELETE_IN_PROGRESS", "Task DELETE_COMPLETE",
		"app UPDATE_COMPLETE",
	})

	// Same template and parameters again: nothing to do.
	csID = e.changeSet(t, "app", "cs3", cfntypes.ChangeSetTypeUpdate, next, map[string]string{"Image": "nginx:3"})
	cs, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID)})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cfntypes.ChangeSetStatusFailed || aws.ToString(cs.StatusReason) != noChangesReason || cs.ExecutionStatus != cfntypes.ExecutionStatusUnavailable {
		t.Errorf("empty change set: %s %s %q", cs.Status, cs.ExecutionStatus, aws.ToString(cs.StatusReason))
	}
	_, err = e.cfn.ExecuteChangeSet(e.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(csID)})
	apiErr(t, err, "InvalidChangeSetStatus", http.StatusBadRequest, "cannot be executed in its current status of [FAILED]")

	// An executed change set is found by ARN only, and is not listed.
	list, err := e.cfn.ListChangeSets(e.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("app")})
	if err != nil || len(list.Summaries) != 1 || aws.ToString(list.Summaries[0].ChangeSetName) != "cs3" {
		t.Fatalf("list change sets: %v %+v", err, list.Summaries)
	}
	_, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String("cs2"), StackName: aws.String("app")})
	apiErr(t, err, "ChangeSetNotFound", http.StatusNotFound, "ChangeSet [cs2] does not exist")
	if _, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(executed)}); err != nil {
		t.Errorf("executed change set by ARN: %v", err)
	}
	if _, err := e.cfn.DeleteChangeSet(e.ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String(csID)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID)})
	apiErr(t, err, "ChangeSetNotFound", http.StatusNotFound, "does not exist")
	// Deleting a change set that is not there succeeds; a missing stack does not.
	if _, err := e.cfn.DeleteChangeSet(e.ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String("cs3"), StackName: aws.String("app")}); err != nil {
		t.Errorf("delete of a missing change set: %v", err)
	}
	_, err = e.cfn.DeleteChangeSet(e.ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String("cs3"), StackName: aws.String("nostack")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Stack with id nostack does not exist")
}

func TestAPIErrors(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("nope")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Stack with id nope does not exist")

	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("nope"), ChangeSetName: aws.String("c"), TemplateBody: aws.String(appTemplate)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Stack [nope] does not exist")

	role := `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}}}`
	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("iam"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(role)})
	apiErr(t, err, "InsufficientCapabilitiesException", http.StatusBadRequest, "Requires capabilities : [CAPABILITY_IAM]")
	named := strings.Replace(role, `"Properties": {`, `"Properties": {"RoleName": "r", `, 1)
	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("iam"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(named), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	apiErr(t, err, "InsufficientCapabilitiesException", http.StatusBadRequest, "Requires capabilities : [CAPABILITY_NAMED_IAM]")
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("iam")}); err == nil {
		t.Error("a rejected CREATE change set left a stack behind")
	}
	e.deploy(t, "iam", role, nil, cfntypes.CapabilityCapabilityIam)

	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("iam"), ChangeSetName: aws.String("again"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(role)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Stack [iam] already exists and cannot be created again with the changeSet [again].")

	_, err = e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("iam"), TemplateBody: aws.String(appTemplate)})
	apiErr(t, err, "AlreadyExistsException", http.StatusBadRequest, "Stack [iam] already exists")

	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("bad"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String(`{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"Name": {"Ref": "Missing"}}}}}`)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template")

	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("bad"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String(`{"Resources": {"A": {"Type": "T::T::T", "DependsOn": "B"}, "B": {"Type": "T::T::T", "Properties": {"X": {"Fn::GetAtt": ["A", "Arn"]}}}}}`)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Circular dependency between resources: [A, B]")

	_, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String("missing"), StackName: aws.String("iam")})
	apiErr(t, err, "ChangeSetNotFound", http.StatusNotFound, "ChangeSet [missing] does not exist")

	// Termination protection blocks deletion until it is lifted.
	if _, err := e.cfn.UpdateTerminationProtection(e.ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String("iam"), EnableTerminationProtection: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(e.stack(t, "iam").EnableTerminationProtection) {
		t.Error("termination protection not reported")
	}
	_, err = e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("iam")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Stack [iam] cannot be deleted while TerminationProtection is enabled")
	if _, err := e.cfn.UpdateTerminationProtection(e.ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String("iam"), EnableTerminationProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(e.stack(t, "iam").StackId)
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("iam")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	_, err = e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("iam")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Stack with id iam does not exist")
	out, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
	if err != nil || out.Stacks[0].StackStatus != cfntypes.StackStatusDeleteComplete || out.Stacks[0].DeletionTime == nil {
		t.Fatalf("deleted stack by id: %v", err)
	}
	// Deleting again is a no-op, as in AWS.
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("iam")}); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func TestRawQueryProtocol(t *testing.T) {
	e := newEnv(t, Options{})
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(e.ts.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post("Action=DescribeStacks&Version=2010-05-15&StackName=x")
	if code != http.StatusBadRequest || !strings.Contains(body, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not exist</Message></Error><RequestId>`) {
		t.Errorf("error response %d %s", code, body)
	}
	code, body = post("Action=DescribeStacks&Version=2010-05-15")
	if code != http.StatusOK || !strings.Contains(body, `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>`) {
		t.Errorf("success response %d %s", code, body)
	}
	code, body = post("Action=CreateStackSet&Version=2010-05-15")
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("unknown action %d %s", code, body)
	}
	code, body = post("Version=2010-05-15")
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>MissingAction</Code>") {
		t.Errorf("missing action %d %s", code, body)
	}
	code, body = post("Action=DescribeStacks&Version=2011-01-01")
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("wrong version %d %s", code, body)
	}
	if n := e.srv.Calls()["UnknownOperation"]; n != 2 {
		t.Errorf("unknown operations counted %d, want 2", n)
	}
}
