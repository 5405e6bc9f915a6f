// Command scale measures the controller at scale on this machine: it starts a local control plane, the local
// CloudFormation endpoint with per-resource delays and account rate limits, and the real manager binary;
// applies N ComposeStacks, waits for all to be Ready, bumps the image of a tenth of them, watches a steady
// window of three intervals, and deletes them all. Its last line is the summary `make scale` reports:
//
//	scale: n=<N> ready_s=<s> calls_per_stack=<x> throttled=<t> steady_calls_per_stack_interval=<y> steady_apiserver_writes_per_stack_interval=<z> rss_mib=<m>
//
// It exits non-zero if any stack failed or the run timed out.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/testenv"
)

// config is the command line.
type config struct {
	n, namespaces, concurrency           int
	resourceDelay, interval, poll, limit time.Duration
	readRate, writeRate                  float64 // the account's, enforced by the endpoint
	managerReadRate, managerWriteRate    float64 // the manager's own budget
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 100, "ComposeStacks to apply")
	flag.IntVar(&c.namespaces, "namespaces", 10, "namespaces to spread them over")
	flag.IntVar(&c.concurrency, "max-concurrent-reconciles", 20, "the manager's --max-concurrent-reconciles")
	flag.DurationVar(&c.resourceDelay, "resource-delay", 250*time.Millisecond, "time the endpoint takes per resource")
	flag.DurationVar(&c.interval, "interval", 30*time.Second, "spec.interval of every stack (the steady window is three of them)")
	flag.DurationVar(&c.poll, "poll-interval", 10*time.Second, "the manager's --poll-interval")
	flag.DurationVar(&c.limit, "timeout", 30*time.Minute, "give up after this long")
	flag.Float64Var(&c.readRate, "read-rate", 5, "CloudFormation reads per second the endpoint allows (0: no limit)")
	flag.Float64Var(&c.writeRate, "write-rate", 5, "CloudFormation writes per second the endpoint allows (0: no limit)")
	flag.Float64Var(&c.managerReadRate, "manager-read-rate", 4.5, "the manager's --aws-read-rate")
	flag.Float64Var(&c.managerWriteRate, "manager-write-rate", 4.5, "the manager's --aws-write-rate")
	flag.Parse()
	log.SetLogger(logr.Discard()) // the clients' own logging is not part of the figures
	ctx, cancel := context.WithTimeout(context.Background(), c.limit)
	err := run(ctx, c)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// result is the summary line's figures.
type result struct {
	readyS, callsPerStack, steadyCalls, steadyWrites, rssMiB float64
	throttled                                                int
}

func run(ctx context.Context, c config) (err error) {
	logf("starting the control plane")
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	work, err := os.MkdirTemp("", "scale-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	kubeconfig, err := env.Kubeconfig(work)
	if err != nil {
		return err
	}
	srv, err := cfnlocal.NewServer(cfnlocal.Options{Region: "us-east-1", ResourceDelay: c.resourceDelay,
		RateLimits: cfnlocal.RateLimits{Reads: c.readRate, Writes: c.writeRate}, MaxDeletedStacks: 10})
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()

	logf("building and starting the manager")
	mgr, err := startManager(ctx, c, env.Root, work, kubeconfig, srv.URL())
	if err != nil {
		return err
	}
	defer func() {
		_ = mgr.Process.Signal(syscall.SIGTERM)
		_ = mgr.Wait()
		if err != nil {
			fmt.Fprintln(os.Stderr, "scale: the manager's log is", filepath.Join(work, "manager.log"), "(kept)")
			work = "" // keep the log for a failed run
		}
	}()

	var res result
	k := env.Client
	names, err := apply(ctx, k, c)
	if err != nil {
		return err
	}
	start, before := time.Now(), calls(srv)
	logf("applied %d ComposeStacks; waiting for all to be Ready", c.n)
	if err := waitReady(ctx, k, c.n); err != nil {
		return err
	}
	res.readyS = time.Since(start).Seconds()
	res.callsPerStack = float64(calls(srv)-before) / float64(c.n)
	logf("calls by operation so far: %v", srv.Calls())

	bumped := max(1, c.n/10)
	logf("all Ready after %.0fs; bumping the image of %d", res.readyS, bumped)
	if err := bump(ctx, k, names[:bumped]); err != nil {
		return err
	}
	if err := waitReady(ctx, k, c.n); err != nil {
		return err
	}

	logf("measuring a steady window of 3 intervals (%s)", 3*c.interval)
	writes, stop, err := countWrites(ctx, env)
	if err != nil {
		return err
	}
	before = calls(srv)
	select {
	case <-time.After(3 * c.interval):
	case <-ctx.Done():
		stop()
		return ctx.Err()
	}
	stop()
	res.steadyCalls = float64(calls(srv)-before) / float64(c.n) / 3
	res.steadyWrites = float64(writes.Load()) / float64(c.n) / 3
	logf("calls by operation so far: %v", srv.Calls())

	logf("deleting all")
	if err := deleteAll(ctx, k, names); err != nil {
		return err
	}
	res.rssMiB, err = peakRSS(mgr.Process.Pid)
	if err != nil {
		return err
	}
	res.throttled = throttled(srv)
	fmt.Printf("scale: n=%d ready_s=%.1f calls_per_stack=%.2f throttled=%d steady_calls_per_stack_interval=%.3f steady_apiserver_writes_per_stack_interval=%.3f rss_mib=%.0f\n",
		c.n, res.readyS, res.callsPerStack, res.throttled, res.steadyCalls, res.steadyWrites, res.rssMiB)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s scale: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func startManager(ctx context.Context, c config, root, work, kubeconfig, endpoint string) (*exec.Cmd, error) {
	bin := filepath.Join(work, "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/manager")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the manager: %w\n%s", err, out)
	}
	logFile, err := os.Create(filepath.Join(work, "manager.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--kubeconfig", kubeconfig, "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--default-region=us-east-1", "--aws-endpoint-url", endpoint,
		"--poll-interval", c.poll.String(), "--max-concurrent-reconciles", strconv.Itoa(c.concurrency),
		"--aws-read-rate", strconv.FormatFloat(c.managerReadRate, 'f', -1, 64),
		"--aws-write-rate", strconv.FormatFloat(c.managerWriteRate, 'f', -1, 64))
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=scale", "AWS_SECRET_ACCESS_KEY=scale", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the manager: %w", err)
	}
	return cmd, nil
}

