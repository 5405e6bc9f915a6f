package stack_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// cfnlocal's account has one default VPC with a subnet in each of three zones.
const localVPC = "vpc-0cf10c41000000001"

var localSubnets = []string{"subnet-0cf10c41000000001", "subnet-0cf10c41000000002", "subnet-0cf10c41000000003"}

// clock is a settable clock for the resolvers' caches.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestResolveNetwork(t *testing.T) {
	for _, vpc := range []string{"", localVPC} {
		t.Run("vpc "+vpc, func(t *testing.T) {
			_, cl := localServer(t, cfnlocal.Options{})
			got, subnets, err := stack.NewNetworkResolver(cl.EC2, 0, nil).Resolve(context.Background(), vpc)
			if err != nil || got != localVPC || !slices.Equal(subnets, localSubnets) {
				t.Fatalf("Resolve = %s %v %v", got, subnets, err)
			}
		})
	}
}

func TestResolveNetworkErrors(t *testing.T) {
	cases := []struct {
		name     string
		fault    *cfnlocal.APIFault
		vpc      string
		terminal bool
		msg      string
	}{
		{"unknown VPC", nil, "vpc-nope", true, "VPC vpc-nope does not exist"},
		{"EC2 down", &cfnlocal.APIFault{Operation: "ec2:DescribeVpcs", Kind: cfnlocal.FaultServerError}, "", false, "DescribeVpcs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, cl := localServer(t, cfnlocal.Options{})
			if c.fault != nil {
				if err := srv.AddAPIFault(*c.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := stack.NewNetworkResolver(cl.EC2, 0, nil).Resolve(context.Background(), c.vpc)
			if err == nil || stack.IsTerminal(err) != c.terminal || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
			if c.terminal && terminalReason(err) != csv1.ReasonNetworkNotFound {
				t.Errorf("reason = %s", terminalReason(err))
			}
		})
	}
}

func TestResolveNetworkCachesUntilTTL(t *testing.T) {
	srv, cl := localServer(t, cfnlocal.Options{})
	c := &clock{t: time.Now()}
	r := stack.NewNetworkResolver(cl.EC2, time.Minute, c.Now)
	for range 3 {
		if _, _, err := r.Resolve(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Calls(); n["ec2:DescribeVpcs"] != 1 || n["ec2:DescribeSubnets"] != 1 {
		t.Fatalf("calls: %v", n)
	}
	// A cached answer cannot be changed through the slice it handed out.
	_, subnets, _ := r.Resolve(context.Background(), "")
	subnets[0] = "changed"
	if _, again, _ := r.Resolve(context.Background(), ""); again[0] != localSubnets[0] {
		t.Fatal("cache was changed by a caller")
	}
	c.t = c.t.Add(time.Minute)
	if _, _, err := r.Resolve(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls()["ec2:DescribeVpcs"]; n != 2 {
		t.Fatalf("not looked up again after the TTL: %d", n)
	}
}

func TestClientResolvesNetwork(t *testing.T) {
	_, cl := localServer(t, cfnlocal.Options{})
	c := &stack.Client{Network: stack.NewNetworkResolver(cl.EC2, 0, nil)}
	vpc, subnets, err := c.ResolveNetwork(context.Background(), localVPC)
	if err != nil || vpc != localVPC || len(subnets) != 3 {
		t.Fatalf("%s %v %v", vpc, subnets, err)
	}
}
