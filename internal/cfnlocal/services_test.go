package cfnlocal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

func TestS3TemplateUpload(t *testing.T) {
	e := newEnv(t, Options{})
	s3c := s3.NewFromConfig(sdkConfig(e.ts.URL, 1), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("templates")}); err != nil {
		t.Fatal(err)
	}
	_, err := s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("templates")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "BucketAlreadyOwnedByYou" {
		t.Errorf("second CreateBucket: %v", err)
	}
	key := "stacks/app v1.yaml"
	if _, err := s3c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("templates"), Key: aws.String(key), Body: bytes.NewReader([]byte(twoQueues)), ContentType: aws.String("text/yaml")}); err != nil {
		t.Fatal(err)
	}
	head, err := s3c.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("templates"), Key: aws.String(key)})
	if err != nil || aws.ToInt64(head.ContentLength) != int64(len(twoQueues)) || aws.ToString(head.ContentType) != "text/yaml" {
		t.Fatalf("head object: %v %+v", err, head)
	}
	got, err := s3c.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String("templates"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	_ = got.Body.Close()
	if string(body) != twoQueues {
		t.Errorf("object body %q", body)
	}
	_, err = s3c.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String("templates"), Key: aws.String("missing")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchKey" {
		t.Errorf("missing key: %v", err)
	}
	_, err = s3c.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("templates"), Key: aws.String("missing")})
	if err == nil {
		t.Error("HeadObject of a missing key succeeded")
	}
	_, err = s3c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchBucket" {
		t.Errorf("put to missing bucket: %v", err)
	}

	// CreateChangeSet reads TemplateURL from the stored object, path-style
	// or virtual-hosted.
	for i, u := range []string{e.ts.URL + "/templates/stacks/app%20v1.yaml", "https://templates.s3.us-east-1.amazonaws.com/stacks/app v1.yaml"} {
		name := []string{"one", "two"}[i]
		out, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateURL: aws.String(u)})
		if err != nil {
			t.Fatalf("TemplateURL %s: %v", u, err)
		}
		e.idle(t)
		e.execute(t, aws.ToString(out.Id))
		if st := e.stack(t, name); st.StackStatus != cfntypes.StackStatusCreateComplete {
			t.Errorf("stack from %s: %s", u, st.StackStatus)
		}
	}
	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("x"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateURL: aws.String(e.ts.URL + "/templates/nothing")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "S3 error: Access Denied")
	if n := e.srv.Calls()["s3:PutObject"]; n != 2 {
		t.Errorf("s3:PutObject calls = %d, want 2", n)
	}
}

func TestS3VirtualHostedRequests(t *testing.T) {
	e := newEnv(t, Options{})
	put, _ := http.NewRequest(http.MethodPut, e.ts.URL+"/", nil)
	put.Host = "tpl.localhost"
	put.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
	if resp, err := http.DefaultClient.Do(put); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket: %v", err)
	}
	obj, _ := http.NewRequest(http.MethodPut, e.ts.URL+"/a/b.json", strings.NewReader("{}"))
	obj.Host = "tpl.s3.us-east-1.amazonaws.com"
	obj.Header = put.Header
	if resp, err := http.DefaultClient.Do(obj); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("put object: %v", err)
	}
	if body, aerr := e.srv.readTemplateURL("http://127.0.0.1/tpl/a/b.json"); aerr != nil || body != "{}" {
		t.Errorf("stored object: %q %v", body, aerr)
	}
}

