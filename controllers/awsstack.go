package controllers

import (
	"context"
	"errors"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/stack"
)

// AWSStackClients hands out real AWS clients, one set per region and role, built once and cached.
type AWSStackClients struct {
	cache *awsclient.Cache
}

var _ StackClients = (*AWSStackClients)(nil)

// NewAWSStackClients returns StackClients over the AWS SDK. Every call is counted in calls by service,
// operation and outcome.
func NewAWSStackClients(opts awsclient.Options, calls *prometheus.CounterVec) *AWSStackClients {
	if calls != nil {
		opts.LoadOptions = append(opts.LoadOptions, config.WithAPIOptions([]func(*middleware.Stack) error{countCalls(calls)}))
	}
	return &AWSStackClients{cache: awsclient.New(opts)}
}

// For returns the stack driver and network resolver for region and roleARN.
func (a *AWSStackClients) For(ctx context.Context, region, roleARN string) (StackClient, error) {
	return a.cache.Stack(ctx, region, roleARN)
}

// countCalls is SDK middleware that counts each API call once, after its retries, by outcome.
func countCalls(calls *prometheus.CounterVec) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("composestackCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				calls.WithLabelValues(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), outcome(err)).Inc()
				return out, md, err
			}), middleware.After)
	}
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return "throttled"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return "error"
	}
	return "transport_error"
}

var _ StackClient = (*stack.Client)(nil)
