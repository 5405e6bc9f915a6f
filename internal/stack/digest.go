package stack

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"slices"
	"strings"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// changeSetPrefix starts the name of every change set the driver makes, so it can tell its own apart.
const changeSetPrefix = "composestack-"

// Digest identifies what a stack is built from: the template, the parameters (sensitive values included,
// so a changed secret is applied) and the tags, owner tags included. Only its hash is ever shown.
func Digest(d Desired) string {
	h := sha256.New()
	field(h, "template", string(d.TemplateBody))
	params := slices.Clone(d.Parameters)
	slices.SortFunc(params, func(a, b Parameter) int { return strings.Compare(a.Key, b.Key) })
	for _, p := range params {
		field(h, "parameter", p.Key)
		field(h, "value", p.Value)
	}
	tags := stackTags(d)
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		field(h, "tag", k)
		field(h, "value", tags[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// field writes a length-prefixed value, so that no two different inputs hash alike.
func field(h hash.Hash, name, value string) {
	var n [8]byte
	for _, s := range []string{name, value} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
}

// ChangeSetName is the name of the change set that applies the spec with this digest.
func ChangeSetName(digest string) string {
	if len(digest) > 16 {
		digest = digest[:16]
	}
	return changeSetPrefix + digest
}

// stackTags are the project tag, then the user's tags, then the owner tags, each winning over the ones before.
func stackTags(d Desired) map[string]string {
	tags := make(map[string]string, len(d.Tags)+4)
	if d.Project != "" {
		tags[csv1.TagDockerComposeProject] = d.Project
	}
	maps.Copy(tags, d.Tags)
	tags[csv1.TagOwnerNamespace] = d.Owner.Namespace
	tags[csv1.TagOwnerName] = d.Owner.Name
	tags[csv1.TagOwnerUID] = d.Owner.UID
	return tags
}
