package main

// SOAP calls counted by method name, so tests can tell how many round trips a
// module makes (GET /_vcsimx/calls -> {"calls": {"RetrievePropertiesEx": 3, ...},
// "total": 9}; DELETE /_vcsimx/calls starts the count again).

import (
	"encoding/json"
	"net/http"
	"sync"
)

var calls = struct {
	mu     sync.Mutex
	counts map[string]int
}{counts: map[string]int{}}

// countCall records the method of one SOAP request body.
func countCall(body []byte) {
	m := bodyMethodRe.FindSubmatch(body)
	if m == nil {
		return
	}
	calls.mu.Lock()
	calls.counts[string(m[1])]++
	calls.mu.Unlock()
}

func controlCalls(w http.ResponseWriter, r *http.Request) {
	calls.mu.Lock()
	defer calls.mu.Unlock()
	switch r.Method {
	case http.MethodDelete:
		calls.counts = map[string]int{}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		out := map[string]int{}
		total := 0
		for method, n := range calls.counts {
			out[method] = n
			total += n
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"calls": out, "total": total})
	default:
		http.Error(w, "GET or DELETE", http.StatusMethodNotAllowed)
	}
}
