package main

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// nonRootUID is the user (and group) the manager runs as: distroless's "nonroot", which the Deployment in
// config/manager names too.
const nonRootUID = 65532

// entrypoint is where the manager binary sits in the image, and what the image runs.
const entrypoint = "/manager"

// file is one regular file or directory of the image's root filesystem, relative to /.
type file struct {
	name string
	mode int64
	data []byte // nil for a directory
}

// rootFiles are the image's files besides the manager binary, parents before children. Nothing else is in
// the image: no shell, no package manager, no libc.
func rootFiles() []file {
	id := strconv.Itoa(nonRootUID)
	return []file{
		{name: "etc/", mode: 0o755},
		// A user database, so that tools and libraries that look the user up by id find a name and a home.
		{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:" + id + ":\n")},
		{name: "etc/passwd", mode: 0o644, data: []byte(
			"root:x:0:0:root:/root:/sbin/nologin\n" +
				"nonroot:x:" + id + ":" + id + ":nonroot:/:/sbin/nologin\n")},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		// Where Go's crypto/x509 looks first on Linux.
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: caBundle()},
	}
}

// caBundle is Mozilla's root store, as pinned in go.mod through golang.org/x/crypto/x509roots/fallback, in
// PEM. A root that Mozilla trusts only for certificates issued before a date is left out: a PEM bundle cannot
// say so, and trusting it for everything would be wider than Mozilla's own policy.
func caBundle() []byte {
	var b bytes.Buffer
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		// Encoding into a bytes.Buffer cannot fail.
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate})
	}
	return b.Bytes()
}

// writeRootFiles writes rootFiles under dir, for the Dockerfile to copy into its image.
func writeRootFiles(dir string) error {
	for _, f := range rootFiles() {
		path := filepath.Join(dir, filepath.FromSlash(f.name))
		var err error
		if f.data == nil {
			err = os.MkdirAll(path, os.FileMode(f.mode))
		} else {
			err = os.WriteFile(path, f.data, os.FileMode(f.mode))
		}
		if err != nil {
			return fmt.Errorf("writing the image's root files: %w", err)
		}
	}
	return nil
}
