package cfnlocal

import (
	"net/http"
	"slices"
	"strings"
)

// efsFileSystemsPath is where the EFS REST API lists file systems.
const efsFileSystemsPath = "/2015-02-01/file-systems"

const efsOp = "efs:"

type efsTag struct {
	Key, Value string
}

type efsFileSystem struct {
	FileSystemId   string
	FileSystemArn  string
	CreationToken  string
	CreationTime   float64
	LifeCycleState string
	OwnerId        string
	Encrypted      bool
	Tags           []efsTag
}

// serveEFS answers DescribeFileSystems, the one EFS call the controller makes: it lists the file systems the
// stacks created, those that deleted stacks retained included, with the tags their template gave them and the
// aws:cloudformation:* tags CloudFormation adds. Retained file systems are known as long as their stack is
// among the deleted stacks kept (Options.MaxDeletedStacks).
func (s *Server) serveEFS(w http.ResponseWriter, r *http.Request) {
	id := s.requestID()
	if r.Method != http.MethodGet || r.URL.Path != efsFileSystemsPath {
		s.countCall(efsOp+"Unsupported", "UnsupportedOperation")
		writeJSON(w, http.StatusBadRequest, map[string]string{"ErrorCode": "UnsupportedOperation",
			"Message": "cfnlocal serves only DescribeFileSystems of EFS (GET " + efsFileSystemsPath + ")"})
		return
	}
	op := efsOp + "DescribeFileSystems"
	want := r.URL.Query().Get("FileSystemId")
	s.mu.Lock()
	var out []efsFileSystem
	for _, st := range slices.Concat(s.stacks, s.deleted) {
		for _, res := range st.Resources {
			if res.Type != "AWS::EFS::FileSystem" || res.PhysicalID == "" || res.Status == "DELETE_COMPLETE" {
				continue
			}
			if want != "" && res.PhysicalID != want {
				continue
			}
			out = append(out, efsDescription(st, res))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b efsFileSystem) int { return strings.Compare(a.FileSystemId, b.FileSystemId) })
	if want != "" && len(out) == 0 {
		s.countCall(op, "FileSystemNotFound")
		writeJSON(w, http.StatusNotFound, map[string]string{"ErrorCode": "FileSystemNotFound", "Message": "File system '" + want + "' does not exist."})
		return
	}
	s.countCall(op, "OK")
	w.Header().Set("X-Amzn-Requestid", id)
	writeJSON(w, http.StatusOK, map[string]any{"FileSystems": out})
}

func efsDescription(st *stack, r *resourceState) efsFileSystem {
	fs := efsFileSystem{
		FileSystemId:   r.PhysicalID,
		FileSystemArn:  "arn:aws:elasticfilesystem:" + r.Region + ":" + r.AccountID + ":file-system/" + r.PhysicalID,
		CreationToken:  r.PhysicalID,
		CreationTime:   float64(st.Created.Unix()),
		LifeCycleState: "available",
		OwnerId:        r.AccountID,
		Encrypted:      r.Props["Encrypted"] == true,
	}
	if tags, ok := r.Props["FileSystemTags"].([]any); ok {
		for _, t := range tags {
			if m, ok := t.(map[string]any); ok {
				fs.Tags = append(fs.Tags, efsTag{Key: propString(m, "Key"), Value: propString(m, "Value")})
			}
		}
	}
	fs.Tags = append(fs.Tags,
		efsTag{Key: "aws:cloudformation:stack-name", Value: st.Name},
		efsTag{Key: "aws:cloudformation:stack-id", Value: st.ID},
		efsTag{Key: "aws:cloudformation:logical-id", Value: r.LogicalID})
	return fs
}
