package stack_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// TestDriverServesStacksConcurrently drives several stacks from one Driver at once, as concurrent
// reconciles do; run with -race it also checks the Driver shares no state between calls.
func TestDriverServesStacksConcurrently(t *testing.T) {
	e := newLocalEnv(t, false)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := desired(1 + i%2)
			want.StackName = fmt.Sprintf("stack-%d", i)
			want.Owner.UID = fmt.Sprintf("uid-%d", i)
			for range 20 {
				res, err := e.d.Sync(context.Background(), want)
				if err != nil {
					errs <- err
					return
				}
				if res.Phase == stack.PhaseConverged {
					return
				}
				ctx, cancel := guard()
				err = e.srv.WaitIdle(ctx)
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- fmt.Errorf("%s did not converge", want.StackName)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range n {
		name := fmt.Sprintf("stack-%d", i)
		if s := e.stackStatus(t, name); s != cftypes.StackStatusCreateComplete {
			t.Errorf("%s is %s", name, s)
		}
		if uid := e.tags(t, name)[csv1.TagOwnerUID]; uid != fmt.Sprintf("uid-%d", i) {
			t.Errorf("%s belongs to %s", name, uid)
		}
	}
	if got := e.calls("CreateStack"); got != n {
		t.Errorf("CreateStack calls = %d, want %d", got, n)
	}
}

// TestRootCauseReadsBoundedPages finds a root cause several pages of events back, and stops reading after
// MaxEventPages, however long the history.
func TestRootCauseReadsBoundedPages(t *testing.T) {
	e := newLocalEnv(t, false)
	// Service is created last and fails; the rollback then deletes the 120 resources created before it,
	// which puts 240 events (cfnlocal gives 100 a page) after the failure.
	var b strings.Builder
	b.WriteString(`{"Resources":{`)
	var deps []string
	for i := range 120 {
		fmt.Fprintf(&b, `"Log%d":{"Type":"AWS::Logs::LogGroup"},`, i)
		deps = append(deps, fmt.Sprintf(`"Log%d"`, i))
	}
	fmt.Fprintf(&b, `"Service":{"Type":"AWS::ECS::Service","DependsOn":[%s]}}}`, strings.Join(deps, ","))
	want := desired(1)
	want.TemplateBody, want.Parameters = []byte(b.String()), nil
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "Service", Operation: "CREATE", Reason: "boom"})
	rs := e.syncToEnd(t, want)
	last := rs[len(rs)-1]
	if last.StackStatus != "ROLLBACK_COMPLETE" || len(last.FailedResources) != 1 || last.FailedResources[0].Reason != "boom" {
		t.Fatalf("last = %+v", last)
	}

	e.d = e.driver(e.cf, stack.Options{MaxEventPages: 2})
	before := e.calls("DescribeStackEvents")
	res, err := e.d.Sync(context.Background(), want)
	if err != nil || res.Phase != stack.PhaseFailed {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
	if got := e.calls("DescribeStackEvents") - before; got != 2 {
		t.Errorf("DescribeStackEvents calls = %d, want 2", got)
	}
	if len(res.FailedResources) != 0 {
		t.Errorf("found a cause beyond the pages read: %+v", res.FailedResources)
	}
}
