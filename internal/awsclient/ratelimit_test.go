package awsclient

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/composestack/composestack/internal/stack"
)

// TestFairLimiterTakesTenantsInTurn checks that a tenant with one call waiting is served next to a tenant
// with many queued before it, not after them all.
func TestFairLimiterTakesTenantsInTurn(t *testing.T) {
	f := newFairLimiter(50)
	f.pace.AllowN(time.Now(), 1) // spend the burst, so that every call below waits for its slot
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	call := func(tenant string) {
		defer wg.Done()
		if err := f.wait(context.Background(), tenant); err != nil {
			t.Error(err)
		}
		mu.Lock()
		order = append(order, tenant)
		mu.Unlock()
	}
	queued := func(tenant string, n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			f.mu.Lock()
			got := len(f.queues[tenant])
			f.mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d calls of %s queued; want %d", got, tenant, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	const busy = 10
	wg.Add(busy)
	for range busy {
		go call("busy")
	}
	queued("busy", busy-1) // the first may already be through
	wg.Add(1)
	go call("quiet")
	wg.Wait()
	for i, tenant := range order {
		if tenant == "quiet" {
			if i > 2 {
				t.Errorf("the quiet tenant's call went %d of %d: %v", i+1, len(order), order)
			}
			return
		}
	}
	t.Fatalf("the quiet tenant was never served: %v", order)
}

// TestFairLimiterPaces checks that calls go evenly at the limiter's rate, with no burst that would spend the
// account's own bucket.
func TestFairLimiterPaces(t *testing.T) {
	f := newFairLimiter(20) // one call each 50 ms
	start := time.Now()
	for range 30 {
		if err := f.wait(context.Background(), "ns"); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 1350*time.Millisecond || took > 3*time.Second {
		t.Errorf("30 calls at 20/s took %v; want about 1.45s (29 gaps of 50ms)", took)
	}
	if newFairLimiter(0) != nil || newFairLimiter(0).wait(context.Background(), "ns") != nil {
		t.Error("a zero rate should be no limit")
	}
}

// TestFairLimiterLetsWaitersLeave checks that a call whose context ends stops waiting, and that the calls
// behind it are still served.
func TestFairLimiterLetsWaitersLeave(t *testing.T) {
	f := newFairLimiter(10)
	f.pace.AllowN(time.Now(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := f.wait(ctx, "gone"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait = %v; want the context's deadline", err)
	}
	done := make(chan error, 1)
	go func() { done <- f.wait(context.Background(), "next") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the call behind a cancelled one was not served")
	}
}

// TestRateLimitsPerAccountAndRegion checks that CloudFormation calls wait for their class's limit before
// they are sent, that roles of one account share it, and that other Regions and classes have their own.
func TestRateLimitsPerAccountAndRegion(t *testing.T) {
	e := newEndpoint(t)
	c := New(Options{Endpoint: e.URL, Credentials: base, RateLimits: RateLimits{Reads: 0.001, Writes: 0.001}})
	bg := context.Background()
	clients := func(region, role string) *Clients {
		cl, err := c.Clients(bg, region, role)
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	blocked := func(cl *Clients, write bool) bool {
		t.Helper()
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		var err error
		if write {
			_, err = cl.CloudFormation.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")})
		} else {
			_, err = cl.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
		}
		return errors.Is(err, context.DeadlineExceeded)
	}
	first := clients("us-east-1", "arn:aws:iam::111111111111:role/a")
	if blocked(first, false) {
		t.Fatal("the first read was held back")
	}
	if !blocked(first, false) {
		t.Fatal("a read beyond the rate was sent")
	}
	if !blocked(clients("us-east-1", "arn:aws:iam::111111111111:role/b"), false) {
		t.Error("another role of the same account did not share its limit")
	}
	if blocked(first, true) {
		t.Error("a write waited for the reads' limit")
	}
	if blocked(clients("eu-west-1", "arn:aws:iam::111111111111:role/a"), false) {
		t.Error("another Region waited for this one's limit")
	}
	if blocked(clients("us-east-1", "arn:aws:iam::222222222222:role/a"), false) {
		t.Error("another account waited for this one's limit")
	}
	if n := len(e.seen("DescribeStacks")); n != 3 {
		t.Errorf("%d DescribeStacks sent; want the 3 within the limits", n)
	}
}

func TestAccountOf(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::123456789012:role/deployer": "123456789012",
		"arn:aws-cn:iam::1:role/x/y":              "1",
		"":                                        "",
		"not-an-arn":                              "",
	} {
		if got := accountOf(in); got != want {
			t.Errorf("accountOf(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestOptionalCallsGiveWay checks that a call the driver marked optional is refused at once while calls of
// its class wait for the budget, and goes like any other when none wait.
func TestOptionalCallsGiveWay(t *testing.T) {
	e := newEndpoint(t)
	c := New(Options{Endpoint: e.URL, Credentials: base, RateLimits: RateLimits{Reads: 0.001, Writes: 0.001}})
	bg := context.Background()
	cl, err := c.Clients(bg, "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	events := func(ctx context.Context) error {
		_, err := cl.CloudFormation.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("s")})
		return err
	}
	// The test endpoint's empty answers do not parse; what counts is that the call was sent.
	if err := events(stack.WithOptional(bg)); errors.Is(err, stack.ErrOptionalSkipped) {
		t.Fatalf("an optional call with no one waiting: %v", err)
	}
	// A call that must be made now waits for the next slot, a thousand seconds away.
	waiting, cancel := context.WithCancel(bg)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- events(waiting) }()
	c.mu.Lock()
	lim := c.limits[accountRegion{"", "us-east-1"}].reads
	c.mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); !lim.busy(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second call never queued")
		}
	}
	if err := events(stack.WithOptional(bg)); !errors.Is(err, stack.ErrOptionalSkipped) {
		t.Fatalf("an optional call while another waits: %v, want ErrOptionalSkipped", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the waiting call ended with %v, want it cancelled", err)
	}
	if n := len(e.seen("DescribeStackEvents")); n != 1 {
		t.Errorf("%d DescribeStackEvents sent; want only the first", n)
	}
}