// compose is two services, one of them published.
func compose(image string) string {
	return "services:\n  web:\n    image: " + image + "\n    ports:\n      - \"80:80\"\n  worker:\n    image: busybox:1.36\n    command: [\"sleep\", \"infinity\"]\n"
}

func apply(ctx context.Context, k client.Client, c config) ([]client.ObjectKey, error) {
	for i := range c.namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("scale-%d", i)}}
		if err := k.Create(ctx, ns); err != nil {
			return nil, fmt.Errorf("creating namespace %s: %w", ns.Name, err)
		}
	}
	names := make([]client.ObjectKey, 0, c.n)
	for i := range c.n {
		obj := &csv1.ComposeStack{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("scale-%d", i%c.namespaces), Name: fmt.Sprintf("app-%d", i)},
			Spec: csv1.ComposeStackSpec{
				Compose:  csv1.ComposeProject{Files: []csv1.ComposeFile{{Name: "compose.yaml", Inline: ptr.To(compose("nginx:1.27"))}}},
				Interval: &metav1.Duration{Duration: c.interval},
			},
		}
		if err := k.Create(ctx, obj); err != nil {
			return nil, fmt.Errorf("creating %s/%s: %w", obj.Namespace, obj.Name, err)
		}
		names = append(names, client.ObjectKeyFromObject(obj))
	}
	return names, nil
}

// waitReady waits until all n stacks are Ready at their generation, and fails as soon as one is Stalled.
func waitReady(ctx context.Context, k client.Client, n int) error {
	for {
		var list csv1.ComposeStackList
		if err := k.List(ctx, &list); err != nil {
			return err
		}
		ready := 0
		for i := range list.Items {
			o := &list.Items[i]
			if s := meta.FindStatusCondition(o.Status.Conditions, csv1.ConditionStalled); s != nil && s.Status == metav1.ConditionTrue {
				return fmt.Errorf("stack %s/%s failed: %s: %s", o.Namespace, o.Name, s.Reason, s.Message)
			}
			r := meta.FindStatusCondition(o.Status.Conditions, csv1.ConditionReady)
			if r != nil && r.Status == metav1.ConditionTrue && r.ObservedGeneration == o.Generation {
				ready++
			}
		}
		if ready == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d Ready: %w", ready, n, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

func bump(ctx context.Context, k client.Client, names []client.ObjectKey) error {
	for _, key := range names {
		var obj csv1.ComposeStack
		if err := k.Get(ctx, key, &obj); err != nil {
			return err
		}
		obj.Spec.Compose.Files[0].Inline = ptr.To(compose("nginx:1.28"))
		if err := k.Update(ctx, &obj); err != nil {
			return fmt.Errorf("bumping %s: %w", key, err)
		}
	}
	return nil
}

// countWrites counts every change to a ComposeStack (status included) until stop is called.
func countWrites(ctx context.Context, env *testenv.Env) (*atomic.Int64, func(), error) {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		return nil, nil, err
	}
	w, err := wc.Watch(ctx, &csv1.ComposeStackList{}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: "0", AllowWatchBookmarks: false}})
	if err != nil {
		return nil, nil, err
	}
	var n atomic.Int64
	go func() {
		// The watch starts with an Added event for each stack there is; those are no writes.
		for ev := range w.ResultChan() {
			if ev.Type == watch.Modified || ev.Type == watch.Deleted {
				n.Add(1)
			}
		}
	}()
	return &n, w.Stop, nil
}

func deleteAll(ctx context.Context, k client.Client, names []client.ObjectKey) error {
	for _, key := range names {
		obj := &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
		if err := client.IgnoreNotFound(k.Delete(ctx, obj)); err != nil {
			return err
		}
	}
	for {
		var list csv1.ComposeStackList
		if err := k.List(ctx, &list); err != nil {
			return err
		}
		if len(list.Items) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d stacks not yet deleted: %w", len(list.Items), ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// calls is the number of CloudFormation calls the endpoint has answered, throttled ones included.
func calls(srv *cfnlocal.Server) int {
	n := 0
	for _, v := range srv.Calls() {
		n += v
	}
	return n
}

// throttled is the number of calls the endpoint answered `Throttling`; which they were is logged, as is
// any other call not answered OK, so that a run that missed its target says where.
func throttled(srv *cfnlocal.Server) int {
	n := 0
	notOK := map[string]int{}
	for k, v := range srv.CallOutcomes() {
		if strings.HasSuffix(k, " Throttling") {
			n += v
		}
		if !strings.HasSuffix(k, " OK") {
			notOK[k] = v
		}
	}
	if len(notOK) > 0 {
		logf("calls not answered OK: %v", notOK)
	}
	return n
}

// peakRSS is the process's peak resident set (VmHWM), in MiB.
func peakRSS(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("reading VmHWM: %w", err)
			}
			return kb / 1024, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
