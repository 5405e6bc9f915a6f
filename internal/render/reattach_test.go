package render

import (
	"encoding/json"
	"strings"
	"testing"
)

const dbCompose = `
services:
  db:
    image: postgres:16
    volumes:
      - data:/var/lib/postgresql/data
volumes:
  data: {}
`

// A file system the caller found retained is mounted instead of a new one, with new mount targets and access
// point on it.
func TestReattachedFileSystemIsMountedNotCreated(t *testing.T) {
	res, err := renderYAML(t, dbCompose, Options{FileSystems: map[string]string{"data": "fs-0abc"}})
	if err != nil {
		t.Fatal(err)
	}
	doc := template(t, res)
	if fs := resources(t, doc, "AWS::EFS::FileSystem"); len(fs) != 0 {
		t.Errorf("a file system is created: %v", fs)
	}
	for id, mt := range resources(t, doc, "AWS::EFS::MountTarget") {
		if mt["FileSystemId"] != "fs-0abc" {
			t.Errorf("%s mounts %v, want fs-0abc", id, mt["FileSystemId"])
		}
	}
	ap := resources(t, doc, "AWS::EFS::AccessPoint")["DataAccessPoint"]
	if ap["FileSystemId"] != "fs-0abc" {
		t.Errorf("access point on %v, want fs-0abc", ap["FileSystemId"])
	}
	role, _ := json.Marshal(resources(t, doc, "AWS::IAM::Role")["DbTaskRole"])
	if !strings.Contains(string(role), "file-system/fs-0abc") {
		t.Errorf("the task role does not grant the reattached file system: %s", role)
	}

	if _, err := renderYAML(t, dbCompose, Options{FileSystems: map[string]string{"data": "vol-1"}}); err == nil || !strings.Contains(err.Error(), "volumes.data") {
		t.Errorf("a file system ID that is not fs-... is accepted: %v", err)
	}
	res, err = renderYAML(t, dbCompose, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := resources(t, template(t, res), "AWS::EFS::FileSystem"); len(fs) != 1 {
		t.Errorf("without a file system to reattach, %d are created, want 1", len(fs))
	}
}
