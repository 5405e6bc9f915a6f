package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics the controller adds to controller-runtime's, registered once on its registry.
var (
	stacksByStatus = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "composestack_stacks",
		Help: "ComposeStacks by the CloudFormation status of their stack.",
	}, []string{"stack_status"})

	// CloudFormationCalls counts AWS API calls by service, operation and outcome (ok, throttled, error).
	CloudFormationCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "composestack_aws_api_calls_total",
		Help: "AWS API calls made by the controller, by service, operation and outcome.",
	}, []string{"service", "operation", "outcome"})

	timeToReady = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "composestack_time_to_ready_seconds",
		Help:    "Time from a new generation of a ComposeStack to its stack being Ready at that generation.",
		Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600},
	})
)

func init() {
	metrics.Registry.MustRegister(stacksByStatus, CloudFormationCalls, timeToReady)
}
