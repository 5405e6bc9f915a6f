package stack

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// wantPlan is the status table written out again, so that a change to either is a deliberate one.
var wantPlan = map[types.StackStatus]Decision{
	"":                                    {StepCreate, DeleteDone},
	"CREATE_IN_PROGRESS":                  {StepWait, DeleteWait},
	"CREATE_FAILED":                       {StepRecreate, DeleteNow},
	"CREATE_COMPLETE":                     {StepConverge, DeleteNow},
	"ROLLBACK_IN_PROGRESS":                {StepWait, DeleteWait},
	"ROLLBACK_FAILED":                     {StepRecreate, DeleteNow},
	"ROLLBACK_COMPLETE":                   {StepRecreate, DeleteNow},
	"DELETE_IN_PROGRESS":                  {StepWait, DeleteWait},
	"DELETE_FAILED":                       {StepRetryDelete, DeleteRetry},
	"DELETE_COMPLETE":                     {StepCreate, DeleteDone},
	"UPDATE_IN_PROGRESS":                  {StepWait, DeleteWait},
	"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": {StepWait, DeleteWait},
	"UPDATE_COMPLETE":                     {StepConverge, DeleteNow},
	"UPDATE_FAILED":                       {StepRetryUpdate, DeleteNow},
	"UPDATE_ROLLBACK_IN_PROGRESS":         {StepWait, DeleteWait},
	"UPDATE_ROLLBACK_FAILED":              {StepContinueRollback, DeleteNow},
	"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": {StepWait, DeleteWait},
	"UPDATE_ROLLBACK_COMPLETE":                     {StepRetryUpdate, DeleteNow},
	"REVIEW_IN_PROGRESS":                           {StepResume, DeleteNow},
	"IMPORT_IN_PROGRESS":                           {StepWait, DeleteWait},
	"IMPORT_COMPLETE":                              {StepConverge, DeleteNow},
	"IMPORT_ROLLBACK_IN_PROGRESS":                  {StepWait, DeleteWait},
	"IMPORT_ROLLBACK_FAILED":                       {StepStuck, DeleteNow},
	"IMPORT_ROLLBACK_COMPLETE":                     {StepRetryUpdate, DeleteNow},
	// Statuses newer than this build.
	"FUTURE_THING_IN_PROGRESS": {StepWait, DeleteWait},
	"FUTURE_THING_FAILED":      {StepStuck, DeleteNow},
}

func TestPlan(t *testing.T) {
	for status, want := range wantPlan {
		if got := Plan(status); got != want {
			t.Errorf("Plan(%q) = %+v, want %+v", status, got, want)
		}
	}
}

func TestPlanCoversEverySDKStatus(t *testing.T) {
	for _, s := range types.StackStatus("").Values() {
		if _, ok := statusTable[s]; !ok {
			t.Errorf("status %s has no row in the status table", s)
		}
		if _, ok := wantPlan[s]; !ok {
			t.Errorf("status %s has no row in the test's table", s)
		}
	}
}

// TestDocsTableMatchesPlan keeps docs/stack-status.md and the code in step.
func TestDocsTableMatchesPlan(t *testing.T) {
	f, err := os.Open("../../docs/stack-status.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[types.StackStatus]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		status := types.StackStatus(strings.Trim(strings.TrimSpace(cells[1]), "`"))
		doc := Decision{Step(strings.TrimSpace(cells[2])), DeleteStep(strings.TrimSpace(cells[3]))}
		if got := Plan(status); got != doc {
			t.Errorf("docs say %s -> %+v, code says %+v", status, doc, got)
		}
		seen[status] = true
	}
	for _, s := range types.StackStatus("").Values() {
		if !seen[s] {
			t.Errorf("docs/stack-status.md has no row for %s", s)
		}
	}
}
