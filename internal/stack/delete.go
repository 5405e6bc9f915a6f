package stack

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Delete takes the deletion of the stack named stackName one step further. It deletes only a stack that
// owner owns: any other stack gives a TerminalError and is left in place. Phase Deleted means the stack is
// gone.
func (d *Driver) Delete(ctx context.Context, stackName string, owner Owner) (Result, error) {
	if err := validate(stackName, owner); err != nil {
		return Result{}, err
	}
	res, err := d.delete(ctx, stackName, owner)
	d.touched(stackName, res, err)
	return d.settle(res, err)
}

func (d *Driver) delete(ctx context.Context, name string, owner Owner) (Result, error) {
	// Deleting is decided on the stack as it is now, not as a reading of all stacks had it.
	st, err := d.describeStack(ctx, name, 0)
	if err != nil {
		return Result{}, err
	}
	if st == nil {
		return Result{Phase: PhaseDeleted, Action: ActionNone, Message: "stack " + name + " does not exist"}, nil
	}
	res := observed(st)
	step := Plan(st.StackStatus).Delete
	if step == DeleteDone {
		res.Phase, res.Action, res.Message = PhaseDeleted, ActionNone, "stack "+name+" is deleted"
		return res, nil
	}
	own, tags, err := d.owner(ctx, st, owner.UID)
	if err != nil {
		return res, err
	}
	if own != ownedByUs {
		return res, conflict(st, own, tags, "deleted")
	}
	switch step {
	case DeleteWait:
		if st.StackStatus == types.StackStatusDeleteInProgress {
			if res.Progress, err = d.deleteProgress(ctx, st); err != nil {
				return res, err
			}
			return d.waiting(res, "deleting stack %s", name), nil
		}
		return d.waiting(res, "stack %s is %s; deleting it once that ends", name, st.StackStatus), nil
	case DeleteRetry:
		return d.retryDelete(ctx, st, res)
	default: // DeleteNow
		if err := d.deleteStack(ctx, st); err != nil {
			return res, err
		}
		res.Action = ActionDeleteStack
		return d.waiting(res, "deleting stack %s", name), nil
	}
}
