# The machine's inventory as one line of JSON (busybox sh; sourced by the agent). Every string goes
# through json_string (printable ASCII, escaped), every number is computed by the shell, so the line
# always parses.

inventory_json() {
    _fw=bios
    [ -d /sys/firmware/efi ] && _fw=uefi

    _cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
    _cpu_count=$(grep -c '^processor' /proc/cpuinfo)

    # Memory: the online memory blocks give the installed size (MemTotal is that minus what the
    # firmware and the kernel keep); MemTotal when the kernel has no memory blocks.
    _mem=
    if [ -r /sys/devices/system/memory/block_size_bytes ]; then
        _block=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
        _online=$(cat /sys/devices/system/memory/memory*/state 2>/dev/null | grep -c '^online$')
        [ "$_online" -gt 0 ] && _mem=$((_online * _block / 1048576))
    fi
    [ -n "$_mem" ] || _mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)

    _disks=
    for _d in $(list_disks); do
        _s=/sys/block/$_d
        _model=$(attr "$_s/device/model")
        # virtio-blk: serial beside the disk; NVMe: on the controller; SCSI and SATA: VPD page 0x80,
        # a 4-byte header then the serial in ASCII.
        _serial=$(attr "$_s/serial")
        [ -n "$_serial" ] || _serial=$(attr "$_s/device/serial")
        [ -n "$_serial" ] || [ ! -r "$_s/device/vpd_pg80" ] ||
            _serial=$(clean "$(dd if="$_s/device/vpd_pg80" bs=1 skip=4 2>/dev/null)")
        _size=$(($(cat "$_s/size") * 512))
        _disks="$_disks${_disks:+,}{\"name\":$(json_string "$_d"),\"model\":$(json_string "$_model"),\"serial\":$(json_string "$_serial"),\"size_bytes\":$_size}"
    done

    _nics=
    for _n in /sys/class/net/*; do
        [ -e "$_n/device" ] || continue # lo, bridges, tunnels
        _driver=
        [ -e "$_n/device/driver" ] && _driver=$(basename "$(readlink "$_n/device/driver")")
        _link=false
        [ "$(cat "$_n/carrier" 2>/dev/null)" = 1 ] && _link=true
        # Mb/s; unreadable or -1 where there is no link or the NIC has no speed (virtio before 5.x).
        _speed=
        case "$(cat "$_n/speed" 2>/dev/null)" in
        '' | *[!0-9]* | 0) ;;
        *) _speed=",\"speed_mbps\":$(cat "$_n/speed")" ;;
        esac
        _nics="$_nics${_nics:+,}{\"mac\":$(json_string "$(attr "$_n/address")"),\"driver\":$(json_string "$_driver"),\"link\":$_link$_speed}"
    done

    _dmi=/sys/class/dmi/id
    printf '{"architecture":"amd64/generic","firmware":"%s","cpu":{"model":%s,"count":%d},"memory_mib":%d,"disks":[%s],"nics":[%s],"dmi":{"vendor":%s,"product":%s,"serial":%s},"boot_mac":%s}\n' \
        "$_fw" "$(json_string "$_cpu_model")" "$_cpu_count" "$_mem" "$_disks" "$_nics" \
        "$(json_string "$(attr $_dmi/sys_vendor)")" "$(json_string "$(attr $_dmi/product_name)")" \
        "$(json_string "$(attr $_dmi/product_serial)")" "$(json_string "$MD_BOOT_MAC")"
}

# Collects the inventory into /tmp/inventory.json and shows it on the console between two marker
# lines, so the console tells what was sent. The kernel's own messages are held back meanwhile, so
# none lands in the middle of the line.
show_inventory() {
    log "collecting the inventory"
    inventory_json >/tmp/inventory.json
    _level=$(awk '{ print $1 }' /proc/sys/kernel/printk)
    dmesg -n 1
    say "metaldesk: inventory begin" "$(cat /tmp/inventory.json)" "metaldesk: inventory end"
    dmesg -n "$_level"
}
