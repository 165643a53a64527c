# Run by `nc -e` (blockmap.sh's range_write) with the connection to MetalDesk's HTTP boot server on
# stdin and stdout: asks for one range of a raw image and writes the answer's body at its offset
# on the disk. dd reads the socket itself, a MiB at a time: busybox's nc and tee copy 1 KiB per
# system call, which under emulation cost more than the disk.
# Arguments: PATH HOST[:PORT] OFFSET LENGTH DEVICE. Exit 1: the answer is not that range (why on
# stderr); 2: the write failed (dd's words in /tmp/dd.err). A body cut short leaves old bytes
# where the rest belongs, which the read-back SHA-256 finds.
path=$1 host=$2 off=$3 len=$4 dev=$5
last=$((off + len - 1))
printf 'GET %s HTTP/1.1\r\nHost: %s\r\nRange: bytes=%s-%s\r\nConnection: close\r\n\r\n' "$path" "$host" "$off" "$last"
# read takes one byte at a time from a socket: the body is left whole for dd.
read -r proto status reason
range= length=
while read -r line; do
    line=${line%"$(printf '\r')"}
    [ -z "$line" ] && break
    case $line in
        [Cc]ontent-[Rr]ange:*) range=${line#*: } ;;
        [Cc]ontent-[Ll]ength:*) length=${line#*: } ;;
    esac
done
if [ "$status" != 206 ] || [ "$range" != "bytes $off-$last/${range##*/}" ] || [ "$length" != "$len" ]; then
    echo "the server answered ${status:-nothing} ${reason%?} for bytes $off-$last (Content-Range: ${range:-none})" >&2
    exit 1
fi
dd of="$dev" bs=1M seek="$off" oflag=seek_bytes conv=notrunc 2>/tmp/dd.err || exit 2
