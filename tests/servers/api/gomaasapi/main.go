// A MAAS API client as juju's MAAS provider is one: juju's own Go library (gomaasapi, from
// Debian's golang-github-juju-gomaasapi-dev) driving MetalDesk through its Controller interface.
// It prints one JSON object per step on stdout ({"step": ..., "ok": ..., ...}); tst_maasapi reads
// them, and plays the booting machine when a step says it waits for one.
//
// Usage: gomaasapi-client SCENARIO URL KEY [OTHER_KEY]
//
//	juju      what `juju bootstrap` does: version, resources, zones, spaces, allocate (no match, then
//	          with constraints), owner data, deploy with user-data, wait for Deployed, addresses,
//	          files, a container device, release and wait for Ready; then what a plain user
//	          (OTHER_KEY) may not do
//	race      many allocations at once for the one Ready machine: exactly one wins
//	badkey    a controller with a wrong key
//	deploy    (the end-to-end lab, tests/e2e) allocate the Ready machine tagged TAG, as juju's
//	          agent "e2e", and deploy DISTRO_SERIES with USER_DATA: gomaasapi-client deploy URL KEY
//	          TAG DISTRO_SERIES USER_DATA
//	release   release SYSTEM_ID as juju does (no erase parameter): gomaasapi-client release URL KEY SYSTEM_ID
//	wait      wait until the machine SYSTEM_ID is STATUS (at most SECONDS), as juju polls, and
//	          report what juju reads of it: gomaasapi-client wait URL KEY SYSTEM_ID STATUS SECONDS
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/juju/gomaasapi"
)

var out = json.NewEncoder(os.Stdout)

func report(step string, err error, fields map[string]interface{}) {
	line := map[string]interface{}{"step": step, "ok": err == nil}
	if err != nil {
		line["error"] = err.Error()
	}
	for k, v := range fields {
		line[k] = v
	}
	out.Encode(line)
}

func fail(step string, err error) {
	report(step, err, nil)
	os.Exit(1)
}

// Polls the machine until its status is `want` (case-insensitive), as juju does every 10 s (here 1 s).
func waitFor(c gomaasapi.Controller, id, agent, want string, limit time.Duration) (gomaasapi.Machine, error) {
	deadline := time.Now().Add(limit)
	for {
		machines, err := c.Machines(gomaasapi.MachinesArgs{SystemIDs: []string{id}, AgentName: agent})
		if err != nil {
			return nil, err
		}
		if len(machines) == 1 && strings.EqualFold(machines[0].StatusName(), want) {
			return machines[0], nil
		}
		if time.Now().After(deadline) {
			status := "gone"
			if len(machines) == 1 {
				status = machines[0].StatusName()
			}
			return nil, fmt.Errorf("still %s after %s, not %s", status, limit, want)
		}
		time.Sleep(time.Second)
	}
}

