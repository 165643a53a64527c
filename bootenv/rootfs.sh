# Installing a root-filesystem image (MAAS's squashfs, a root tarball) the way MAAS's curtin does,
# without any package archive: a GPT disk that boots with BIOS and with UEFI, the root filesystem
# extracted onto ext4, the stream's own kernel and initrd with the modules taken out of the initrd,
# GRUB from this environment. Sourced by the agent; every
# failure goes through fail (common.sh). Layout (the GRUB images of tools/build-bootenv expect it):
#   1  BIOS boot partition, sectors 2048-4095 (GRUB's core.img)
#   2  EFI system partition, 100 MiB, FAT32 (\EFI\BOOT\BOOTX64.EFI and its grub.cfg)
#   3  the root, ext4, the rest of the disk (cloud-init's growpart has nothing left to grow)

TOOLS_LIB=/lib/x86_64-linux-gnu
GRUB_IMAGES=/lib/metaldesk/grub
TARGET=/mnt

# The name of partition $2 of disk $1: sda3, vda3, nvme0n1p3, mmcblk0p3.
partition_of() {
    case $1 in
        *[0-9]) echo "${1}p$2" ;;
        *) echo "$1$2" ;;
    esac
}

# The modules this environment loads only for this kind of deployment (loop, squashfs, vfat), in
# the order tools/build-bootenv resolved; one already loaded is fine.
load_on_demand() {
    while read -r _m; do
        case $_m in */efivarfs.ko) continue ;; esac # UEFI only: efiboot.sh loads it
        _out=$(insmod "/lib/modules/$_m" 2>&1) || case $_out in *exists*) ;; *) log "could not load $_m: $_out" ;; esac
    done </lib/modules/ondemand.order
}

# The tools from Debian's packages run with their own libraries (tools/build-bootenv).
tool() { LD_LIBRARY_PATH=$TOOLS_LIB "$@"; }

# fetch_file URL FILE WHAT [SHA256]: downloads URL to FILE; with a SHA-256, checks it.
fetch_file() {
    timeout 3600 wget -q -O "$2" $MD_WGET_TIMEOUT "$1" 2>/tmp/image.err ||
        fail "could not download $3 $(clean "$1") ($(wget_error /tmp/image.err $?)); check the image in MetalDesk"
    if [ -n "$4" ] && [ "$4" != null ]; then
        _sum=$(sha256sum "$2" | cut -d' ' -f1)
        [ "$_sum" = "$4" ] ||
            fail "$3 $(clean "$1") does not match its SHA-256 (got $_sum, the catalogue says $4); import the image again"
    fi
}

# Unpacks the initrd $1 into folder $2 as the kernel reads it: archives one after another, each
# uncompressed or compressed with gzip, xz or zstd. Ubuntu's and Debian's initrds with microcode
# start with an uncompressed archive of it (kernel/x86/microcode) and carry the rest compressed.
unpack_initrd() {
    mkdir -p "$2"
    _offset=0
    while :; do
        case $(tail -c +$((_offset + 1)) "$1" | od -An -tx1 -N4 | tr -d ' \n') in
            1f8b*) _cat="gunzip -c" initrd_compression=gzip initrd_config=CONFIG_RD_GZIP ;;
            fd377a58) _cat="unxz -c" initrd_compression=xz initrd_config=CONFIG_RD_XZ ;;
            28b52ffd) _cat="tool /usr/bin/zstd -dc" initrd_compression=zstd initrd_config=CONFIG_RD_ZSTD ;;
            30373037) _cat=cat initrd_compression=none initrd_config= ;;
            '') return 0 ;; # the end of the file
            *) fail "the image's boot-initrd holds an archive this environment cannot unpack (gzip, xz, zstd or cpio) at byte $_offset" ;;
        esac
        (cd "$2" && tail -c +$((_offset + 1)) "$1" | $_cat | cpio -id 2>/tmp/cpio.err) ||
            fail "the image's boot-initrd could not be unpacked ($(clean "$(tail -n1 /tmp/cpio.err)"))"
        # A compressed archive runs to the end of the file (the kernel would read further ones, but
        # no initramfs builder writes any); an uncompressed one ends at its trailer.
        [ "$_cat" = cat ] || return 0
        # An uncompressed archive with the modules is all this needs: no walk through its entries.
        ls -d "$2"/lib/modules/*/kernel "$2"/usr/lib/modules/*/kernel >/dev/null 2>&1 && return 0
        _offset=$(cpio_end "$1" "$_offset") ||
            fail "the image's boot-initrd has an uncompressed archive without its end (TRAILER!!!)"
    done
}

