// The vSphere peer of MetalDesk's tests: govmomi's own simulator (vcsim) from Debian's
// golang-github-vmware-govmomi-dev, which ships no vcsim binary. It serves a vCenter (or, with
// -esx, a standalone ESXi) over https with the certificate it is given, enforces one user name and
// password, and takes commands on stdin so that a test can change the inventory between calls:
//
//	destroy NAME   removes a VM, as an administrator deleting it in the vSphere client would
//	restrict NAME  makes power and reconfigure calls on that VM fail with RestrictedVersion, as
//	               the free ESXi licence does (vcsim has no licence model)
//	mac NAME MAC   gives the VM's first NIC that MAC (vcsim gives VMs of one host the same MAC)
//	boot NAME      prints the device keys of the VM's boot order
//
// Each command answers one line: "ok" (and what it prints) or "error: ...". The URL is printed
// on start.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const restrictedText = "Current license or ESXi version prohibits execution of the requested operation."

// A VM behind the free ESXi licence: it can be read, not switched or changed. It holds the VM by
// value: the simulator's property collector finds the VM's properties by descending into first
// fields, which it cannot do through a pointer.
type restrictedVM struct {
	simulator.VirtualMachine
}

func restricted() *soap.Fault { return simulator.Fault(restrictedText, &types.RestrictedVersion{}) }

func (vm *restrictedVM) PowerOnVMTask(ctx *simulator.Context, req *types.PowerOnVM_Task) soap.HasFault {
	return &methods.PowerOnVM_TaskBody{Fault_: restricted()}
}

func (vm *restrictedVM) PowerOffVMTask(ctx *simulator.Context, req *types.PowerOffVM_Task) soap.HasFault {
	return &methods.PowerOffVM_TaskBody{Fault_: restricted()}
}

func (vm *restrictedVM) ResetVMTask(ctx *simulator.Context, req *types.ResetVM_Task) soap.HasFault {
	return &methods.ResetVM_TaskBody{Fault_: restricted()}
}

func (vm *restrictedVM) ReconfigVMTask(ctx *simulator.Context, req *types.ReconfigVM_Task) soap.HasFault {
	return &methods.ReconfigVM_TaskBody{Fault_: restricted()}
}

// A fresh client for each command: one kept open between commands can find its connection closed.
func command(ctx context.Context, server *url.URL, line string) (string, error) {
	client, err := govmomi.NewClient(ctx, server, true)
	if err != nil {
		return "", err
	}
	defer client.Logout(ctx)
	finder := find.NewFinder(client.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return "", err
	}
	finder.SetDatacenter(dc)
	words := strings.Fields(line)
	if len(words) < 2 {
		return "", fmt.Errorf("expected a command and a VM name")
	}
	ref, err := finder.VirtualMachine(ctx, words[1])
	if err != nil {
		return "", err
	}
	vm, ok := simulator.Map.Get(ref.Reference()).(*simulator.VirtualMachine)
	if !ok {
		return "", fmt.Errorf("%s is restricted", words[1])
	}
	switch words[0] {
	case "destroy":
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
			task, err := ref.PowerOff(ctx)
			if err != nil {
				return "", err
			}
			if err := task.Wait(ctx); err != nil {
				return "", err
			}
		}
		task, err := ref.Destroy(ctx)
		if err != nil {
			return "", err
		}
		return "", task.Wait(ctx)
	case "restrict":
		simulator.Map.Put(&restrictedVM{*vm}) //nolint:govet // the copy replaces the VM in the registry
		return "", nil
	case "boot":
		keys := []string{}
		if vm.Config.BootOptions != nil {
			for _, b := range vm.Config.BootOptions.BootOrder {
				if nic, ok := b.(*types.VirtualMachineBootOptionsBootableEthernetDevice); ok {
					keys = append(keys, fmt.Sprint(nic.DeviceKey))
				}
			}
		}
		return strings.Join(keys, ","), nil
	case "mac":
		if len(words) != 3 {
			return "", fmt.Errorf("mac needs a VM name and a MAC")
		}
		for _, d := range vm.Config.Hardware.Device {
			if nic, ok := d.(types.BaseVirtualEthernetCard); ok {
				card := *nic.GetVirtualEthernetCard()
				card.MacAddress = words[2]
				card.AddressType = string(types.VirtualEthernetCardMacTypeManual)
				change := &types.VirtualE1000{VirtualEthernetCard: card}
				spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
					&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: change},
				}}
				task, err := ref.Reconfigure(ctx, spec)
				if err != nil {
					return "", err
				}
				return "", task.Wait(ctx)
			}
		}
		return "", fmt.Errorf("%s has no network card", words[1])
	}
	return "", fmt.Errorf("unknown command %q", words[0])
}

func main() {
	listen := flag.String("l", "127.0.0.1:0", "address to listen on")
	user := flag.String("u", "", "the only user name accepted")
	pass := flag.String("p", "", "its password")
	cert := flag.String("cert", "", "PEM certificate to serve (https)")
	key := flag.String("key", "", "its PEM private key")
	esx := flag.Bool("esx", false, "a standalone ESXi instead of a vCenter")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	}
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	model.Service.Listen = &url.URL{Host: *listen}
	if *user != "" {
		model.Service.Listen.User = url.UserPassword(*user, *pass)
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	server := model.Service.NewServer()
	defer server.Close()
	fmt.Println(server.URL.String())

	ctx := context.Background()
	go func() {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			if out, err := command(ctx, server.URL, in.Text()); err != nil {
				fmt.Println("error:", err)
			} else {
				fmt.Println(strings.TrimSpace("ok " + out))
			}
		}
	}()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
