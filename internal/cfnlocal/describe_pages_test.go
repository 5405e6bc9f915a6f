package cfnlocal

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// TestDescribeStacksPages checks that DescribeStacks without a name sends the stacks in pages of 100, each
// stack once, as CloudFormation does.
func TestDescribeStacksPages(t *testing.T) {
	e := newEnv(t, Options{})
	const n = pageSize + 5
	body := `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`
	for i := range n {
		if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String(fmt.Sprintf("s%d", i)), TemplateBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var sizes []int
	pages := cloudformation.NewDescribeStacksPaginator(e.cfn, &cloudformation.DescribeStacksInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Stacks))
		for _, st := range page.Stacks {
			seen[aws.ToString(st.StackName)] = true
		}
	}
	if len(sizes) != 2 || sizes[0] != pageSize || len(seen) != n {
		t.Fatalf("pages of %v holding %d distinct stacks; want pages of [%d 5] holding %d", sizes, len(seen), pageSize, n)
	}
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{NextToken: aws.String("bogus")}); err == nil {
		t.Error("a bogus NextToken was accepted")
	}
}
