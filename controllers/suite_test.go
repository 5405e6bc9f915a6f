package controllers_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/composestack/composestack/controllers/controllertest"
	"github.com/composestack/composestack/internal/cfnlocal"
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

const region = controllertest.Region

// reconcileBudget is the suite's time budget per reconcile: shorter than the manager's default, so that a test can
// show what happens when a call outlasts it, and far longer than any reconcile of the suite takes.
const reconcileBudget = 10 * time.Second

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	e, err := controllertest.Start(cfnlocal.Options{Region: region, ResourceDelay: 5 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = e.Stop() }()
	env, cfn, cf = e.Kube, e.CFN, e.CF

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		return 1
	}
	calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_calls"}, []string{"service", "operation", "outcome"})
	r := controllertest.Reconciler(mgr, cfn.URL(), 100*time.Millisecond, calls)
	r.AllowedRoleARNs = []string{"arn:aws:iam::123456789012:role/allowed-*"}
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: 4, ReconciliationTimeout: reconcileBudget}); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		return 1
	}
	if err := controllertest.NetworkReconciler(mgr, r).SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: 2, ReconciliationTimeout: reconcileBudget}); err != nil {
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
