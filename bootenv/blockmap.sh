# Writing a whole-disk image by its block map (bootenv/README.md, "Block maps"): only the ranges
# where the image holds data come over the network, fetched with HTTP ranges from the raw image
# MetalDesk keeps beside the compressed one, and are written at their offsets; the rest of the
# image's extent on the disk is zeroed with BLKZEROOUT, which most disks do without writing.
# Nothing is decompressed here: under emulation that was most of a deployment.

# range_write DISK URL OFFSET LENGTH: writes bytes OFFSET..OFFSET+LENGTH-1 of URL (http://) at
# OFFSET on DISK. busybox's wget refuses a 206 answer to a Range it did not make itself, so nc
# connects and runs rangewrite.sh on the connection (see there). Fails with the reason in
# /tmp/range.err (the answer) or /tmp/dd.err (the write).
range_write() {
    _rest=${2#http://}
    _hostport=${_rest%%/*}
    _host=${_hostport%:*}
    _port=80
    [ "$_hostport" != "$_host" ] && _port=${_hostport##*:}
    rm -f /tmp/range.err /tmp/dd.err
    nc -w 10 "$_host" "$_port" -e /bin/sh /lib/metaldesk/rangewrite.sh "/${_rest#*/}" "$_hostport" "$3" "$4" \
        "/dev/$1" 2>>/tmp/range.err
}

# write_block_map DISK RAW_URL MAP_URL MAP_SHA256 IMAGE_URL: writes the image to DISK by its map,
# then mounts the installed system's root on /mnt as write_whole_disk does. The map is checked
# against the SHA-256 MetalDesk sent, and what is on the disk afterwards against the map's
# data-sha256: each range is read back and hashed while the next one is written.
write_block_map() {
    log "deploy: writing $(clean "$5") to /dev/$1 ($(mib "$1") MiB) by its block map"
    started=$(date +%s)
    fetch_file "$3" /tmp/image.bmap "the block map" "$4"
    size=$(awk '$1 == "size" { print $2 }' /tmp/image.bmap)
    want_sum=$(awk '$1 == "data-sha256" { print $2 }' /tmp/image.bmap)
    [ "$size" -le $(($(cat "/sys/block/$1/size") * 512)) ] ||
        fail "the image is larger than /dev/$1 ($(mib "$1") MiB); choose a bigger disk or a smaller image"

    # The gaps between the ranges, and after the last up to the image's size, must read as zeros.
    awk -v size="$size" '$1 == "range" { if ($2 > end) print end, $2 - end; end = $2 + $3 }
        END { if (size > end) print end, size - end }' /tmp/image.bmap >/tmp/image.gaps
    zeroed=0
    while read -r off len; do
        tool /sbin/blkdiscard -f -z -o "$off" -l "$len" "/dev/$1" 2>/tmp/zero.err ||
            fail "could not zero /dev/$1 where the image holds no data ($(clean "$(tail -n1 /tmp/zero.err)")); the disk may be failing"
        zeroed=$((zeroed + len))
    done </tmp/image.gaps

    progress_ticker "$1" "deploy" &
    ticker=$!
    awk '$1 == "range" { print $2, $3 }' /tmp/image.bmap >/tmp/image.ranges
    rm -f /tmp/image.failed
    # Left: each range written, then named on stdout. Right: each named range read back from the
    # disk (its page cache, mostly) into one sha256sum, on the other CPU.
    while read -r off len; do
        if ! range_write "$1" "$2" "$off" "$len"; then
            if grep -q 'No space left' /tmp/dd.err 2>/dev/null; then
                echo "the image is larger than /dev/$1" >/tmp/image.failed
            elif [ -s /tmp/dd.err ]; then
                echo "write $(tail -n1 /tmp/dd.err)" >/tmp/image.failed
            else
                echo "download $(tail -n1 /tmp/range.err 2>/dev/null)" >/tmp/image.failed
            fi
            break
        fi
        echo "$off $len"
    done </tmp/image.ranges | while read -r off len; do
        dd if="/dev/$1" bs=1M skip="$off" count="$len" iflag=skip_bytes,count_bytes 2>/dev/null
    done | sha256sum >/tmp/image.sum
    kill "$ticker" 2>/dev/null
    sync
    if [ -s /tmp/image.failed ]; then
        why=$(cat /tmp/image.failed)
        case $why in
            "the image is larger"*)
                fail "the image is larger than /dev/$1 ($(mib "$1") MiB); choose a bigger disk or a smaller image" ;;
            write*)
                fail "writing the image to /dev/$1 failed ($(clean "${why#write }")); the disk may be failing" ;;
            *)
                fail "could not download the image $(clean "$2") ($(clean "${why#download }")); check the image in MetalDesk" ;;
        esac
    fi
    got_sum=$(cut -d' ' -f1 /tmp/image.sum 2>/dev/null)
    what="the image"
    [ "$got_sum" = "$want_sum" ] ||
        fail "$what $(clean "$5") does not match its SHA-256 (got ${got_sum:-nothing}, the catalogue says $(clean "$want_sum")); import the image again"
    data=$(awk '{ n += $2 } END { print int(n / 1048576) }' /tmp/image.ranges)
    log "deploy: the disk holds what the catalogue's SHA-256 says (read back, its block map's data)"
    log "deploy: wrote $data MiB of data and zeroed $((zeroed / 1048576)) MiB in $(($(date +%s) - started)) s"
    mount_installed_root "$1"
}