func juju(url, key, otherKey string) {
	c, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: key})
	if err != nil {
		fail("controller", err)
	}
	version, subversion, err := c.APIVersionInfo()
	report("version", err, map[string]interface{}{"version": version, "subversion": subversion,
		"capabilities": c.Capabilities().SortedValues()})

	resources, err := c.BootResources()
	names := []string{}
	for _, r := range resources {
		names = append(names, r.Name()+" "+r.Architecture())
	}
	report("boot-resources", err, map[string]interface{}{"names": names})
	zones, err := c.Zones()
	zoneNames := []string{}
	for _, z := range zones {
		zoneNames = append(zoneNames, z.Name())
	}
	report("zones", err, map[string]interface{}{"names": zoneNames})
	pools, err := c.Pools()
	report("pools", err, map[string]interface{}{"count": len(pools)})
	spaces, err := c.Spaces()
	report("spaces", err, map[string]interface{}{"count": len(spaces)})
	fabrics, err := c.Fabrics()
	vlans := 0
	for _, f := range fabrics {
		vlans += len(f.VLANs())
	}
	report("fabrics", err, map[string]interface{}{"count": len(fabrics), "vlans": vlans})
	routes, err := c.StaticRoutes()
	report("static-routes", err, map[string]interface{}{"count": len(routes)})
	domains, err := c.Domains()
	domainNames := []string{}
	for _, d := range domains {
		domainNames = append(domainNames, d.Name())
	}
	report("domains", err, map[string]interface{}{"names": domainNames})
	tags, err := c.Tags()
	report("tags", err, map[string]interface{}{"count": len(tags)})
	all, err := c.Machines(gomaasapi.MachinesArgs{})
	report("machines", err, map[string]interface{}{"count": len(all)})

	// Nothing has 64 CPUs: the no-match error juju expects (409).
	_, _, err = c.AllocateMachine(gomaasapi.AllocateMachineArgs{MinCPUCount: 64, AgentName: "model-1"})
	report("allocate-no-match", nil, map[string]interface{}{"no_match": gomaasapi.IsNoMatchError(err),
		"message": fmt.Sprint(err)})

	machine, matches, err := c.AllocateMachine(gomaasapi.AllocateMachineArgs{
		Tags: []string{"ssd"}, Zone: "rack1", MinMemory: 256, Architecture: "amd64", AgentName: "model-1",
		Storage: []gomaasapi.StorageSpec{{Label: "root", Size: 1}}})
	if err != nil {
		fail("allocate", err)
	}
	disks := []string{}
	for _, d := range matches.Storage["root"] {
		disks = append(disks, d.Path())
	}
	report("allocate", nil, map[string]interface{}{"system_id": machine.SystemID(), "hostname": machine.Hostname(),
		"status": machine.StatusName(), "zone": machine.Zone().Name(), "tags": machine.Tags(), "root": disks})

	err = machine.SetOwnerData(map[string]string{"juju-model-uuid": "model-1", "juju-is-controller": "true"})
	report("owner-data", err, map[string]interface{}{"owner_data": machine.OwnerData()})

	userData := "#cloud-config\nruncmd:\n  - echo juju was here > /root/juju\n"
	err = machine.Start(gomaasapi.StartArgs{UserData: base64.StdEncoding.EncodeToString([]byte(userData)),
		DistroSeries: "bookworm"})
	if err != nil {
		fail("deploy", err)
	}
	report("deploying", nil, map[string]interface{}{"system_id": machine.SystemID(), "status": machine.StatusName()})
	deployed, err := waitFor(c, machine.SystemID(), "model-1", "deployed", 120*time.Second)
	if err != nil {
		fail("deployed", err)
	}
	report("deployed", nil, map[string]interface{}{"ip_addresses": deployed.IPAddresses(), "fqdn": deployed.FQDN(),
		"osystem": deployed.OperatingSystem(), "distro_series": deployed.DistroSeries()})

	// Files, as juju's provider storage keeps its state.
	err = c.AddFile(gomaasapi.AddFileArgs{Filename: "model-1-provider-state", Content: []byte("state-server-instances: [a]\n")})
	report("add-file", err, nil)
	files, err := c.Files("model-1-")
	report("files", err, map[string]interface{}{"count": len(files)})
	file, err := c.GetFile("model-1-provider-state")
	content := ""
	if err == nil {
		var b []byte
		b, err = file.ReadAll()
		content = string(b)
	}
	report("get-file", err, map[string]interface{}{"content": content})
	_, err = c.GetFile("no-such-file")
	report("get-missing-file", nil, map[string]interface{}{"no_match": gomaasapi.IsNoMatchError(err)})
	if file != nil {
		report("delete-file", file.Delete(), nil)
	}

	// A container on the machine, with an address of the boot network (juju's lxd:N).
	subnets := []gomaasapi.Subnet{}
	for _, s := range spaces {
		subnets = append(subnets, s.Subnets()...)
	}
	var subnet gomaasapi.Subnet
	if iface := deployed.BootInterface(); iface != nil {
		for _, l := range iface.Links() {
			if l.Subnet() != nil {
				subnet = l.Subnet()
			}
		}
	}
	device, err := deployed.CreateDevice(gomaasapi.CreateMachineDeviceArgs{Hostname: "juju-lxd-0",
		InterfaceName: "eth0", MACAddress: "00:16:3e:00:00:01", Subnet: subnet})
	addresses := []string{}
	if err == nil {
		for _, i := range device.InterfaceSet() {
			for _, l := range i.Links() {
				addresses = append(addresses, l.IPAddress())
			}
		}
		// gomaasapi returns the device as created; read it again for its linked address.
		again, _ := deployed.Devices(gomaasapi.DevicesArgs{})
		if len(again) == 1 {
			addresses = again[0].IPAddresses()
		}
	}
	report("device", err, map[string]interface{}{"addresses": addresses})
	if device != nil {
		report("delete-device", device.Delete(), nil)
	}

	if otherKey != "" {
		other, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: otherKey})
		if err != nil {
			fail("other-controller", err)
		}
		// Another user's machine is not there for them; release by id is refused.
		mine, _ := other.Machines(gomaasapi.MachinesArgs{SystemIDs: []string{machine.SystemID()}})
		report("other-sees", nil, map[string]interface{}{"count": len(mine)})
		err = other.ReleaseMachines(gomaasapi.ReleaseMachinesArgs{SystemIDs: []string{machine.SystemID()}})
		report("other-release", nil, map[string]interface{}{"bad_request": gomaasapi.IsBadRequestError(err),
			"message": fmt.Sprint(err)})
	}

	err = c.ReleaseMachines(gomaasapi.ReleaseMachinesArgs{SystemIDs: []string{machine.SystemID()},
		Comment: "Released by Juju MAAS provider"})
	if err != nil {
		fail("release", err)
	}
	report("releasing", nil, map[string]interface{}{"system_id": machine.SystemID()})
	ready, err := waitFor(c, machine.SystemID(), "", "ready", 120*time.Second)
	if err != nil {
		fail("ready", err)
	}
	report("ready", nil, map[string]interface{}{"owner_data": ready.OwnerData(), "osystem": ready.OperatingSystem()})
}

