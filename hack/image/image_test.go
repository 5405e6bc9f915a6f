package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestImage builds the image as `make image` does, opens it, and builds it a second time to see that the
// digest does not change. The first build compiles the manager for both architectures; the second finds the
// compiled packages in the Go build cache and only links.
func TestImage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	created := time.Unix(1700000000, 0).UTC()
	dir := filepath.Join(t.TempDir(), "image")
	start := time.Now()
	digest, err := buildLayout(ctx, buildOptions{moduleDir: "../..", out: dir, created: created})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first build: %s in %s", digest, time.Since(start).Round(time.Second))

	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := idx.Digest(); err != nil || got != digest {
		t.Fatalf("index.json has digest %v (%v), the build reported %v", got, err, digest)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range im.Manifests {
		got = append(got, d.Platform.String())
	}
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(got, want) {
		t.Fatalf("index platforms = %v, want %v", got, want)
	}

	for _, d := range im.Manifests {
		t.Run(d.Platform.Architecture, func(t *testing.T) {
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkConfig(t, img, d.Platform.Architecture, created)
			files := layerFiles(t, img)
			checkFiles(t, files, created)
			if d.Platform.Architecture == runtime.GOARCH {
				checkRuns(t, files["manager"].data)
			}
		})
	}

	t.Run("push", func(t *testing.T) {
		// No credentials are needed by the in-process registry; an empty Docker config keeps the user's out.
		t.Setenv("DOCKER_CONFIG", t.TempDir())
		srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		ref := strings.TrimPrefix(srv.URL, "http://") + "/composestack/manager:test"
		pushed, err := push(ctx, dir, ref)
		if err != nil {
			t.Fatal(err)
		}
		if pushed != digest {
			t.Errorf("push reported %s, want the layout's %s", pushed, digest)
		}
		r, err := name.ParseReference(ref)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(r, remote.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		if desc.Digest != digest || desc.MediaType != types.OCIImageIndex {
			t.Errorf("registry has %s (%s) under %s, want the index %s", desc.Digest, desc.MediaType, ref, digest)
		}
	})

	t.Run("second build has the same digest", func(t *testing.T) {
		start := time.Now()
		again, err := buildLayout(ctx, buildOptions{moduleDir: "../..", out: filepath.Join(t.TempDir(), "image"), created: created})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("second build: %s in %s", again, time.Since(start).Round(time.Second))
		if again != digest {
			t.Errorf("second build's digest %s differs from the first's %s", again, digest)
		}
	})
}

func checkConfig(t *testing.T, img v1.Image, arch string, created time.Time) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != arch {
		t.Errorf("config platform = %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
	}
	if want := []string{"/manager"}; !slices.Equal(cf.Config.Entrypoint, want) {
		t.Errorf("entrypoint = %q, want %q", cf.Config.Entrypoint, want)
	}
	if len(cf.Config.Cmd) != 0 {
		t.Errorf("cmd = %q, want none", cf.Config.Cmd)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532", cf.Config.User)
	}
	if !cf.Created.Equal(created) {
		t.Errorf("created = %v, want %v", cf.Created.Time, created)
	}
	if n := len(cf.RootFS.DiffIDs); n != 1 {
		t.Errorf("%d layers, want 1", n)
	}
}

// tarFile is one entry of the layer.
type tarFile struct {
	hdr  *tar.Header
	data []byte
}

func layerFiles(t *testing.T, img v1.Image) map[string]tarFile {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	files := map[string]tarFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = tarFile{hdr: h, data: data}
	}
}

func checkFiles(t *testing.T, files map[string]tarFile, created time.Time) {
	t.Helper()
	var names []string
	for name, f := range files {
		names = append(names, name)
		if f.hdr.Uid != 0 || f.hdr.Gid != 0 {
			t.Errorf("%s is owned by %d:%d, want root, so that the manager cannot change it", name, f.hdr.Uid, f.hdr.Gid)
		}
		if !f.hdr.ModTime.Equal(created) {
			t.Errorf("%s has mtime %v, want %v", name, f.hdr.ModTime, created)
		}
	}
	slices.Sort(names)
	want := []string{"etc/", "etc/group", "etc/passwd", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/ca-certificates.crt", "manager"}
	if !slices.Equal(names, want) {
		t.Errorf("layer holds %q, want exactly %q", names, want)
	}
	for _, shell := range []string{"bin/sh", "bin/bash", "bin/busybox", "usr/bin/sh"} {
		if _, ok := files[shell]; ok {
			t.Errorf("layer holds a shell: %s", shell)
		}
	}
	if m := files["manager"].hdr.Mode; m != 0o755 {
		t.Errorf("manager mode = %o, want 755", m)
	}
	if !strings.Contains(string(files["etc/passwd"].data), "nonroot:x:65532:65532:") {
		t.Errorf("etc/passwd has no nonroot user 65532:\n%s", files["etc/passwd"].data)
	}
	checkCABundle(t, files["etc/ssl/certs/ca-certificates.crt"].data)
}

// checkCABundle sees that the bundle parses and holds the roots the manager needs for AWS's endpoints.
func checkCABundle(t *testing.T, data []byte) {
	t.Helper()
	var cns []string
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if len(bytes.TrimSpace(rest)) != 0 {
				t.Errorf("CA bundle has %d bytes that are not PEM", len(rest))
			}
			break
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("CA bundle: %v", err)
		}
		if !cert.IsCA {
			t.Errorf("CA bundle holds %s, which is not a CA", cert.Subject)
		}
		cns = append(cns, cert.Subject.CommonName)
	}
	if len(cns) < 100 {
		t.Errorf("CA bundle holds %d roots, want Mozilla's (over 100)", len(cns))
	}
	for _, cn := range []string{"Amazon Root CA 1", "Starfield Services Root Certificate Authority - G2"} {
		if !slices.Contains(cns, cn) {
			t.Errorf("CA bundle lacks %q, which AWS's endpoints chain to", cn)
		}
	}
}

// checkRuns runs the binary from the layer for this machine, as a container runtime would run the entrypoint.
func checkRuns(t *testing.T, manager []byte) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Logf("not running the linux manager binary on %s", runtime.GOOS)
		return
	}
	bin := filepath.Join(t.TempDir(), "manager")
	if err := os.WriteFile(bin, manager, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("manager --help: %v\n%s", err, out)
	}
	for _, want := range []string{"Usage of " + bin, "-leader-elect", "-health-probe-bind-address"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("manager --help does not print %q:\n%s", want, out)
		}
	}
}
