package main

// Mock-wide state that has no home in the stock simulator objects.

import (
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type hostExtra struct {
	ref               types.ManagedObjectReference
	name              string
	reservedMB        int64
	networkBlocked    bool
	entering          bool             // EnterMaintenanceMode task running
	rebooting         bool             // RebootHost task accepted, host not back yet (reboot.go)
	reboots           int              // RebootHost tasks accepted
	rebootDownSeconds *float64         // this host's reboot down time (control endpoint); nil: the scenario's
	incomingMB        map[string]int64 // memory held for in-flight vMotions, by VM moref value
	options           *hostOptionManager
	vnics             *vnicManager
	clock             *dateTimeSystem
}

type mockState struct {
	mu       sync.Mutex
	scenario *Scenario
	hosts    map[types.ManagedObjectReference]*hostExtra
	busyVMs  map[types.ManagedObjectReference]types.ManagedObjectReference // vm -> task
	jobs     map[types.ManagedObjectReference]*job                         // task -> job
	dataDir  string
}

var state = &mockState{
	hosts:   map[types.ManagedObjectReference]*hostExtra{},
	busyVMs: map[types.ManagedObjectReference]types.ManagedObjectReference{},
	jobs:    map[types.ManagedObjectReference]*job{},
}

func (s *mockState) host(ref types.ManagedObjectReference) *hostExtra {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[ref]
}

func (s *mockState) hostByName(name string) *hostExtra {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hosts {
		if h.name == name {
			return h
		}
	}
	return nil
}

func (s *mockState) speed() float64 { return s.scenario.Migration.SpeedMBps }

func (s *mockState) stall() time.Duration {
	return time.Duration(s.scenario.Migration.StallSeconds * float64(time.Second))
}

// Simulator object accessors and locked updates. Object locks are never
// nested: read one object, release, then the next (see snapshot.go).

func getHost(ref types.ManagedObjectReference) *simulator.HostSystem {
	h, _ := simulator.Map.Get(ref).(*simulator.HostSystem)
	return h
}

func getVM(ref types.ManagedObjectReference) *simulator.VirtualMachine {
	vm, _ := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	return vm
}

func withLock(obj mo.Reference, f func()) { simulator.Map.WithLock(obj, f) }

// update applies property changes under the object's lock and notifies
// property collectors (WaitForUpdates) of them.
func update(obj mo.Reference, changes ...types.PropertyChange) {
	withLock(obj, func() { simulator.Map.Update(obj, changes) })
}

func change(name string, val interface{}) types.PropertyChange {
	return types.PropertyChange{Name: name, Val: val}
}

func refsWithout(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	out := make([]types.ManagedObjectReference, 0, len(list))
	for _, r := range list {
		if r != ref {
			out = append(out, r)
		}
	}
	return out
}

func refsWith(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	out := refsWithout(list, ref)
	return append(out, ref)
}

func hasRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) bool {
	for _, r := range list {
		if r == ref {
			return true
		}
	}
	return false
}
