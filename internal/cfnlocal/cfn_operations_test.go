package cfnlocal

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestCLIOperations calls, through the SDK as the AWS CLI does, the operations `aws cloudformation` uses besides
// change sets: validate-template, get-template-summary, update-stack, list-stacks, list-exports and
// describe-stack-resource.
func TestCLIOperations(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx

	v, err := e.cfn.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(appTemplate)})
	if err != nil {
		t.Fatalf("validate template: %v", err)
	}
	if aws.ToString(v.Description) != "test app" || len(v.Parameters) != 2 || aws.ToString(v.Parameters[0].ParameterKey) != "Image" ||
		aws.ToString(v.Parameters[0].DefaultValue) != "nginx:1" || !aws.ToBool(v.Parameters[1].NoEcho) {
		t.Errorf("validate template: %+v", v)
	}
	_, err = e.cfn.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(`{"Resources": {"A": {"Type": "AWS::S3::Bucket", "Properties": {"X": {"Ref": "Nope"}}}}}`)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Nope")

	e.deploy(t, "app", appTemplate, nil)

	sum, err := e.cfn.GetTemplateSummary(ctx, &cloudformation.GetTemplateSummaryInput{StackName: aws.String("app")})
	if err != nil {
		t.Fatalf("get template summary: %v", err)
	}
	if got := strings.Join(sum.ResourceTypes, ","); got != "AWS::ECS::Cluster,AWS::ElasticLoadBalancingV2::LoadBalancer,AWS::Logs::LogGroup,AWS::ECS::Service,AWS::ECS::TaskDefinition" || aws.ToString(sum.Version) != "2010-09-09" {
		t.Errorf("get template summary: types %s, version %s", got, aws.ToString(sum.Version))
	}

	r, err := e.cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String("app"), LogicalResourceId: aws.String("Cluster")})
	if err != nil {
		t.Fatalf("describe stack resource: %v", err)
	}
	if d := r.StackResourceDetail; aws.ToString(d.ResourceType) != "AWS::ECS::Cluster" || d.ResourceStatus != cfntypes.ResourceStatusCreateComplete || aws.ToString(d.PhysicalResourceId) == "" {
		t.Errorf("describe stack resource: %+v", d)
	}
	_, err = e.cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String("app"), LogicalResourceId: aws.String("Nope")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Resource Nope does not exist for stack app")

	ex, err := e.cfn.ListExports(ctx, &cloudformation.ListExportsInput{})
	if err != nil {
		t.Fatalf("list exports: %v", err)
	}
	if len(ex.Exports) != 1 || aws.ToString(ex.Exports[0].Name) != "app-cluster" || aws.ToString(ex.Exports[0].Value) == "" {
		t.Errorf("list exports: %+v", ex.Exports)
	}

	// update-stack: a new parameter value, then the same again, which has nothing to do.
	update := &cloudformation.UpdateStackInput{
		StackName: aws.String("app"), TemplateBody: aws.String(appTemplate),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Image"), ParameterValue: aws.String("nginx:2")}},
	}
	if _, err := e.cfn.UpdateStack(ctx, update); err != nil {
		t.Fatalf("update stack: %v", err)
	}
	e.idle(t)
	if st := e.stack(t, "app"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Errorf("after update-stack: %s %s", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	_, err = e.cfn.UpdateStack(ctx, update)
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "No updates are to be performed.")
	_, err = e.cfn.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("nope"), UsePreviousTemplate: aws.Bool(true)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "does not exist")

	if _, err := e.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	e.deploy(t, "other", appTemplate, nil)
	var names []string
	p := cloudformation.NewListStacksPaginator(e.cfn, &cloudformation.ListStacksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list stacks: %v", err)
		}
		for _, s := range page.StackSummaries {
			names = append(names, aws.ToString(s.StackName)+" "+string(s.StackStatus))
		}
	}
	if got := strings.Join(names, ", "); got != "other CREATE_COMPLETE, app DELETE_COMPLETE" {
		t.Errorf("list stacks: %s", got)
	}
	live, err := e.cfn.ListStacks(ctx, &cloudformation.ListStacksInput{StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusDeleteComplete}})
	if err != nil || len(live.StackSummaries) != 1 || aws.ToString(live.StackSummaries[0].StackName) != "app" {
		t.Errorf("list stacks filtered: %v %+v", err, live)
	}
}

// TestTemplateSizeLimits: the endpoint refuses what CloudFormation refuses for size, with its wording.
func TestTemplateSizeLimits(t *testing.T) {
	e := newEnv(t, Options{})
	padded := `{"Description": "` + strings.Repeat("x", 51_200) + `", "Resources": {"A": {"Type": "AWS::S3::Bucket"}}}`
	_, err := e.cfn.ValidateTemplate(e.ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(padded)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Member must have length less than or equal to 51200")

	many := func(section, entry string, n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, `{"Resources": {"A": {"Type": "AWS::S3::Bucket"}}, "%s": {`, section)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"X%d": %s`, i, entry)
		}
		b.WriteString("}}")
		return strings.Replace(b.String(), `{"Resources": {"A": {"Type": "AWS::S3::Bucket"}}, "Resources": {`, `{"Resources": {"A": {"Type": "AWS::S3::Bucket"},`, 1)
	}
	for _, tc := range []struct{ body, want string }{
		{many("Resources", `{"Type": "AWS::SQS::Queue"}`, 500), "Number of resources, 501, is greater than maximum allowed, 500"},
		{many("Parameters", `{"Type": "String"}`, 201), "Number of parameters, 201, is greater than maximum allowed, 200"},
		{many("Outputs", `{"Value": "v"}`, 201), "Number of outputs, 201, is greater than maximum allowed, 200"},
	} {
		if len(tc.body) > 51_200 {
			t.Fatalf("test body is %d bytes: it would hit the size limit first", len(tc.body))
		}
		_, err := e.cfn.ValidateTemplate(e.ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(tc.body)})
		apiErr(t, err, "ValidationError", http.StatusBadRequest, tc.want)
	}
}

// TestTemplateURLAndParameterLimits: a template read from S3 may be larger than an inline body, up to
// 1,000,000 bytes; a request may carry at most 200 parameter values.
func TestTemplateURLAndParameterLimits(t *testing.T) {
	e := newEnv(t, Options{})
	s3c := s3.NewFromConfig(sdkConfig(e.ts.URL, 1), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, descriptionBytes int) string {
		body := `{"Description": "` + strings.Repeat("x", descriptionBytes) + `", "Resources": {"A": {"Type": "AWS::S3::Bucket"}}}`
		if _, err := s3c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("t"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
		return e.ts.URL + "/t/" + key
	}
	if _, err := e.cfn.ValidateTemplate(e.ctx, &cloudformation.ValidateTemplateInput{TemplateURL: aws.String(put("ok", 100_000))}); err != nil {
		t.Errorf("a 100 KB template from S3: %v", err)
	}
	_, err := e.cfn.ValidateTemplate(e.ctx, &cloudformation.ValidateTemplateInput{TemplateURL: aws.String(put("big", 1_000_000))})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Template may not exceed 1000000 bytes in size.")

	in := &cloudformation.CreateStackInput{StackName: aws.String("p"), TemplateBody: aws.String(`{"Resources": {"A": {"Type": "AWS::S3::Bucket"}}}`)}
	for i := range 201 {
		in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(fmt.Sprintf("P%d", i)), ParameterValue: aws.String("v")})
	}
	_, err = e.cfn.CreateStack(e.ctx, in)
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Member must have length less than or equal to 200")
}
