package awsclient

import (
	"context"
	"fmt"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/composestack/composestack/internal/stack"
)

// RateLimits are the CloudFormation calls per second the controller allows itself in each account and
// Region, for all its stacks together. They are kept below what an account takes, so that CloudFormation
// never has to throttle it: a call over the budget waits for its turn instead.
type RateLimits struct {
	// Reads limits Describe*, List* and Get* calls; 0 means no limit.
	Reads float64
	// Writes limits every other call; 0 means no limit.
	Writes float64
}

// accountRegion is what CloudFormation's limits apply to.
type accountRegion struct{ account, region string }

// classLimits are the limiters of one account and Region.
type classLimits struct{ reads, writes *fairLimiter }

// accountOf is the account of a role ARN (arn:aws:iam::123456789012:role/name); "" stands for the account of
// the controller's own credentials.
func accountOf(roleARN string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// isRead says whether an operation only reads.
func isRead(op string) bool {
	return strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Get")
}

type tenantKey struct{}

// WithTenant says on whose behalf the calls made with ctx are (a namespace), so that the rate limits are
// shared fairly between tenants.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

func tenantOf(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

// middleware makes every attempt of a call, retries included, wait for its class's limiter. It runs before
// the request is signed, so that a long wait cannot outlast the signature.
func (l *classLimits) middleware(s *middleware.Stack) error {
	mw := middleware.FinalizeMiddlewareFunc("composestackRateLimit",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			lim := l.writes
			if isRead(awsmiddleware.GetOperationName(ctx)) {
				lim = l.reads
			}
			if stack.IsOptional(ctx) && lim.busy() {
				// A call the driver can do without does not queue behind (or ahead of) ones it cannot.
				return middleware.FinalizeOutput{}, middleware.Metadata{}, stack.ErrOptionalSkipped
			}
			if err := lim.wait(ctx, tenantOf(ctx)); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("waiting for the CloudFormation rate limit: %w", err)
			}
			return next.HandleFinalize(ctx, in)
		})
	if _, ok := s.Finalize.Get("Signing"); ok {
		return s.Finalize.Insert(mw, "Signing", middleware.Before)
	}
	return s.Finalize.Add(mw, middleware.After)
}
