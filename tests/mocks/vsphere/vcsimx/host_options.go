package main

// Per-host advanced settings (HostSystem.configManager.advancedOption).
// Stock vcsim hands every host the same settings slice; here each host owns a
// copy plus the Migrate.* keys, typed like ESXi (Migrate.Enabled is xsd:long).

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type hostOptionManager struct {
	mo.OptionManager
	hostName string
}

type longOpt struct {
	key, label string
	min, max   int64
	def        int64
}

var migrateOptions = []longOpt{
	{"Migrate.Enabled", "Enable hot migration support", 0, 1, 1},
	{"Migrate.NetTimeout", "Timeout for migration network operations (seconds)", 1, 3600, 20},
	{"Migrate.VMotionStreamHelpers", "Number of helpers to allocate for vMotion streams", 0, 1024, 0},
}

// newHostOptionManager: kind "int" publishes Migrate.Enabled as an IntOption
// with an xsd:int value (the other Migrate keys stay long).
func newHostOptionManager(host *simulator.HostSystem, migrateEnabled bool, kind string) *hostOptionManager {
	m := &hostOptionManager{hostName: host.Name}
	m.Self = types.ManagedObjectReference{Type: "OptionManager", Value: "EsxHostAdvSettings-" + host.Self.Value}
	for _, o := range esx.Setting {
		v := *o.GetOptionValue()
		m.Setting = append(m.Setting, &v)
	}
	for _, o := range migrateOptions {
		val := o.def
		if o.key == "Migrate.Enabled" && !migrateEnabled {
			val = 0
		}
		if o.key == "Migrate.Enabled" && kind == "int" {
			m.Setting = append(m.Setting, &types.OptionValue{Key: o.key, Value: int32(val)})
			m.SupportedOption = append(m.SupportedOption, types.OptionDef{
				ElementDescription: types.ElementDescription{
					Description: types.Description{Label: o.label, Summary: o.label}, Key: o.key},
				OptionType: &types.IntOption{OptionType: types.OptionType{ValueIsReadonly: types.NewBool(false)},
					Min: int32(o.min), Max: int32(o.max), DefaultValue: int32(o.def)},
			})
			continue
		}
		m.Setting = append(m.Setting, &types.OptionValue{Key: o.key, Value: val})
		m.SupportedOption = append(m.SupportedOption, types.OptionDef{
			ElementDescription: types.ElementDescription{
				Description: types.Description{Label: o.label, Summary: o.label},
				Key:         o.key,
			},
			OptionType: &types.LongOption{
				OptionType:   types.OptionType{ValueIsReadonly: types.NewBool(false)},
				Min:          o.min,
				Max:          o.max,
				DefaultValue: o.def,
			},
		})
	}
	return m
}

func (m *hostOptionManager) find(key string) *types.OptionValue {
	for _, o := range m.Setting {
		if v := o.GetOptionValue(); v.Key == key {
			return v
		}
	}
	return nil
}

// bounds: the min and max of a LongOption or IntOption definition.
func (m *hostOptionManager) bounds(key string) (int64, int64, bool) {
	for _, d := range m.SupportedOption {
		if d.Key == key {
			switch x := d.OptionType.(type) {
			case *types.LongOption:
				return x.Min, x.Max, true
			case *types.IntOption:
				return int64(x.Min), int64(x.Max), true
			}
		}
	}
	return 0, 0, false
}

func toInt64(v interface{}) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	}
	return 0
}

// QueryOptions: "" returns everything, "Prefix." a subtree, anything else an exact key.
func (m *hostOptionManager) QueryOptions(req *types.QueryOptions) soap.HasFault {
	body := &methods.QueryOptionsBody{}
	var out []types.BaseOptionValue
	for _, o := range m.Setting {
		key := o.GetOptionValue().Key
		if req.Name == "" || key == req.Name || (strings.HasSuffix(req.Name, ".") && strings.HasPrefix(key, req.Name)) {
			v := *o.GetOptionValue()
			out = append(out, &v)
		}
	}
	if len(out) == 0 {
		body.Fault_ = simulator.Fault(fmt.Sprintf("A specified parameter was not correct: %s", req.Name), &types.InvalidName{Name: req.Name})
		return body
	}
	body.Res = &types.QueryOptionsResponse{Returnval: out}
	return body
}

func xsdName(v interface{}) string {
	switch v.(type) {
	case int64:
		return "xsd:long"
	case int32:
		return "xsd:int"
	case int16:
		return "xsd:short"
	case int8:
		return "xsd:byte"
	case string:
		return "xsd:string"
	case bool:
		return "xsd:boolean"
	case nil:
		return "nothing"
	}
	return reflect.TypeOf(v).String()
}

// UpdateOptions validates every change first (unknown key, wrong xsd type,
// out of range) like ESXi does, then applies them all.
func (m *hostOptionManager) UpdateOptions(req *types.UpdateOptions) soap.HasFault {
	body := &methods.UpdateOptionsBody{}
	for _, c := range req.ChangedValue {
		nv := c.GetOptionValue()
		cur := m.find(nv.Key)
		if cur == nil {
			body.Fault_ = simulator.Fault(fmt.Sprintf("A specified parameter was not correct: %s (no such option on host %s)", nv.Key, m.hostName),
				&types.InvalidName{Name: nv.Key})
			return body
		}
		if cur.Value != nil && reflect.TypeOf(cur.Value) != reflect.TypeOf(nv.Value) {
			body.Fault_ = simulator.Fault(
				fmt.Sprintf("A specified parameter was not correct: %s expects a value of type %s, got %s",
					nv.Key, xsdName(cur.Value), xsdName(nv.Value)),
				&types.InvalidArgument{InvalidProperty: nv.Key})
			return body
		}
		if lo, hi, ok := m.bounds(nv.Key); ok {
			if x := toInt64(nv.Value); x < lo || x > hi {
				body.Fault_ = simulator.Fault(
					fmt.Sprintf("A specified parameter was not correct: %s must be between %d and %d", nv.Key, lo, hi),
					&types.InvalidArgument{InvalidProperty: nv.Key})
				return body
			}
		}
	}
	for _, c := range req.ChangedValue {
		nv := c.GetOptionValue()
		m.find(nv.Key).Value = nv.Value
	}
	setting := make([]types.BaseOptionValue, len(m.Setting))
	copy(setting, m.Setting)
	simulator.Map.Update(m, []types.PropertyChange{change("setting", setting)})
	body.Res = &types.UpdateOptionsResponse{}
	return body
}

// migrateEnabled reads Migrate.Enabled under the manager's lock.
func (m *hostOptionManager) migrateEnabled() int64 {
	var v int64 = 1
	withLock(m, func() {
		if o := m.find("Migrate.Enabled"); o != nil {
			switch o.Value.(type) {
			case int64, int32:
				v = toInt64(o.Value)
			}
		}
	})
	return v
}