func TestEC2DefaultVPC(t *testing.T) {
	e := newEnv(t, Options{Region: "eu-west-1"})
	c := ec2.NewFromConfig(sdkConfig(e.ts.URL, 1))
	vpcs, err := c.DescribeVpcs(e.ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("isDefault"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vpcs.Vpcs) != 1 || !aws.ToBool(vpcs.Vpcs[0].IsDefault) || aws.ToString(vpcs.Vpcs[0].CidrBlock) != "172.31.0.0/16" {
		t.Fatalf("default vpc: %+v", vpcs.Vpcs)
	}
	vpcID := aws.ToString(vpcs.Vpcs[0].VpcId)
	none, err := c.DescribeVpcs(e.ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("isDefault"), Values: []string{"false"}}}})
	if err != nil || len(none.Vpcs) != 0 {
		t.Errorf("non-default filter: %v %d", err, len(none.Vpcs))
	}
	subs, err := c.DescribeSubnets(e.ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		t.Fatal(err)
	}
	var azs []string
	for _, s := range subs.Subnets {
		azs = append(azs, aws.ToString(s.AvailabilityZone))
		if aws.ToString(s.VpcId) != vpcID || !aws.ToBool(s.DefaultForAz) {
			t.Errorf("subnet %+v", s)
		}
	}
	equalLines(t, azs, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"})
	one, err := c.DescribeSubnets(e.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(subs.Subnets[1].SubnetId)}})
	if err != nil || len(one.Subnets) != 1 {
		t.Errorf("by id: %v", err)
	}
	_, err = c.DescribeSubnets(e.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-nope"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSubnetID.NotFound" {
		t.Errorf("unknown subnet: %v", err)
	}
	if e.srv.Calls()["ec2:DescribeSubnets"] != 3 {
		t.Errorf("calls %v", e.srv.Calls())
	}
}

func TestEventsPaginationAndBounds(t *testing.T) {
	e := newEnv(t, Options{MaxDeletedStacks: 1})
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := 0; i < 60; i++ {
		b.WriteString("  Q" + string(rune('A'+i/26)) + string(rune('a'+i%26)) + ": {Type: AWS::SQS::Queue}\n")
	}
	e.deploy(t, "big", b.String(), nil)
	first, err := e.cfn.DescribeStackEvents(e.ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.StackEvents) != 100 || first.NextToken == nil {
		t.Fatalf("first page: %d events, token %v", len(first.StackEvents), first.NextToken)
	}
	if s := first.StackEvents[0]; aws.ToString(s.LogicalResourceId) != "big" || s.ResourceStatus != cfntypes.ResourceStatusCreateComplete {
		t.Errorf("newest event first: got %s %s", aws.ToString(s.LogicalResourceId), s.ResourceStatus)
	}
	all := e.events(t, "big")
	if len(all) != 2+60*2+1 {
		t.Errorf("%d events across pages, want %d", len(all), 2+60*2+1)
	}
	seen := map[string]bool{}
	p := cloudformation.NewDescribeStackEventsPaginator(e.cfn, &cloudformation.DescribeStackEventsInput{StackName: aws.String("big")})
	for p.HasMorePages() {
		out, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range out.StackEvents {
			if seen[aws.ToString(ev.EventId)] {
				t.Fatalf("event %s repeated across pages", aws.ToString(ev.EventId))
			}
			seen[aws.ToString(ev.EventId)] = true
		}
	}
	_, err = e.cfn.DescribeStackEvents(e.ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("big"), NextToken: aws.String("garbage")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Invalid NextToken")
	ls, err := e.cfn.ListStackResources(e.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("big")})
	if err != nil || len(ls.StackResourceSummaries) != 60 || ls.NextToken != nil {
		t.Errorf("list stack resources: %v", err)
	}

	// Only the newest deleted stack is remembered.
	var ids []string
	for _, name := range []string{"d1", "d2"} {
		ids = append(ids, aws.ToString(e.deploy(t, name, twoQueues, nil).StackId))
		if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		e.idle(t)
	}
	_, err = e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(ids[0])})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "does not exist")
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(ids[1])}); err != nil {
		t.Errorf("newest deleted stack forgotten: %v", err)
	}

	small := newEnv(t, Options{MaxEventsPerStack: 5, MaxChangeSetsPerStack: 2})
	small.deploy(t, "s", twoQueues, nil)
	if n := len(small.events(t, "s")); n != 5 {
		t.Errorf("%d events kept, want 5", n)
	}
	for _, n := range []string{"a", "b", "c"} {
		small.changeSet(t, "s", n, cfntypes.ChangeSetTypeUpdate, twoQueues, map[string]string{"Size": "3"})
	}
	list, err := small.cfn.ListChangeSets(small.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("s")})
	if err != nil || len(list.Summaries) != 2 || aws.ToString(list.Summaries[0].ChangeSetName) != "b" {
		t.Errorf("change sets kept: %v %+v", err, list.Summaries)
	}
}

