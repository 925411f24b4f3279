package main

// Method overrides without replacing stock objects.
//
// Stock simulator code type-asserts HostSystem and VirtualMachine objects
// (Map.Get(ref).(*HostSystem)), so wrapping them in our own types breaks
// power operations, snapshots and more. Instead, the HTTP front end rewrites
// the `_this` of the few calls we override to a proxy object of a private
// type ("VcsimxHostSystem" with the same moref value); the simulator then
// dispatches to the proxy's Go method with its usual session checks, locking
// and SOAP encoding, and the proxy works on the real object.

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const proxyPrefix = "Vcsimx"

// overridden lists, per managed object type, the methods the proxies implement.
var overridden = map[string]map[string]bool{
	"VirtualMachine": {
		"MigrateVM_Task":  true,
		"RelocateVM_Task": true,
		"PowerOnVM_Task":  true,
	},
	"HostSystem": {
		"EnterMaintenanceMode_Task": true,
		"ExitMaintenanceMode_Task":  true,
		"RebootHost_Task":           true,
	},
	"Task": {
		"CancelTask": true,
	},
	"ClusterComputeResource": {
		"ReconfigureComputeResource_Task": true,
	},
}

type vmProxy struct {
	mo.ExtensibleManagedObject
	real types.ManagedObjectReference
}

type hostProxy struct {
	mo.ExtensibleManagedObject
	real types.ManagedObjectReference
}

type clusterProxy struct {
	mo.ExtensibleManagedObject
	real types.ManagedObjectReference
}

type taskProxy struct {
	mo.ExtensibleManagedObject
	real types.ManagedObjectReference
}

var proxyMu sync.Mutex

// ensureProxy registers the proxy for a real object on first use.
func ensureProxy(kind, value string) {
	real := types.ManagedObjectReference{Type: kind, Value: value}
	pref := types.ManagedObjectReference{Type: proxyPrefix + kind, Value: value}
	proxyMu.Lock()
	defer proxyMu.Unlock()
	if simulator.Map.Get(pref) != nil || simulator.Map.Get(real) == nil {
		return
	}
	var p mo.Reference
	switch kind {
	case "VirtualMachine":
		x := &vmProxy{real: real}
		x.Self = pref
		p = x
	case "HostSystem":
		x := &hostProxy{real: real}
		x.Self = pref
		p = x
	case "ClusterComputeResource":
		x := &clusterProxy{real: real}
		x.Self = pref
		p = x
	case "Task":
		x := &taskProxy{real: real}
		x.Self = pref
		p = x
	default:
		return
	}
	simulator.Map.Put(p)
}

var (
	bodyMethodRe = regexp.MustCompile(`<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z0-9_]+)[\s/>]`)
	thisRe       = regexp.MustCompile(`(<(?:[\w.-]+:)?_this\b[^>]*?\btype=)(["'])([A-Za-z]+)(["'][^>]*>)([^<]+)(</)`)
)

// interceptor rewrites the target of overridden calls, then hands every
// request to the simulator's mux.
type interceptor struct {
	next http.Handler
}

func (h *interceptor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/sdk" {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		countCall(body)
		body = rewriteThis(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	h.next.ServeHTTP(w, r)
}

func rewriteThis(body []byte) []byte {
	m := bodyMethodRe.FindSubmatch(body)
	if m == nil {
		return body
	}
	method := string(m[1])
	loc := thisRe.FindSubmatchIndex(body)
	if loc == nil {
		return body
	}
	kind := string(body[loc[6]:loc[7]])
	if !overridden[kind][method] {
		return body
	}
	value := string(body[loc[10]:loc[11]])
	ensureProxy(kind, value)
	out := make([]byte, 0, len(body)+len(proxyPrefix))
	out = append(out, body[:loc[6]]...)
	out = append(out, proxyPrefix...)
	out = append(out, body[loc[6]:]...)
	return out
}
