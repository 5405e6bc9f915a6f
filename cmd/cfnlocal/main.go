// Command cfnlocal serves a local CloudFormation endpoint (with the S3 and
// EC2 calls a deployment needs) for the demo, end-to-end tests and
// benchmarks. Point the AWS SDK at it with AWS_ENDPOINT_URL.
//
//	cfnlocal -listen 127.0.0.1:4566 -resource-delay 50ms -lint
//
// -read-rate, -write-rate and -operation-rates set the account's CloudFormation request rates; calls beyond
// them are answered Throttling: Rate exceeded, as CloudFormation does.
//
// Faults can be preloaded with -faults file.json or posted to
// /_cfnlocal/faults; /_cfnlocal/calls reports call counts and
// /_cfnlocal/reset clears all state.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/composestack/composestack/internal/cfnlocal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "cfnlocal:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	opts           cfnlocal.Options
	faultsFile     string
	operationRates string
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("cfnlocal", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.opts.ListenAddr, "listen", "127.0.0.1:4566", "address to listen on (host:port)")
	fs.DurationVar(&c.opts.ResourceDelay, "resource-delay", 0, "time each resource operation takes, so *_IN_PROGRESS states are observable")
	fs.BoolVar(&c.opts.LintTemplates, "lint", false, "reject templates that cfn-lint reports errors for")
	fs.StringVar(&c.opts.LintCommand, "lint-command", "cfn-lint", "cfn-lint executable")
	fs.StringVar(&c.opts.Region, "region", "us-east-1", "region in ARNs and AWS::Region")
	fs.StringVar(&c.opts.AccountID, "account", "123456789012", "account ID in ARNs and AWS::AccountId")
	fs.Uint64Var(&c.opts.Seed, "seed", 1, "seed for probabilistic faults")
	fs.IntVar(&c.opts.MaxEventsPerStack, "max-events", 1000, "stack events kept per stack")
	fs.IntVar(&c.opts.MaxChangeSetsPerStack, "max-change-sets", 100, "change sets kept per stack")
	fs.IntVar(&c.opts.MaxDeletedStacks, "max-deleted-stacks", 100, "deleted stacks kept for lookups by ID")
	fs.Float64Var(&c.opts.RateLimits.Reads, "read-rate", 0, "CloudFormation Describe*, List* and Get* calls allowed per second, all together; beyond it calls are throttled (0: no limit)")
	fs.Float64Var(&c.opts.RateLimits.Writes, "write-rate", 0, "other CloudFormation calls allowed per second, all together (0: no limit)")
	fs.StringVar(&c.operationRates, "operation-rates", "", "per-operation limits instead of the class's, per second: DescribeStacks=5,ListStacks=2")
	fs.StringVar(&c.faultsFile, "faults", "", "JSON file of faults to install at start ({\"api\":[...],\"resources\":[...]})")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.opts.ResourceDelay < 0 {
		return c, errors.New("-resource-delay must not be negative")
	}
	if c.opts.RateLimits.Reads < 0 || c.opts.RateLimits.Writes < 0 {
		return c, errors.New("-read-rate and -write-rate must not be negative")
	}
	ops, err := cfnlocal.ParseOperationRates(c.operationRates)
	if err != nil {
		return c, fmt.Errorf("-operation-rates: %w", err)
	}
	c.opts.RateLimits.Operations = ops
	return c, nil
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	srv, err := cfnlocal.NewServer(c.opts)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	if c.faultsFile != "" {
		f, err := os.Open(c.faultsFile)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("open faults file: %w", err)
		}
		err = srv.LoadFaults(f)
		_ = f.Close()
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("load faults from %s: %w", c.faultsFile, err)
		}
	}
	fmt.Fprintf(out, "cfnlocal listening on %s\n", srv.URL())
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
