// Command controlplane starts a local kube-apiserver and etcd (the envtest binaries built by
// hack/build-envtest-bins.sh) with the project's CRD installed, writes an administrator kubeconfig, and
// runs until it is interrupted. The demo uses it as its cluster.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/composestack/composestack/internal/testenv"
)

func main() {
	kubeconfig := flag.String("write-kubeconfig", "", "Where to write the kubeconfig (required).")
	flag.Parse()
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "controlplane: --write-kubeconfig is required")
		os.Exit(2)
	}
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		os.Exit(1)
	}
	code := 0
	if err := writeKubeconfig(env, *kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		code = 1
	} else {
		fmt.Println("control plane ready; kubeconfig:", *kubeconfig)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		<-stop
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "controlplane: stopping:", err)
	}
	os.Exit(code)
}

func writeKubeconfig(env *testenv.Env, path string) error {
	tmp, err := os.MkdirTemp("", "controlplane-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	written, err := env.Kubeconfig(tmp)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(written)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
