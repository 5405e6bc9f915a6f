// Command manager runs the ComposeStack controller.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/controllers"
	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// options are the manager's flags.
type options struct {
	metricsAddr, probeAddr string
	leaderElect            bool
	leaderElectionNS       string
	concurrency            int
	namespaces             string
	selector               string
	region                 string
	bucket                 string
	allowedRoles           string
	endpoint               string
	pollInterval           time.Duration
	helpers                render.Helpers
	reconcileTimeout       time.Duration
	readRate, writeRate    float64
}

func main() {
	var o options
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "Address the Prometheus metrics endpoint binds to; 0 disables it.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address the /healthz and /readyz probes bind to.")
	flag.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader, so that only one replica reconciles at a time.")
	flag.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election lease (default: the manager's own).")
	flag.IntVar(&o.concurrency, "max-concurrent-reconciles", 4, "ComposeStacks reconciled in parallel.")
	flag.StringVar(&o.namespaces, "namespaces", "", "Comma-separated namespaces to watch (default: all).")
	flag.StringVar(&o.selector, "label-selector", "", "Only reconcile ComposeStacks matching this label selector, to shard stacks across controller instances.")
	flag.StringVar(&o.region, "default-region", os.Getenv("AWS_REGION"), "AWS region for stacks that name none (default: $AWS_REGION).")
	flag.StringVar(&o.bucket, "template-bucket", "", "S3 bucket for templates over 51,200 bytes, for stacks that name none.")
	flag.StringVar(&o.allowedRoles, "allowed-role-arns", "", "Comma-separated IAM role ARNs that spec.stack.roleARN may name; a trailing * matches any suffix. Empty: no role may be assumed.")
	flag.StringVar(&o.endpoint, "aws-endpoint-url", os.Getenv("AWS_ENDPOINT_URL"), "Send every AWS call to this endpoint instead of AWS's (for a local CloudFormation endpoint or moto).")
	flag.DurationVar(&o.pollInterval, "poll-interval", 10*time.Second, "How often a stack is looked at while CloudFormation works on it.")
	flag.StringVar(&o.helpers.Image, "helper-image", render.DefaultHelperImage, "Image of the init containers that set search domains and write secret files, for stacks whose spec.helpers.image is unset; for example a copy in your own ECR, for private subnets without NAT.")
	flag.BoolVar(&o.helpers.DockerCompatible, "docker-compatible-helpers", false, "Run Docker's helper images from Docker Hub, as Docker Compose for ECS did, for stacks whose spec.helpers.dockerCompatible is unset.")
	flag.DurationVar(&o.reconcileTimeout, "reconcile-timeout", controllers.ReconcileTimeout, "Time budget of one reconcile; past it the reconcile's calls are cancelled and it is retried with backoff.")
	flag.Float64Var(&o.readRate, "aws-read-rate", 4, "CloudFormation Describe*, List* and Get* calls per second per account and Region, for all stacks together; calls beyond it wait their turn, namespaces taking turns (0: no limit).")
	flag.Float64Var(&o.writeRate, "aws-write-rate", 4, "Other CloudFormation calls per second per account and Region, for all stacks together (0: no limit).")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	// compose-go logs through the global logrus logger, in its own format, once per process; what it says (an
	// obsolete `version`, an unset variable) reaches each object's status.warnings instead.
	logrus.SetOutput(io.Discard)

	if err := run(o); err != nil {
		ctrl.Log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

func run(o options) error {
	log := ctrl.Log.WithName("setup")
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := csv1.AddToScheme(scheme); err != nil {
		return err
	}

	cacheOpts, err := cacheOptions(o)
	if err != nil {
		return err
	}

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "composestack.dev",
		LeaderElectionNamespace: o.leaderElectionNS,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}

	r := &controllers.ComposeStackReconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("composestack-controller"),
		Stacks: controllers.NewAWSStackClients(awsclient.Options{
			Endpoint:   o.endpoint,
			Driver:     stack.Options{PollInterval: o.pollInterval},
			RateLimits: awsclient.RateLimits{Reads: o.readRate, Writes: o.writeRate},
		}, controllers.CloudFormationCalls),
		DefaultRegion:         o.region,
		DefaultTemplateBucket: o.bucket,
		AllowedRoleARNs:       split(o.allowedRoles),
		DefaultHelpers:        o.helpers,
	}
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: o.concurrency, ReconciliationTimeout: o.reconcileTimeout}); err != nil {
		return err
	}
	nr := &controllers.ComposeNetworkReconciler{
		Client:          mgr.GetClient(),
		Recorder:        mgr.GetEventRecorder("composenetwork-controller"),
		Stacks:          r.Stacks, // one AWS client cache and one set of rate limits for both kinds
		DefaultRegion:   o.region,
		AllowedRoleARNs: r.AllowedRoleARNs,
	}
	if err := nr.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: o.concurrency, ReconciliationTimeout: o.reconcileTimeout}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	log.Info("starting manager", "namespaces", o.namespaces, "labelSelector", o.selector, "defaultRegion", o.region,
		"endpoint", o.endpoint, "maxConcurrentReconciles", o.concurrency, "awsReadRate", o.readRate, "awsWriteRate", o.writeRate)
	return mgr.Start(ctrl.SetupSignalHandler())
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
