package main

// EnterMaintenanceMode_Task / ExitMaintenanceMode_Task as vCenter does them
// in a cluster without DRS: entering waits (progress stuck at 2%) until no
// powered-on VM is left on the host, the timeout passes, or the task is
// cancelled. Nothing is moved off the host for the caller.

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (p *hostProxy) EnterMaintenanceModeTask(ctx *simulator.Context, req *types.EnterMaintenanceMode_Task) soap.HasFault {
	body := &methods.EnterMaintenanceMode_TaskBody{}
	h := getHost(p.real)
	x := state.host(p.real)
	if h == nil || x == nil {
		body.Fault_ = notFound(p.real)
		return body
	}
	hs := snapHost(p.real)
	j := newJob(h, hs.name, "EnterMaintenanceMode_Task", "HostSystem.enterMaintenanceMode", true)
	body.Res = &types.EnterMaintenanceMode_TaskResponse{}

	if hs.conn != types.HostSystemConnectionStateConnected {
		body.Res.Returnval = j.failNow(fail(&types.HostNotConnected{},
			fmt.Sprintf("Unable to communicate with the remote host, since it is disconnected: host %s is %s.", hostLabel(hs), hs.conn)))
		return body
	}
	if hs.inMM {
		body.Res.Returnval = j.start(func(*job) (types.AnyType, *jobError) { return nil, nil })
		return body
	}
	state.mu.Lock()
	if x.entering {
		state.mu.Unlock()
		body.Res.Returnval = j.failNow(fail(&types.TaskInProgress{},
			fmt.Sprintf("Another task is already in progress: host %s is already entering maintenance mode.", hostLabel(hs))))
		return body
	}
	x.entering = true
	state.mu.Unlock()

	timeout := time.Duration(req.Timeout) * time.Second
	body.Res.Returnval = j.start(func(j *job) (types.AnyType, *jobError) {
		defer func() {
			state.mu.Lock()
			x.entering = false
			state.mu.Unlock()
		}()
		begin := time.Now()
		j.progress(state.scenario.Maintenance.ProgressPercent)
		for {
			now := snapHost(p.real)
			names, _ := poweredOn(now, types.ManagedObjectReference{}, true)
			if len(names) == 0 {
				powerOffAgents(now) // vCLS stops its agent VMs; they never block
				break
			}
			msg := fmt.Sprintf("%d powered-on virtual machine(s) remain on host %s (%s); with DRS disabled they must be migrated or powered off before the host can enter maintenance mode.",
				len(names), hostLabel(hs), strings.Join(names, ", "))
			if state.scenario.Maintenance.Behavior == "fail" {
				return nil, fail(&types.InvalidState{}, "The operation is not allowed in the current state: "+msg)
			}
			if timeout > 0 && time.Since(begin) >= timeout {
				return nil, fail(&types.Timedout{},
					fmt.Sprintf("Operation timed out: host %s did not enter maintenance mode within %d s. %s", hostLabel(hs), req.Timeout, msg))
			}
			if !j.sleep(100 * time.Millisecond) {
				return nil, canceledError()
			}
		}
		update(h,
			change("runtime.inMaintenanceMode", true),
			change("summary.runtime.inMaintenanceMode", true),
		)
		refreshClusterSummaries()
		return nil, nil
	})
	return body
}

func (p *hostProxy) ExitMaintenanceModeTask(ctx *simulator.Context, req *types.ExitMaintenanceMode_Task) soap.HasFault {
	body := &methods.ExitMaintenanceMode_TaskBody{}
	h := getHost(p.real)
	if h == nil {
		body.Fault_ = notFound(p.real)
		return body
	}
	hs := snapHost(p.real)
	j := newJob(h, hs.name, "ExitMaintenanceMode_Task", "HostSystem.exitMaintenanceMode", false)
	body.Res = &types.ExitMaintenanceMode_TaskResponse{}
	if hs.conn != types.HostSystemConnectionStateConnected {
		body.Res.Returnval = j.failNow(fail(&types.HostNotConnected{},
			fmt.Sprintf("Unable to communicate with the remote host, since it is disconnected: host %s is %s.", hostLabel(hs), hs.conn)))
		return body
	}
	if !hs.inMM {
		body.Res.Returnval = j.failNow(fail(&types.InvalidState{},
			fmt.Sprintf("The operation is not allowed in the current state: host %s is not in maintenance mode.", hostLabel(hs))))
		return body
	}
	body.Res.Returnval = j.start(func(j *job) (types.AnyType, *jobError) {
		j.progress(50)
		if !j.sleep(100 * time.Millisecond) {
			return nil, canceledError()
		}
		update(h,
			change("runtime.inMaintenanceMode", false),
			change("summary.runtime.inMaintenanceMode", false),
		)
		refreshClusterSummaries()
		return nil, nil
	})
	return body
}

func (p *taskProxy) CancelTask(ctx *simulator.Context, req *types.CancelTask) soap.HasFault {
	body := &methods.CancelTaskBody{}
	if err := cancelTask(p.real); err != nil {
		body.Fault_ = simulator.Fault(err.msg, err.fault)
		return body
	}
	body.Res = &types.CancelTaskResponse{}
	return body
}
