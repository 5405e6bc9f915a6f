// Command image builds the manager's container image without a container engine: the static manager binary
// for linux/amd64 and linux/arm64, Mozilla's CA certificates and a non-root user, and nothing else, written
// as an OCI image layout; and pushes that layout to a registry. The same commit always gives the same digest.
//
//	go run ./hack/image build -o bin/image           # prints the index digest
//	go run ./hack/image push -from bin/image REF      # pushes with the Docker credentials
//	go run ./hack/image rootfs -o DIR                 # the image's files but the binary, for the Dockerfile
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: image build|push|rootfs [flags]")
	}
	fs := flag.NewFlagSet("image "+args[0], flag.ContinueOnError)
	switch args[0] {
	case "build":
		out := fs.String("o", "bin/image", "OCI image layout directory to write (replaced if it is one already).")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		created, err := sourceDate()
		if err != nil {
			return err
		}
		digest, err := buildLayout(ctx, buildOptions{moduleDir: ".", out: *out, created: created})
		if err != nil {
			return err
		}
		fmt.Printf("%s %s\n", *out, digest)
		return nil
	case "push":
		from := fs.String("from", "bin/image", "OCI image layout directory to push.")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: image push [-from DIR] REGISTRY/REPOSITORY[:TAG]")
		}
		digest, err := push(ctx, *from, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Printf("%s@%s\n", fs.Arg(0), digest)
		return nil
	case "rootfs":
		out := fs.String("o", "", "Directory to write the files into (required).")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("rootfs: -o is required")
		}
		return writeRootFiles(*out)
	default:
		return fmt.Errorf("unknown command %q: want build, push or rootfs", args[0])
	}
}

// sourceDate is the time stamped on the image: $SOURCE_DATE_EPOCH (the reproducible-builds convention; the
// Makefile sets it to the last commit's time), or the Unix epoch.
func sourceDate() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}
