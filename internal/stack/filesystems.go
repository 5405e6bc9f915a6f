package stack

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// Tags the file systems of a compose project carry, as Docker Compose for ECS wrote them.
const (
	tagVolume     = "com.docker.compose.volume"
	tagCFNStackID = "aws:cloudformation:stack-id"
)

// FileSystemFinder finds the EFS file systems that earlier stacks of a project retained.
type FileSystemFinder struct {
	efs EFSAPI
	cf  CloudFormationAPI
}

// NewFileSystemFinder returns a finder over an EFS and a CloudFormation client of one region and account.
func NewFileSystemFinder(efsClient EFSAPI, cf CloudFormationAPI) *FileSystemFinder {
	return &FileSystemFinder{efs: efsClient, cf: cf}
}

// Retained returns, per volume, the file system tagged com.docker.compose.project=project and
// com.docker.compose.volume=<volume> that no live stack holds as a resource: one a deleted stack retained,
// or one made outside CloudFormation. A file system a live stack created (this project's stack included)
// is not returned, so a stack never loses its own. With several, the newest is taken.
func (f *FileSystemFinder) Retained(ctx context.Context, project string, volumes []string) (map[string]string, error) {
	if len(volumes) == 0 {
		return nil, nil
	}
	type found struct {
		id      string
		created int64
	}
	best := map[string]found{}
	live := map[string]bool{} // stack ID -> still there
	in := &efs.DescribeFileSystemsInput{}
	for {
		out, err := f.efs.DescribeFileSystems(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing EFS file systems: %w", err)
		}
		for _, fs := range out.FileSystems {
			tags := efsTags(fs.Tags)
			vol := tags[tagVolume]
			if tags[csv1.TagDockerComposeProject] != project || !slices.Contains(volumes, vol) || fs.LifeCycleState != efstypes.LifeCycleStateAvailable {
				continue
			}
			if stackID := tags[tagCFNStackID]; stackID != "" {
				alive, ok := live[stackID]
				if !ok {
					if alive, err = f.stackAlive(ctx, stackID); err != nil {
						return nil, err
					}
					live[stackID] = alive
				}
				if alive {
					continue
				}
			}
			created := aws.ToTime(fs.CreationTime).Unix()
			if cur, ok := best[vol]; !ok || created > cur.created || created == cur.created && aws.ToString(fs.FileSystemId) > cur.id {
				best[vol] = found{id: aws.ToString(fs.FileSystemId), created: created}
			}
		}
		if aws.ToString(out.NextMarker) == "" {
			break
		}
		in.Marker = out.NextMarker
	}
	if len(best) == 0 {
		return nil, nil
	}
	ids := make(map[string]string, len(best))
	for vol, fs := range best {
		ids[vol] = fs.id
	}
	return ids, nil
}

// stackAlive says whether the stack with this ID still exists.
func (f *FileSystemFinder) stackAlive(ctx context.Context, stackID string) (bool, error) {
	out, err := f.cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)})
	if isStackNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("describing stack %s: %w", stackID, err)
	}
	return len(out.Stacks) > 0 && out.Stacks[0].StackStatus != types.StackStatusDeleteComplete, nil
}

func efsTags(tags []efstypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