func TestListStackResourcesPages(t *testing.T) {
	e := newEnv(t, Options{})
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := 0; i < 130; i++ {
		fmt.Fprintf(&b, "  Q%03d: {Type: AWS::SQS::Queue}\n", i)
	}
	e.deploy(t, "big", b.String(), nil)
	var ids []string
	p := cloudformation.NewListStackResourcesPaginator(e.cfn, &cloudformation.ListStackResourcesInput{StackName: aws.String("big")})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.StackResourceSummaries {
			ids = append(ids, aws.ToString(r.LogicalResourceId))
		}
	}
	if pages != 2 || len(ids) != 130 || ids[0] != "Q000" || ids[129] != "Q129" {
		t.Errorf("%d pages, %d resources (%v ... %v)", pages, len(ids), ids[0], ids[len(ids)-1])
	}
}

func TestExportsAndImports(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "net", "Resources:\n  SG: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: x}}\nOutputs:\n  SG: {Value: !Ref SG, Export: {Name: net-sg}}\n", nil)
	sg := aws.ToString(e.stack(t, "net").Outputs[0].OutputValue)
	st := e.deploy(t, "app", "Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: !ImportValue net-sg}}\nOutputs:\n  Q: {Value: !GetAtt Q.QueueName}\n", nil)
	if got := aws.ToString(st.Outputs[0].OutputValue); got != sg {
		t.Errorf("imported value %q, want %q", got, sg)
	}
	// A second stack cannot take the same export name.
	st = e.deploy(t, "dup", "Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n  O: {Value: x, Export: {Name: net-sg}}\n", nil)
	if st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Errorf("duplicate export: %s", st.StackStatus)
	}
	equalLines(t, since(e.events(t, "dup"), "dup ROLLBACK_IN_PROGRESS (Export with name net-sg is already exported by stack net. Rollback requested by user.)"), []string{
		"dup ROLLBACK_IN_PROGRESS (Export with name net-sg is already exported by stack net. Rollback requested by user.)",
		"Q DELETE_IN_PROGRESS", "Q DELETE_COMPLETE", "dup ROLLBACK_COMPLETE",
	})
	// The exporting stack cannot be deleted while the export is imported.
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("net")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if st := e.stack(t, "net"); st.StackStatus != cfntypes.StackStatusDeleteFailed || aws.ToString(st.StackStatusReason) != "Export net-sg cannot be deleted as it is in use by app" {
		t.Errorf("delete of an imported export: %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	// Importing an export nobody has fails the change set.
	id := e.changeSet(t, "lost", "c", cfntypes.ChangeSetTypeCreate, "Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: !ImportValue nothing}}\n", nil)
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id)})
	if err != nil || cs.Status != cfntypes.ChangeSetStatusFailed || aws.ToString(cs.StatusReason) != "No export named nothing found." {
		t.Errorf("missing import: %v %s %q", err, cs.Status, aws.ToString(cs.StatusReason))
	}
}

func TestLintTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("cfn-lint takes seconds per template")
	}
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Skip("cfn-lint not on PATH")
	}
	e := newEnv(t, Options{LintTemplates: true})
	_, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String(`{"Resources": {"A": {"Type": "AWS::SQS::Queue", "Properties": {"Bogus": 1}}}}`)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Template failed cfn-lint validation: E3002 Additional properties are not allowed ('Bogus' was unexpected)")
}
