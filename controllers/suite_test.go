package controllers_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/composestack/composestack/controllers"
	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/testenv"
)

// The suite runs the real manager and reconciler against a real kube-apiserver and etcd, and drives stacks
// through the real AWS SDK over HTTP against the local CloudFormation endpoint.
var (
	env   *testenv.Env
	cfn   *cfnlocal.Server
	cf    *cloudformation.Client
	calls *prometheus.CounterVec
)

const region = "us-east-1"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	cfn, err = cfnlocal.NewServer(cfnlocal.Options{Region: region, ResourceDelay: 5 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cfnlocal:", err)
		return 1
	}
	defer func() { _ = cfn.Close() }()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	cf = cloudformation.New(cloudformation.Options{
		Region: region, BaseEndpoint: aws.String(cfn.URL()), Credentials: creds, RetryMaxAttempts: 1,
		HTTPClient: cfnlocal.HTTPClient(),
	})

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		return 1
	}
	calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_calls"}, []string{"service", "operation", "outcome"})
	r := &controllers.ComposeStackReconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("composestack-controller"),
		Stacks: controllers.NewAWSStackClients(awsclient.Options{
			Endpoint:    cfn.URL(),
			Credentials: creds,
			HTTPClient:  cfnlocal.HTTPClient(), // see its doc: the SDK's default client races a loopback server
			Driver: stack.Options{
				PollInterval:  100 * time.Millisecond,
				RetryBackoff:  time.Second,
				ThrottleDelay: 100 * time.Millisecond,
			},
		}, calls),
		DefaultRegion:   region,
		AllowedRoleARNs: []string{"arn:aws:iam::123456789012:role/allowed-*"},
	}
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: 4}); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "manager stopped:", err)
	}
	return code
}

// zapLevel keeps the manager quiet unless TEST_LOG is set.
func zapLevel() zapcore.Level {
	if os.Getenv("TEST_LOG") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}
