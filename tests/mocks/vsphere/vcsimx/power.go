package main

// PowerOnVM_Task: refused on a host that is in (or entering) maintenance mode
// or not connected, otherwise handed to the stock implementation.

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func (p *vmProxy) PowerOnVMTask(ctx *simulator.Context, req *types.PowerOnVM_Task) soap.HasFault {
	vm := getVM(p.real)
	if vm == nil {
		return &methods.PowerOnVM_TaskBody{Fault_: notFound(p.real)}
	}
	vs := snapVM(vm)
	hs := snapHost(vs.host)
	entering := false
	if x := state.host(vs.host); x != nil {
		state.mu.Lock()
		entering = x.entering
		state.mu.Unlock()
	}
	var reason string
	switch {
	case hs.conn != types.HostSystemConnectionStateConnected:
		reason = "is " + string(hs.conn)
	case hs.inMM:
		reason = "is in maintenance mode"
	case entering:
		reason = "is entering maintenance mode"
	}
	if reason == "" && failoverHost(vs.host) {
		j := newJob(vm, vs.name, "PowerOnVM_Task", "VirtualMachine.powerOn", false)
		ref := j.failNow(failoverHostError(vs.name, hs))
		return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: ref}}
	}
	if reason != "" {
		j := newJob(vm, vs.name, "PowerOnVM_Task", "VirtualMachine.powerOn", false)
		ref := j.failNow(fail(&types.InvalidHostState{Host: &hs.ref},
			fmt.Sprintf("The operation is not allowed in the current state of the host: host %s %s.", hostLabel(hs), reason)))
		return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: ref}}
	}
	var res soap.HasFault
	withLock(vm, func() { res = vm.PowerOnVMTask(ctx, req) })
	refreshHostStats(vs.host)
	return res
}
