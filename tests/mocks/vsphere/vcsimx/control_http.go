package main

// A small out-of-band control endpoint for test harnesses: things a real
// operator changes outside the vSphere API (a firewall between hosts, a host
// dropping off the network).
//
//   GET  /_vcsimx/state               -> {"hosts": [...]}
//   GET  /_vcsimx/calls               -> SOAP calls by method since the last DELETE (calls.go)
//   POST /_vcsimx/host  {"name": "esx-01", "vmotion_network_blocked": false,
//                        "connection_state": "connected", "clock_offset_seconds": 0,
//                        "reboot_down_seconds": 3}

import (
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

type hostControl struct {
	Name              string   `json:"name"`
	VMotionNetBlocked *bool    `json:"vmotion_network_blocked,omitempty"`
	ConnectionState   *string  `json:"connection_state,omitempty"`
	ClockOffset       *float64 `json:"clock_offset_seconds,omitempty"`
	RebootDown        *float64 `json:"reboot_down_seconds,omitempty"`
}

type hostReport struct {
	Name              string  `json:"name"`
	Moref             string  `json:"moref"`
	VMotionNetBlocked bool    `json:"vmotion_network_blocked"`
	ConnectionState   string  `json:"connection_state"`
	InMaintenance     bool    `json:"in_maintenance"`
	ClockOffset       float64 `json:"clock_offset_seconds"`
	MigrateEnabled    int64   `json:"migrate_enabled"`
	VMotionVmk        string  `json:"vmotion_vmk"`
	BootTime          string  `json:"boot_time"`
	Reboots           int     `json:"reboots"`
}

func controlState(w http.ResponseWriter, r *http.Request) {
	state.mu.Lock()
	xs := make([]*hostExtra, 0, len(state.hosts))
	for _, x := range state.hosts {
		xs = append(xs, x)
	}
	blocked := map[string]bool{}
	reboots := map[string]int{}
	for _, x := range xs {
		blocked[x.name] = x.networkBlocked
		reboots[x.name] = x.reboots
	}
	state.mu.Unlock()
	sort.Slice(xs, func(i, j int) bool { return xs[i].name < xs[j].name })
	var out []hostReport
	for _, x := range xs {
		hs := snapHost(x.ref)
		dev, _, _ := x.vnics.vmotionVnic()
		var off time.Duration
		withLock(x.clock, func() { off = x.clock.offset })
		out = append(out, hostReport{
			Name: x.name, Moref: x.ref.Value, VMotionNetBlocked: blocked[x.name],
			ConnectionState: string(hs.conn), InMaintenance: hs.inMM,
			ClockOffset: off.Seconds(), MigrateEnabled: x.options.migrateEnabled(), VMotionVmk: dev,
			BootTime: bootTime(x.ref), Reboots: reboots[x.name],
		})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]interface{}{"hosts": out, "vms": vmReports(), "tasks": taskReports()})
}

func controlHost(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req hostControl
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	x := state.hostByName(req.Name)
	if x == nil {
		http.Error(w, "unknown host "+req.Name, http.StatusNotFound)
		return
	}
	if req.ConnectionState != nil {
		switch *req.ConnectionState {
		case "connected", "disconnected", "notResponding":
		default:
			http.Error(w, "bad connection_state", http.StatusBadRequest)
			return
		}
	}
	if req.VMotionNetBlocked != nil {
		state.mu.Lock()
		x.networkBlocked = *req.VMotionNetBlocked
		state.mu.Unlock()
	}
	if req.RebootDown != nil {
		if *req.RebootDown < 0 {
			http.Error(w, "bad reboot_down_seconds", http.StatusBadRequest)
			return
		}
		state.mu.Lock()
		x.rebootDownSeconds = req.RebootDown
		state.mu.Unlock()
	}
	if req.ClockOffset != nil {
		withLock(x.clock, func() { x.clock.offset = seconds(*req.ClockOffset) })
	}
	if req.ConnectionState != nil {
		cs := types.HostSystemConnectionState(*req.ConnectionState)
		update(getHost(x.ref),
			change("runtime.connectionState", cs),
			change("summary.runtime.connectionState", cs),
		)
		refreshClusterSummaries()
	}
	w.WriteHeader(http.StatusNoContent)
}