# cpio_end FILE OFFSET: where the newc archive starting at OFFSET ends, after its trailer and the
# zeros that pad it (the next archive's first byte).
cpio_end() {
    _at=$2
    while :; do
        _h=$(dd if="$1" bs=1 skip="$_at" count=110 2>/dev/null)
        case $_h in 07070[12]*) ;; *) return 1 ;; esac
        _size=$((0x${_h:54:8})) _namesize=$((0x${_h:94:8}))
        _name=$(dd if="$1" bs=1 skip=$((_at + 110)) count=$((_namesize - 1)) 2>/dev/null)
        _at=$(((_at + 110 + _namesize + 3) / 4 * 4))
        _at=$(((_at + _size + 3) / 4 * 4))
        [ "$_name" = 'TRAILER!!!' ] && break
    done
    # The zeros between archives, which the kernel skips, 4 KiB at a time.
    while :; do
        _zeros=$(dd if="$1" bs=1 skip="$_at" count=4096 2>/dev/null | od -An -v -tx1 |
            awk '{ for (i = 1; i <= NF; i++) { if ($i != "00") { print n + 0; done = 1; exit } n++ } } END { if (!done) print n + 0 }')
        _at=$((_at + _zeros))
        [ "$_zeros" -eq 4096 ] || break
    done
    echo "$_at"
}

# in_target COMMAND...: runs a command of the installed system, with its own PATH.
in_target() {
    chroot "$TARGET" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"
}

undo_target_mounts() {
    for _m in run sys proc dev/pts dev; do umount "$TARGET/$_m" 2>/dev/null; done
}

