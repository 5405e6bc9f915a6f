package stack

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack/stackfake"
)

// TestDriverServesStacksConcurrently drives several stacks from one Driver at once, as concurrent
// reconciles do; run with -race it also checks the Driver shares no state between calls.
func TestDriverServesStacksConcurrently(t *testing.T) {
	e := newEnv(t)
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
				if res.Phase == PhaseConverged {
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
		if s := e.cf.Status(name); s != types.StackStatusCreateComplete {
			t.Errorf("%s is %s", name, s)
		}
		if uid := e.cf.Tags(name)[csv1.TagOwnerUID]; uid != fmt.Sprintf("uid-%d", i) {
			t.Errorf("%s belongs to %s", name, uid)
		}
	}
	if got := e.cf.Calls("CreateChangeSet"); got != n {
		t.Errorf("CreateChangeSet calls = %d, want %d", got, n)
	}
}

// TestRootCauseReadsBoundedPages stops reading events after MaxEventPages, however long the history.
func TestRootCauseReadsBoundedPages(t *testing.T) {
	c := newClock()
	cf := stackfake.New(c.Now)
	cf.PageSize = 1
	events := []stackfake.SeedEvent{{Status: types.ResourceStatusUpdateInProgress, Reason: "User Initiated"},
		{LogicalID: "Service", Type: "AWS::ECS::Service", Status: types.ResourceStatusUpdateFailed, Reason: "boom"}}
	for range 20 {
		events = append(events, stackfake.SeedEvent{LogicalID: "Cluster", Type: "AWS::ECS::Cluster", Status: types.ResourceStatusUpdateComplete})
	}
	events = append(events, stackfake.SeedEvent{Status: types.ResourceStatusUpdateRollbackComplete})
	cf.Seed(stackfake.Seed{Name: "shop-web", Status: types.StackStatusUpdateRollbackComplete, Tags: stackTags(desired(1)),
		TemplateBody: string(template(0)), ChangeSetName: ChangeSetName(Digest(desired(1))), ChangeSetExecution: types.ExecutionStatusExecuteFailed,
		Events: events})
	d := NewDriver(cf, nil, Options{Now: c.Now, Rand: fixedRand(0), MaxEventPages: 3})
	res, err := d.Sync(context.Background(), desired(1))
	if err != nil || res.Phase != PhaseFailed {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
	if got := cf.Calls("DescribeStackEvents"); got != 3 {
		t.Errorf("DescribeStackEvents calls = %d, want 3", got)
	}
	if len(res.FailedResources) != 0 {
		t.Errorf("found a cause beyond the pages read: %+v", res.FailedResources)
	}
}
