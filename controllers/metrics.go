package controllers

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
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

	// rendersTotal counts how each reconcile came by its template: rendered from the inputs, or unchanged inputs
	// whose last render was reused.
	rendersTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "composestack_renders_total",
		Help: "Reconciles by whether they rendered the project (rendered) or reused the last render of unchanged inputs (unchanged).",
	}, []string{"outcome"})

	timeToReady = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "composestack_time_to_ready_seconds",
		Help:    "Time from a new generation of a ComposeStack to its stack being Ready at that generation.",
		Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600},
	})
)

func init() {
	metrics.Registry.MustRegister(stacksByStatus, CloudFormationCalls, rendersTotal, timeToReady)
}

// tracker keeps what the metrics need across reconciles: each stack's status, and when each generation
// started converging.
type tracker struct {
	mu       sync.Mutex
	statuses map[types.NamespacedName]string
	started  map[types.NamespacedName]genStart
}

type genStart struct {
	generation int64
	at         time.Time
}

func newTracker() *tracker {
	return &tracker{statuses: map[types.NamespacedName]string{}, started: map[types.NamespacedName]genStart{}}
}

// observe updates the stacks-by-status gauge and, when a generation becomes Ready, the time-to-Ready
// histogram.
func (t *tracker) observe(obj *csv1.ComposeStack, now time.Time) {
	if t == nil {
		return
	}
	key := types.NamespacedName{Namespace: obj.Namespace, Name: obj.Name}
	t.mu.Lock()
	defer t.mu.Unlock()
	status := obj.Status.StackStatus
	if status == "" {
		status = "NONE"
	}
	t.move(key, status)

	ready := readyCondition(obj)
	isReady := ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == obj.Generation
	s, ok := t.started[key]
	switch {
	case !ok || s.generation != obj.Generation:
		if !isReady {
			t.started[key] = genStart{generation: obj.Generation, at: now}
		}
	case isReady:
		timeToReady.Observe(now.Sub(s.at).Seconds())
		delete(t.started, key)
	}
}

func (t *tracker) forget(key types.NamespacedName) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.move(key, "")
	delete(t.started, key)
}

// move counts key under status instead of the status it had, or under none when status is empty: a change
// costs the same however many stacks are tracked. Callers hold the lock.
func (t *tracker) move(key types.NamespacedName, status string) {
	old, had := t.statuses[key]
	if had && old == status {
		return
	}
	if had {
		stacksByStatus.WithLabelValues(old).Dec()
	}
	if status == "" {
		delete(t.statuses, key)
		return
	}
	t.statuses[key] = status
	stacksByStatus.WithLabelValues(status).Inc()
}