# install_root_image DISK FORMAT URL SHA256 KERNEL_URL KERNEL_SHA256 INITRD_URL INITRD_SHA256:
# leaves the installed system mounted on $TARGET for the agent to write its cloud-init configuration.
install_root_image() {
    disk=$1 format=$2 url=$3 sum=$4 kernel_url=$5 kernel_sum=$6 initrd_url=$7 initrd_sum=$8
    [ -n "$kernel_url" ] && [ "$kernel_url" != null ] && [ -n "$initrd_url" ] && [ "$initrd_url" != null ] ||
        fail "MetalDesk sent no kernel or initrd with the $format image; import the image again"
    sectors=$(cat "/sys/block/$disk/size")
    [ "$sectors" -gt 2097152 ] || fail "/dev/$disk ($(mib "$disk") MiB) is too small for a root filesystem (1 GiB at least)"
    load_on_demand

    log "deploy: partitioning /dev/$disk (GPT: BIOS boot, EFI system, root)"
    started=$(date +%s)
    quick_erase "$disk" || fail "could not clear /dev/$disk ($(clean "$(tail -n1 /tmp/dd.err)")); the disk may be failing"
    tool /sbin/sfdisk --quiet --wipe always "/dev/$disk" >/tmp/sfdisk.out 2>&1 <<EOF || fail "could not partition /dev/$disk ($(clean "$(tail -n1 /tmp/sfdisk.out)"))"
label: gpt
unit: sectors
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios"
start=4096, size=204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
start=208896, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
    esp=$(partition_of "$disk" 2)
    root=$(partition_of "$disk" 3)
    i=0
    while [ $i -lt 40 ] && ! [ -b "/dev/$root" ]; do usleep 100000; i=$((i + 1)); done
    [ -b "/dev/$root" ] || fail "the kernel shows no /dev/$root after partitioning /dev/$disk"
    root_uuid=$(cat /proc/sys/kernel/random/uuid)
    esp_id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
    tool /sbin/mkfs.vfat -F 32 -n ESP -i "$esp_id" "/dev/$esp" >/tmp/mkfs.out 2>&1 ||
        fail "could not make the EFI system partition on /dev/$esp ($(clean "$(tail -n1 /tmp/mkfs.out)"))"
    MKE2FS_CONFIG=/etc/mke2fs.conf tool /sbin/mke2fs -q -F -t ext4 -L root -U "$root_uuid" "/dev/$root" >/tmp/mkfs.out 2>&1 ||
        fail "could not make the root filesystem on /dev/$root ($(clean "$(tail -n1 /tmp/mkfs.out)"))"
    mount -t ext4 "/dev/$root" "$TARGET" || fail "could not mount the new root filesystem /dev/$root"

    log "deploy: extracting $(clean "$url") ($format) onto /dev/$root"
    progress_ticker "$disk" "deploy" &
    ticker=$!
    case $format in
        squashfs)
            # Kept on the target itself while it is copied: RAM need not hold it.
            fetch_file "$url" "$TARGET/.metaldesk-image" "the image" "$sum"
            mkdir -p /run/image
            mount -t squashfs -o loop,ro "$TARGET/.metaldesk-image" /run/image ||
                { kill "$ticker"; fail "the image $(clean "$url") is not a squashfs this kernel can read"; }
            # tar keeps hard links, owners, modes and times; a pipe needs no room for a copy.
            (
                set -o pipefail
                (cd /run/image && tar -cf - . 2>/tmp/tar.err) | (cd "$TARGET" && tar -xf - 2>>/tmp/tar.err)
            )
            rc=$?
            umount /run/image
            rm -f "$TARGET/.metaldesk-image"
            ;;
        root-tgz)
            (
                set -o pipefail
                timeout 3600 wget -q -O - $MD_WGET_TIMEOUT "$url" 2>/tmp/image.err | gunzip -c 2>/tmp/tar.err |
                    (cd "$TARGET" && tar -xf - 2>>/tmp/tar.err)
            )
            rc=$?
            [ -s /tmp/image.err ] && { kill "$ticker"; fail "could not download the image $(clean "$url") ($(wget_error /tmp/image.err 1)); check the image in MetalDesk"; }
            ;;
        *) kill "$ticker"; fail "MetalDesk sent an image of format '$(clean "$format")', which this environment cannot install" ;;
    esac
    kill "$ticker" 2>/dev/null
    [ $rc -eq 0 ] || fail "extracting the image onto /dev/$root failed ($(clean "$(tail -n1 /tmp/tar.err)")); the disk may be full or failing"
    [ -d "$TARGET/etc" ] && [ -x "$TARGET/usr/bin/env" ] || fail "the image $(clean "$url") holds no root filesystem (no /etc, no /usr/bin/env)"
    log "deploy: image extracted, $(($(df -m "$TARGET" | awk 'NR == 2 { print $3 }'))) MiB, in $(($(date +%s) - started)) s"

    # The kernel from the stream, its modules out of the initrd (MAAS's images hold none).
    fetch_file "$initrd_url" /tmp/boot-initrd "the boot-initrd" "$initrd_sum"
    fetch_file "$kernel_url" /tmp/boot-kernel "the boot-kernel" "$kernel_sum"
    unpack_initrd /tmp/boot-initrd /tmp/initrd-tree
    # The initrd says which kernel it is for (lib/modules/<version>), and carries its modules: all
    # of them for a MAAS image, whose root has none. A root tarball of an installed system has its
    # whole tree for that version, which keeps what it has and gains the initrd's.
    kver= modules=
    for _dir in /tmp/initrd-tree/lib/modules/* /tmp/initrd-tree/usr/lib/modules/*; do
        [ -d "$_dir" ] && kver=${_dir##*/} modules=$_dir && break
    done
    [ -n "$kver" ] || fail "the image's boot-initrd names no kernel version (lib/modules/<version>)"
    mkdir -p "$TARGET/lib/modules" "$TARGET/boot"
    if [ -d "$modules/kernel" ]; then
        cp -a "$modules" "$TARGET/lib/modules/" || fail "could not copy the kernel's modules into the installed system"
    elif [ ! -d "$TARGET/lib/modules/$kver/kernel" ] && [ ! -d "$TARGET/usr/lib/modules/$kver/kernel" ]; then
        fail "neither the image's boot-initrd nor its root holds the modules of kernel $kver"
    fi
    cp /tmp/boot-kernel "$TARGET/boot/vmlinuz-$kver" && cp /tmp/boot-initrd "$TARGET/boot/initrd.img-$kver" ||
        fail "could not write the kernel into the installed system's /boot"
    rm -rf /tmp/initrd-tree /tmp/boot-kernel

    root_fstab="UUID=$root_uuid / ext4 errors=remount-ro 0 1"
    esp_fstab="UUID=$(echo "$esp_id" | cut -c1-4)-$(echo "$esp_id" | cut -c5-8) /boot/efi vfat umask=0077,nofail 0 2"
    mkdir -p "$TARGET/boot/efi"
    printf '# Written by MetalDesk at deployment\n%s\n%s\n' "$root_fstab" "$esp_fstab" >"$TARGET/etc/fstab"

    # The stream's boot-initrd is the installed system's initramfs: its builder made it for this
    # kernel, with the modules. Making another inside the target (update-initramfs, MODULES=most)
    # took 81 s on this project's build host and would take many minutes under TCG, for the same
    # modules. The stream carries no kernel configuration, which update-initramfs reads to check
    # that the kernel unpacks its compression: without one, the installed system's own later
    # updates (a package's trigger) would fail, so a minimal one says what this kernel is known to
    # unpack (its boot-initrd's compression). The kernel package, when installed, replaces it.
    if [ ! -e "$TARGET/boot/config-$kver" ]; then
        {
            echo "# Written by MetalDesk at deployment: the image stream has no kernel configuration."
            echo "# This kernel boots its initrd compressed with $initrd_compression, so update-initramfs may use it."
            echo "CONFIG_BLK_DEV_INITRD=y"
            [ -n "$initrd_config" ] && echo "$initrd_config=y"
        } >"$TARGET/boot/config-$kver"
    fi
    mkdir -p "$TARGET/dev" "$TARGET/proc" "$TARGET/sys" "$TARGET/run" &&
        mount --bind /dev "$TARGET/dev" && mount -t proc proc "$TARGET/proc" && mount -t sysfs sysfs "$TARGET/sys" &&
        mount -t tmpfs tmpfs "$TARGET/run" || { undo_target_mounts; fail "could not prepare the installed system to run its own tools"; }
    in_target depmod -a "$kver" >/tmp/depmod.out 2>&1 || log "deploy: depmod in the installed system said: $(clean "$(tail -n1 /tmp/depmod.out)")"
    undo_target_mounts
    rm -f /tmp/boot-initrd

    # GRUB: the BIOS half in the MBR and the BIOS boot partition, the UEFI half as the removable
    # path on the ESP; one configuration, beside each.
    cat >/tmp/grub.cfg <<EOF
