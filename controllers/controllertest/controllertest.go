// Package controllertest wires the real reconciler to the local CloudFormation endpoint (internal/cfnlocal) for
// the controller tests, the way cmd/manager wires it to AWS. Only tests import it.
package controllertest

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/composestack/composestack/controllers"
	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/testenv"
)

// Region is the region of the stacks the tests make.
const Region = "us-east-1"

// credentials are any: cfnlocal accepts every signature.
var creds = credentials.NewStaticCredentialsProvider("test", "test", "")

// Env is what a controller test suite runs against: a real kube-apiserver and etcd, and the local
// CloudFormation endpoint with a client for it.
type Env struct {
	Kube *testenv.Env
	CFN  *cfnlocal.Server
	CF   *cloudformation.Client
}

// Start sets the logger (SetLogger) and starts the control plane and a cfnlocal server with opts. It fails,
// rather than skips, when the control plane cannot start: the point is the real API server.
func Start(opts cfnlocal.Options) (*Env, error) {
	SetLogger()
	kube, err := testenv.Start()
	if err != nil {
		return nil, fmt.Errorf("envtest: %w", err)
	}
	cfn, err := cfnlocal.NewServer(opts)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("cfnlocal: %w", err), kube.Stop())
	}
	return &Env{Kube: kube, CFN: cfn, CF: CloudFormation(cfn.URL())}, nil
}

// Stop stops the endpoint and the control plane.
func (e *Env) Stop() error {
	return errors.Join(e.CFN.Close(), e.Kube.Stop())
}

// SetLogger gives controller-runtime a logger that prints errors only, or everything when TEST_LOG is set.
func SetLogger() {
	level := zapcore.ErrorLevel
	if os.Getenv("TEST_LOG") != "" {
		level = zapcore.DebugLevel
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr), zap.Level(level)))
}

// CloudFormation returns an SDK client for the endpoint at url, for tests to look at stacks themselves. It does
// not retry, so a test sees every answer.
func CloudFormation(url string) *cloudformation.Client {
	return cloudformation.New(cloudformation.Options{
		Region: Region, BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1,
		HTTPClient: cfnlocal.HTTPClient(),
	})
}

// Reconciler returns a reconciler over mgr's client whose AWS calls go to the endpoint at url, with a fresh
// client cache, as a new controller process has. poll is the driver's poll interval; calls, when not nil,
// counts the AWS calls.
func Reconciler(mgr ctrl.Manager, url string, poll time.Duration, calls *prometheus.CounterVec) *controllers.ComposeStackReconciler {
	return &controllers.ComposeStackReconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("composestack-controller"),
		Stacks: controllers.NewAWSStackClients(awsclient.Options{
			Endpoint:    url,
			Credentials: creds,
			HTTPClient:  cfnlocal.HTTPClient(), // see its doc: the SDK's default client races a loopback server
			Driver: stack.Options{
				PollInterval:  poll,
				RetryBackoff:  time.Second,
				ThrottleDelay: 100 * time.Millisecond,
			},
		}, calls),
		DefaultRegion: Region,
	}
}

// NetworkReconciler returns a ComposeNetwork reconciler over mgr's client that shares r's AWS clients, region and
// allowed roles, as cmd/manager wires the two.
func NetworkReconciler(mgr ctrl.Manager, r *controllers.ComposeStackReconciler) *controllers.ComposeNetworkReconciler {
	return &controllers.ComposeNetworkReconciler{
		Client:          mgr.GetClient(),
		Recorder:        mgr.GetEventRecorder("composenetwork-controller"),
		Stacks:          r.Stacks,
		DefaultRegion:   r.DefaultRegion,
		AllowedRoleARNs: r.AllowedRoleARNs,
	}
}
