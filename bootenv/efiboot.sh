# UEFI boot options, for the deploy: the first boot of the installed system goes straight to the
# disk the image was written to. (Sourced by the agent; sh, busybox.)
#
# Why: a deployed machine that network-boots is told by iPXE that the network has nothing for it,
# and the firmware then walks the rest of its boot order before it reaches the disk: in OVMF, PXE
# over IPv6, HTTP boot over IPv4 (MetalDesk answers: iPXE again) and over IPv6, two minutes.
# BootNext holds for one boot only: later boots start from the network again, as MAAS wants.

EFI_GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
EFI_VARS=/sys/firmware/efi/efivars

# The PCI functions from the root bus down to disk $1, as UEFI device paths name them ("04.0",
# "1c.0/00.0": device.function, the bus numbers left out as UEFI leaves them out).
disk_pci_chain() {
    readlink -f "/sys/block/$1/device" | tr / '\n' |
        sed -n 's/^[0-9a-f]\{4\}:[0-9a-f]\{2\}:\([0-9a-f]\{2\}\)\.\([0-7]\)$/\1.\2/p' | paste -s -d /
}

# A variable's bytes (efivarfs: the 4 bytes of its attributes first) as hex, one line.
efi_var_hex() { od -An -v -tx1 "$EFI_VARS/$1-$EFI_GLOBAL" 2>/dev/null | tr -s ' \n' '  '; }

# What boot option $1 (0003) starts: "<active> <kind> <pci chain>", kind net (a MAC, IP or URI in
# its device path), fv (a file in the firmware: its shell, its menu) or disk.
boot_option_summary() {
    efi_var_hex "Boot$1" | awk '
        function hex(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 + index("0123456789abcdef", substr(s, 2, 1)) - 17 }
        {
            n = split($0, t, " ")
            for (i = 1; i <= n; i++) b[i - 1] = hex(t[i])
            if (n < 12) exit
            # attributes (4), then the load option: attributes (4), device path length (2), the
            # description in UCS-2 up to its 0x0000, then the device path nodes.
            active = b[4] % 2
            p = 10
            while (p + 1 < n && (b[p] != 0 || b[p + 1] != 0)) p += 2
            p += 2
            kind = "disk"; chain = ""
            while (p + 3 < n && b[p] != 127) {
                type = b[p]; sub_ = b[p + 1]; len = b[p + 2] + 256 * b[p + 3]
                if (len < 4) break
                if (type == 1 && sub_ == 1 && len >= 6)
                    chain = chain (chain == "" ? "" : "/") sprintf("%02x.%x", b[p + 5], b[p + 4])
                if (type == 3 && (sub_ == 11 || sub_ == 12 || sub_ == 13 || sub_ == 24)) kind = "net"
                if (type == 4 && (sub_ == 6 || sub_ == 7)) kind = "fv"
                p += len
            }
            print active, kind, (chain == "" ? "-" : chain)
        }'
}

# Sets BootNext to the first active boot option of BootOrder that starts disk $1 itself (its PCI
# device and no network node). Says why when it cannot: the machine then boots the long way.
boot_next_to_disk() {
    [ -d /sys/firmware/efi ] || return 0
    if [ ! -e "$EFI_VARS/BootOrder-$EFI_GLOBAL" ]; then
        insmod "/lib/modules/$(uname -r)/kernel/fs/efivarfs/efivarfs.ko" 2>/dev/null
        mount -t efivarfs efivarfs "$EFI_VARS" 2>/dev/null
    fi
    [ -e "$EFI_VARS/BootOrder-$EFI_GLOBAL" ] || { log "deploy: the firmware's boot order cannot be read; the first boot takes the firmware's way to the disk"; return 0; }
    want=$(disk_pci_chain "$1")
    [ -n "$want" ] || { log "deploy: /dev/$1 is not on PCI; the first boot takes the firmware's way to the disk"; return 0; }
    for option in $(efi_var_hex BootOrder | awk '{ for (i = 5; i < NF; i += 2) printf "%s%s\n", toupper($(i + 1)), toupper($i) }'); do
        read -r active kind chain <<EOF
$(boot_option_summary "$option")
EOF
        if [ "$active" = 1 ] && [ "$kind" = disk ] && [ "$chain" = "$want" ]; then
            # The value in little-endian after the attributes: non-volatile, boot and runtime access.
            lo=$(printf '%03o' $((0x${option#??})))
            hi=$(printf '%03o' $((0x${option%??})))
            printf "\\007\\000\\000\\000\\$lo\\$hi" >/tmp/bootnext
            # One write() of all six bytes: efivarfs takes a variable whole or not at all.
            if dd if=/tmp/bootnext of="$EFI_VARS/BootNext-$EFI_GLOBAL" bs=6 count=1 2>/dev/null; then
                log "deploy: the next boot starts Boot$option (the disk, PCI $want)"
            else
                log "deploy: the firmware refused BootNext; the first boot takes the firmware's way to the disk"
            fi
            return 0
        fi
    done
    log "deploy: no boot option of the firmware starts the disk (PCI $want) yet; the first boot takes the firmware's way to it"
}