# Written by MetalDesk at deployment. The kernel is the image's (boot-kernel); a new kernel
# installed later needs this file changed too.
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1
search --no-floppy --fs-uuid --set=root $root_uuid
linux /boot/vmlinuz-$kver root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200
initrd /boot/initrd.img-$kver
boot
EOF
    mkdir -p "$TARGET/boot/grub" && cp /tmp/grub.cfg "$TARGET/boot/grub/grub.cfg" ||
        fail "could not write GRUB's configuration into the installed system"
    dd if="$GRUB_IMAGES/bios-boot.img" of="/dev/$disk" bs=440 count=1 conv=notrunc,fsync 2>/tmp/dd.err &&
        dd if="$GRUB_IMAGES/bios-core.img" of="/dev/$disk" bs=512 seek=2048 conv=notrunc,fsync 2>/tmp/dd.err ||
        fail "could not write GRUB for BIOS to /dev/$disk ($(clean "$(tail -n1 /tmp/dd.err)"))"
    mkdir -p /run/esp
    mount -t vfat "/dev/$esp" /run/esp || fail "could not mount the new EFI system partition /dev/$esp"
    # shim (signed by Microsoft) as the removable path's loader, Debian's signed GRUB beside it:
    # the installed system boots with Secure Boot on or off.
    mkdir -p /run/esp/EFI/BOOT && cp "$GRUB_IMAGES/shimx64.efi" /run/esp/EFI/BOOT/BOOTX64.EFI &&
        cp "$GRUB_IMAGES/grubx64.efi" /run/esp/EFI/BOOT/grubx64.efi && cp /tmp/grub.cfg /run/esp/EFI/BOOT/grub.cfg
    rc=$?
    umount /run/esp
    [ $rc -eq 0 ] || fail "could not write GRUB for UEFI to /dev/$esp"
    sync
    log "deploy: installed $kver with GRUB for BIOS and UEFI in $(($(date +%s) - started)) s"
}