func race(url, key string) {
	c, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: key})
	if err != nil {
		fail("controller", err)
	}
	const clients = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, noMatch, other := []string{}, 0, []string{}
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m, _, err := c.AllocateMachine(gomaasapi.AllocateMachineArgs{AgentName: fmt.Sprintf("racer-%d", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, m.SystemID())
			case gomaasapi.IsNoMatchError(err):
				noMatch++
			default:
				other = append(other, err.Error())
			}
		}(i)
	}
	wg.Wait()
	report("race", nil, map[string]interface{}{"won": won, "no_match": noMatch, "errors": other})
}

func badKey(url, key string) {
	_, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: key})
	report("badkey", nil, map[string]interface{}{"permission_error": gomaasapi.IsPermissionError(err),
		"message": fmt.Sprint(err)})
}

func deploy(url, key, tag, series, userData string) {
	c, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: key})
	if err != nil {
		fail("controller", err)
	}
	machine, _, err := c.AllocateMachine(gomaasapi.AllocateMachineArgs{Tags: []string{tag}, AgentName: "e2e",
		Architecture: "amd64"})
	if err != nil {
		fail("allocate", err)
	}
	report("allocate", nil, map[string]interface{}{"system_id": machine.SystemID(), "status": machine.StatusName()})
	err = machine.Start(gomaasapi.StartArgs{UserData: base64.StdEncoding.EncodeToString([]byte(userData)),
		DistroSeries: series})
	report("deploy", err, map[string]interface{}{"status": machine.StatusName()})
}

func release(url, key, id string) {
	c, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: key})
	if err != nil {
		fail("controller", err)
	}
	err = c.ReleaseMachines(gomaasapi.ReleaseMachinesArgs{SystemIDs: []string{id}, Comment: "Released by Juju MAAS provider"})
	report("release", err, nil)
}

func wait(url, key, id, status, seconds string) {
	c, err := gomaasapi.NewController(gomaasapi.ControllerArgs{BaseURL: url, APIKey: key})
	if err != nil {
		fail("controller", err)
	}
	var limit time.Duration
	if _, err := fmt.Sscan(seconds, &limit); err != nil {
		fail("wait", err)
	}
	m, err := waitFor(c, id, "", status, limit*time.Second)
	if err != nil {
		fail("wait", err)
	}
	report("wait", nil, map[string]interface{}{"status": m.StatusName(), "ip_addresses": m.IPAddresses(),
		"osystem": m.OperatingSystem(), "distro_series": m.DistroSeries(), "hostname": m.Hostname()})
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: gomaasapi-client juju|race|badkey|deploy|wait URL KEY [...]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "juju":
		other := ""
		if len(os.Args) > 4 {
			other = os.Args[4]
		}
		juju(os.Args[2], os.Args[3], other)
	case "race":
		race(os.Args[2], os.Args[3])
	case "badkey":
		badKey(os.Args[2], os.Args[3])
	case "release":
		if len(os.Args) != 5 {
			fmt.Fprintln(os.Stderr, "usage: gomaasapi-client release URL KEY SYSTEM_ID")
			os.Exit(2)
		}
		release(os.Args[2], os.Args[3], os.Args[4])
	case "deploy", "wait":
		if len(os.Args) != 7 {
			fmt.Fprintln(os.Stderr, "usage: gomaasapi-client deploy URL KEY TAG DISTRO_SERIES USER_DATA | wait URL KEY SYSTEM_ID STATUS SECONDS")
			os.Exit(2)
		}
		if os.Args[1] == "deploy" {
			deploy(os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6])
		} else {
			wait(os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6])
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown scenario", os.Args[1])
		os.Exit(2)
	}
}
