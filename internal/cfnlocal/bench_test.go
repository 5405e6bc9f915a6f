package cfnlocal

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// BenchmarkDeployCycle measures one create-through-change-set, update and
// delete of the test app through the SDK, and reports API calls per cycle.
func BenchmarkDeployCycle(b *testing.B) {
	srv, err := NewServer(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	c := cloudformation.NewFromConfig(sdkConfig(srv.URL(), 1))
	ctx := context.Background()
	wait := func() {
		if err := srv.WaitIdle(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := "bench-" + strconv.Itoa(i)
		for j, typ := range []cfntypes.ChangeSetType{cfntypes.ChangeSetTypeCreate, cfntypes.ChangeSetTypeUpdate} {
			out, err := c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
				StackName: aws.String(name), ChangeSetName: aws.String("cs" + strconv.Itoa(j)), ChangeSetType: typ,
				TemplateBody: aws.String(appTemplate),
				Parameters:   []cfntypes.Parameter{{ParameterKey: aws.String("Image"), ParameterValue: aws.String("nginx:" + strconv.Itoa(j))}},
			})
			if err != nil {
				b.Fatal(err)
			}
			wait()
			if _, err := c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
				b.Fatal(err)
			}
			wait()
		}
		if _, err := c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			b.Fatal(err)
		}
		wait()
	}
	b.StopTimer()
	total := 0
	for _, n := range srv.Calls() {
		total += n
	}
	b.ReportMetric(float64(total)/float64(b.N), "calls/cycle")
}
