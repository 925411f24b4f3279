package main

// HostDateTimeSystem (HostSystem.configManager.dateTimeSystem): each host runs
// its own clock, offset from the real one by clock_offset_seconds.

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type dateTimeSystem struct {
	mo.HostDateTimeSystem
	host   types.ManagedObjectReference
	offset time.Duration
}

var utcZone = types.HostDateTimeSystemTimeZone{Key: "UTC", Name: "UTC", Description: "UTC", GmtOffset: 0}

func newDateTimeSystem(host *simulator.HostSystem, offset time.Duration, ntp []string) *dateTimeSystem {
	d := &dateTimeSystem{host: host.Self, offset: offset}
	d.Self = types.ManagedObjectReference{Type: "HostDateTimeSystem", Value: "dateTimeSystem-" + host.Self.Value}
	d.DateTimeInfo = types.HostDateTimeInfo{
		TimeZone:            utcZone,
		SystemClockProtocol: "ntp",
		NtpConfig:           &types.HostNtpConfig{Server: append([]string(nil), ntp...)},
	}
	return d
}

func (d *dateTimeSystem) now() time.Time { return time.Now().UTC().Add(d.offset) }

// clock reads the host's time under the object's lock.
func (d *dateTimeSystem) clock() time.Time {
	var t time.Time
	withLock(d, func() { t = d.now() })
	return t
}

func (d *dateTimeSystem) QueryDateTime(req *types.QueryDateTime) soap.HasFault {
	return &methods.QueryDateTimeBody{Res: &types.QueryDateTimeResponse{Returnval: d.now()}}
}

func (d *dateTimeSystem) UpdateDateTime(req *types.UpdateDateTime) soap.HasFault {
	d.offset = time.Until(req.DateTime)
	return &methods.UpdateDateTimeBody{Res: &types.UpdateDateTimeResponse{}}
}

func (d *dateTimeSystem) UpdateDateTimeConfig(req *types.UpdateDateTimeConfig) soap.HasFault {
	info := d.DateTimeInfo
	if req.Config.NtpConfig != nil {
		info.NtpConfig = &types.HostNtpConfig{Server: append([]string(nil), req.Config.NtpConfig.Server...)}
	}
	simulator.Map.Update(d, []types.PropertyChange{change("dateTimeInfo", info)})
	update(getHost(d.host), change("config.dateTimeInfo", info))
	return &methods.UpdateDateTimeConfigBody{Res: &types.UpdateDateTimeConfigResponse{}}
}

func (d *dateTimeSystem) RefreshDateTimeSystem(req *types.RefreshDateTimeSystem) soap.HasFault {
	return &methods.RefreshDateTimeSystemBody{Res: &types.RefreshDateTimeSystemResponse{}}
}

func (d *dateTimeSystem) QueryAvailableTimeZones(req *types.QueryAvailableTimeZones) soap.HasFault {
	return &methods.QueryAvailableTimeZonesBody{Res: &types.QueryAvailableTimeZonesResponse{
		Returnval: []types.HostDateTimeSystemTimeZone{utcZone},
	}}
}
