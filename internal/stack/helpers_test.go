package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/composestack/composestack/internal/stack/stackfake"
)

var _ CloudFormationAPI = (*stackfake.CloudFormation)(nil)
var _ S3API = (*stackfake.S3)(nil)
var _ EC2API = (*stackfake.EC2)(nil)

// clock is a settable clock for the driver and the fake.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Add(d time.Duration)     { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)} }
func fixedRand(v float64) func() float64 { return func() float64 { return v } }

type env struct {
	cf    *stackfake.CloudFormation
	s3    *stackfake.S3
	clock *clock
	d     *Driver
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := newClock()
	cf := stackfake.New(c.Now)
	s3 := stackfake.NewS3()
	cf.S3 = s3
	return &env{cf: cf, s3: s3, clock: c, d: newDriver(cf, s3, c)}
}

func newDriver(cf CloudFormationAPI, s3 S3API, c *clock) *Driver {
	return NewDriver(cf, s3, Options{Region: "us-east-1", Now: c.Now, Rand: fixedRand(0.5)})
}

var owner = Owner{Namespace: "shop", Name: "web", UID: "uid-1"}

// template returns a small template; version changes the task definition so that templates differ.
func template(version int) []byte {
	return fmt.Appendf(nil, `{"Resources":{"Cluster":{"Type":"AWS::ECS::Cluster","Properties":{"ClusterName":"shop"}},`+
		`"TaskDefinition":{"Type":"AWS::ECS::TaskDefinition","Properties":{"Family":"web","Memory":"%d"}},`+
		`"Service":{"Type":"AWS::ECS::Service","Properties":{"Cluster":{"Ref":"Cluster"},"TaskDefinition":{"Ref":"TaskDefinition"}}}},`+
		`"Outputs":{"ClusterName":{"Value":"shop"}}}`, 512*version)
}

func desired(version int) Desired {
	return Desired{
		StackName:      "shop-web",
		TemplateBody:   template(version),
		Parameters:     []Parameter{{Key: "Image", Value: "nginx"}, {Key: "Password", Value: "s3cret", Sensitive: true}},
		Tags:           map[string]string{"team": "shop"},
		Owner:          owner,
		ResyncInterval: time.Hour,
	}
}

// converge calls Sync until the stack converges or fails (at most max calls) and returns every Result.
func converge(t *testing.T, d *Driver, want Desired, max int) ([]Result, error) {
	t.Helper()
	var out []Result
	for range max {
		res, err := d.Sync(context.Background(), want)
		if err != nil {
			return out, err
		}
		out = append(out, res)
		if res.Phase == PhaseConverged || res.Phase == PhaseFailed {
			return out, nil
		}
	}
	return out, fmt.Errorf("no end after %d calls; last: %+v", max, out[len(out)-1])
}

func actions(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Action)
	}
	return out
}

func terminalReason(err error) string {
	var te *TerminalError
	if errors.As(err, &te) {
		return te.Reason
	}
	return ""
}

// smithyErr is an API error with a code, for injected failures.
type smithyErr struct{ code string }

func (e *smithyErr) Error() string                 { return e.code }
func (e *smithyErr) ErrorCode() string             { return e.code }
func (e *smithyErr) ErrorMessage() string          { return e.code }
func (e *smithyErr) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

func stackfakeSeed(name string, status types.StackStatus, tags map[string]string, tmpl string) stackfake.Seed {
	return stackfake.Seed{Name: name, Status: status, Tags: tags, TemplateBody: tmpl,
		Parameters: map[string]string{"Image": "nginx", "Password": "s3cret"}}
}

// bigTemplate returns a valid template of about size bytes.
func bigTemplate(size int) []byte {
	const head, tail = `{"Description":"`, `","Resources":{"Cluster":{"Type":"AWS::ECS::Cluster"}}}`
	return []byte(head + strings.Repeat("x", max(0, size-len(head)-len(tail))) + tail)
}
