// vcsimx: VMware's vcsim (govmomi 0.24.2 simulator) extended with what the
// vmfleet.maintenance vSphere tests need: per-host advanced settings,
// VMkernel service selection, host clocks, and vMotion / maintenance mode
// that take time and fail the way vCenter does.
//
//	vcsimx -scenario FILE.json [-listen 127.0.0.1:0] [-url-file PATH] [-plain-http] [-data-dir DIR]
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/simulator"
)

func main() {
	scenarioPath := flag.String("scenario", "", "scenario file (JSON)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	urlFile := flag.String("url-file", "", "write the SDK URL here once the inventory is ready")
	plain := flag.Bool("plain-http", false, "serve plain HTTP instead of HTTPS")
	dataDir := flag.String("data-dir", "", "directory for datastore contents (default: a temporary one, removed on exit)")
	trace := flag.Bool("trace", false, "log SOAP traffic to stderr")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("vcsimx ")

	if *scenarioPath == "" {
		log.Fatal("-scenario is required")
	}
	sc, err := loadScenario(*scenarioPath)
	if err != nil {
		log.Fatal(err)
	}
	state.scenario = sc
	simulator.Trace = *trace

	dir := *dataDir
	cleanup := func() {}
	if dir == "" {
		dir, err = os.MkdirTemp("", "vcsimx-")
		if err != nil {
			log.Fatal(err)
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
	}
	state.dataDir = dir

	u, srv, err := serve(sc, *listen, *plain)
	if err != nil {
		cleanup()
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	client, err := govmomi.NewClient(ctx, u, true)
	if err == nil {
		err = buildInventory(ctx, client, sc, dir)
		_ = client.Logout(ctx)
	}
	cancel()
	if err != nil {
		cleanup()
		log.Fatalf("building inventory: %v", err)
	}
	go statsLoop()

	public := *u
	public.User = nil
	if *urlFile != "" {
		tmp := *urlFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(public.String()+"\n"), 0o644); err == nil {
			err = os.Rename(tmp, *urlFile)
		}
		if err != nil {
			cleanup()
			log.Fatal(err)
		}
	}
	fmt.Println(public.String())
	log.Printf("ready: %s (user %s), data in %s", public.String(), sc.Credentials.Username, dir)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	_ = srv.Close()
	cleanup()
}

// serve starts the SOAP endpoint on our own listener (the stock
// Service.NewServer offers no hook to put the proxy rewriter in front).
func serve(sc *Scenario, listen string, plain bool) (*url.URL, *http.Server, error) {
	m := simulator.VPX()
	m.Datacenter, m.Portgroup, m.Host, m.Cluster, m.ClusterHost, m.Datastore, m.Machine = 0, 0, 0, 0, 0, 0, 0
	m.Autostart = false
	if err := m.Create(); err != nil {
		return nil, nil, err
	}
	svc := m.Service

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, nil, err
	}
	scheme := "https"
	if plain {
		scheme = "http"
	}
	u := &url.URL{Scheme: scheme, Host: ln.Addr().String(), Path: "/sdk",
		User: url.UserPassword(sc.Credentials.Username, sc.Credentials.Password)}
	svc.Listen = u
	svc.RegisterSDK(simulator.Map)
	mux := svc.ServeMux
	mux.HandleFunc("/sdk/vimServiceVersions.xml", svc.ServiceVersions)
	mux.HandleFunc("/folder/", svc.ServeDatastore)
	mux.HandleFunc("/about", svc.About)
	mux.HandleFunc("/_vcsimx/state", controlState)
	mux.HandleFunc("/_vcsimx/host", controlHost)
	mux.HandleFunc("/_vcsimx/calls", controlCalls)
	simulator.Map.SessionManager().ServiceHostName = u.Host

	srv := &http.Server{Handler: &interceptor{next: mux}, ErrorLog: log.New(os.Stderr, "vcsimx http ", log.LstdFlags)}
	if !plain {
		cfg, err := selfSignedTLS()
		if err != nil {
			return nil, nil, err
		}
		srv.TLSConfig = cfg
		ln = tls.NewListener(ln, cfg)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("serve: %v", err)
		}
	}()
	return u, srv, nil
}
