package main

// Asynchronous tasks. Stock vcsim runs a task to completion inside the SOAP
// call; migrations and maintenance mode need tasks that stay "running" while
// the client polls, report progress, carry readable error messages and can be
// cancelled.

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type jobError struct {
	fault types.BaseMethodFault
	msg   string
}

func fail(fault types.BaseMethodFault, msg string) *jobError {
	return &jobError{fault: fault, msg: msg}
}

type job struct {
	task       *simulator.Task
	cancel     chan struct{}
	cancelable bool
	finished   bool
}

// newJob creates a queued task on entity. method is the vSphere method name
// (e.g. "MigrateVM_Task"), descID its description id (e.g. "VirtualMachine.migrate").
func newJob(entity mo.Reference, entityName, method, descID string, cancelable bool) *job {
	t := simulator.CreateTask(entity, "vcsimx", nil)
	withLock(t, func() {
		t.Info.Name = method
		t.Info.DescriptionId = descID
		t.Info.EntityName = entityName
		t.Info.Cancelable = cancelable
		t.Info.Reason = &types.TaskReasonUser{UserName: state.scenario.Credentials.Username}
	})
	j := &job{task: t, cancel: make(chan struct{}), cancelable: cancelable}
	state.mu.Lock()
	state.jobs[t.Self] = j
	state.mu.Unlock()
	return j
}

func (j *job) ref() types.ManagedObjectReference { return j.task.Self }

// start runs f in the background and returns the task reference at once.
func (j *job) start(f func(*job) (types.AnyType, *jobError)) types.ManagedObjectReference {
	update(j.task,
		change("info.startTime", time.Now()),
		change("info.state", types.TaskInfoStateRunning),
		change("info.progress", int32(0)),
	)
	go func() {
		res, err := f(j)
		j.finish(res, err)
	}()
	return j.task.Self
}

// failNow completes the task with an error without running anything.
func (j *job) failNow(err *jobError) types.ManagedObjectReference {
	update(j.task,
		change("info.startTime", time.Now()),
		change("info.state", types.TaskInfoStateRunning),
	)
	j.finish(nil, err)
	return j.task.Self
}

func (j *job) finish(res types.AnyType, err *jobError) {
	state.mu.Lock()
	j.finished = true
	state.mu.Unlock()
	changes := []types.PropertyChange{change("info.completeTime", time.Now())}
	if err != nil {
		mf := err.fault.GetMethodFault()
		if len(mf.FaultMessage) == 0 {
			mf.FaultMessage = []types.LocalizableMessage{{Key: "com.vmfleet.vcsimx.error", Message: err.msg}}
		}
		changes = append(changes,
			change("info.state", types.TaskInfoStateError),
			change("info.error", types.LocalizedMethodFault{Fault: err.fault, LocalizedMessage: err.msg}),
		)
	} else {
		changes = append(changes,
			change("info.state", types.TaskInfoStateSuccess),
			change("info.progress", int32(100)),
		)
		if res != nil {
			changes = append(changes, change("info.result", res))
		}
	}
	update(j.task, changes...)
}

func (j *job) progress(p int32) {
	update(j.task, change("info.progress", p))
}

// sleep waits d; false when the task was cancelled meanwhile.
func (j *job) sleep(d time.Duration) bool {
	if d <= 0 {
		select {
		case <-j.cancel:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-j.cancel:
		return false
	case <-t.C:
		return true
	}
}

func canceledError() *jobError {
	return fail(&types.RequestCanceled{}, "The task was canceled by a user.")
}

// cancelTask implements Task.CancelTask for our jobs.
func cancelTask(ref types.ManagedObjectReference) *jobError {
	state.mu.Lock()
	j := state.jobs[ref]
	var err *jobError
	switch {
	case j == nil || !j.cancelable:
		err = fail(&types.NotSupported{}, "The task cannot be canceled.")
	case j.finished:
		err = fail(&types.InvalidState{}, "The task has already completed.")
	default:
		select {
		case <-j.cancel:
		default:
			close(j.cancel)
		}
	}
	state.mu.Unlock()
	if err != nil {
		return err
	}
	update(j.task, change("info.cancelled", true))
	return nil
}
