# Shared by /init and the agent (busybox sh): logging to the console, JSON text, the calls to
# MetalDesk's metadata service, failing and powering off. Sourced, never run.
#
# What /init exports and everything here reads:
#   MD_PURPOSE MD_MAC MD_METADATA MD_TOKEN MD_ERASE   from the kernel command line
#   MD_CONSOLES    the consoles the kernel writes to (/sys/class/tty/console/active)
#   MD_NET_UP      1 once DHCP gave an address;  MD_BOOT_MAC  the MAC of the NIC that got it
#   MD_WATCHDOG    the PID of the watchdog that powers off a run that takes too long

MD_LIB=/lib/metaldesk

# One line "metaldesk: ..." on every console (the serial port and the screen), so that a serial log
# or a monitor tells what happened. Never the credential.
log() {
    _wrote=
    for _c in $MD_CONSOLES; do
        [ -c "/dev/$_c" ] && echo "metaldesk: $*" >"/dev/$_c" 2>/dev/null && _wrote=1
    done
    [ -n "$_wrote" ] || echo "metaldesk: $*" >/dev/console 2>/dev/null || echo "metaldesk: $*"
}

# Lines as they are (the inventory), on the same consoles.
say() {
    _wrote=
    for _c in $MD_CONSOLES; do
        [ -c "/dev/$_c" ] && printf '%s\n' "$@" >"/dev/$_c" 2>/dev/null && _wrote=1
    done
    [ -n "$_wrote" ] || printf '%s\n' "$@" >/dev/console 2>/dev/null || printf '%s\n' "$@"
}

# Printable ASCII only, blanks trimmed: what sysfs, DMI and error messages give is made safe to
# embed in JSON and in a console line (DMI strings may hold any byte).
clean() {
    printf '%s' "$1" | tr '\t\r\n' '   ' | tr -cd ' -~' | sed 's/^ *//; s/ *$//'
}

# The first line of a file (sysfs attribute), cleaned; empty when unreadable.
attr() {
    [ -r "$1" ] || return 0
    clean "$(head -n1 "$1" 2>/dev/null)"
}

# A JSON string literal for $1.
json_string() {
    printf '"%s"' "$(clean "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# The value of a top-level member of the JSON object in file $2: strings decoded, anything else as
# its JSON text. Status 0 when found, 1 when absent, 2 when the file is not a JSON object.
json_get() {
    awk -v key="$1" -f "$MD_LIB/json.awk" "$2"
}

# --- the metadata service -------------------------------------------------------------------------

# busybox wget has -T (network timeout) only when built with it.
if wget --help 2>&1 | grep -q -- '-T SEC'; then MD_WGET_TIMEOUT="-T 60"; else MD_WGET_TIMEOUT=; fi

nonce() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# OAuth 1.0 PLAINTEXT, as MAAS's metadata clients sign: the consumer secret is empty, so the
# signature is "&" + token secret.
oauth_header() {
    _ck=${MD_TOKEN%%:*}
    _rest=${MD_TOKEN#*:}
    _tk=${_rest%%:*}
    _ts=${_rest#*:}
    printf 'OAuth oauth_version="1.0", oauth_signature_method="PLAINTEXT", oauth_consumer_key="%s", oauth_token="%s", oauth_signature="&%s", oauth_nonce="%s", oauth_timestamp="%s"' \
        "$_ck" "$_tk" "$_ts" "$(nonce)" "$(date +%s)"
}

# wget's own words for what went wrong (its last message), or a sentence when it said nothing.
wget_error() {
    _e=$(grep -v '^ *$' "$1" 2>/dev/null | tail -n1 | sed 's/^wget: //')
    case $2 in
        143|137) _e="no answer within 60 seconds" ;;
    esac
    [ -n "$_e" ] || _e="wget failed with status $2"
    clean "$_e"
}

# http_call GET|POST PATH [BODY_FILE]: calls MetalDesk at MD_METADATA + PATH, with this node's
# credential when it has one; POST sends BODY_FILE as JSON. The reply's body lands in /tmp/reply.
# On failure HTTP_ERROR says why (wget's message: "can't connect to remote host (...): Connection
# refused", "server returned error: HTTP/1.1 404 Not Found") and HTTP_URL what was called.
http_call() {
    HTTP_URL=$MD_METADATA$2
    HTTP_ERROR=
    _body=${3:-}
    set -- -q -O /tmp/reply $MD_WGET_TIMEOUT --header "Accept: application/json"
    [ -n "$MD_TOKEN" ] && set -- "$@" --header "Authorization: $(oauth_header)"
    [ -n "$_body" ] && set -- "$@" --header "Content-Type: application/json" --post-file "$_body"
    rm -f /tmp/reply
    if timeout 60 wget "$@" "$HTTP_URL" 2>/tmp/wget.err; then
        [ -e /tmp/reply ] || : >/tmp/reply
        return 0
    else
        _rc=$?
    fi
    HTTP_ERROR=$(wget_error /tmp/wget.err "$_rc")
    return 1
}

# A sentence a user can act on, for a failed http_call; $1 says what was being done.
http_failure() {
    case $HTTP_ERROR in
        *"HTTP/"*" 401"*|*"HTTP/"*" 403"*)
            echo "MetalDesk refused this machine's credential ($HTTP_ERROR) when trying to $1; start the action again from MetalDesk" ;;
        *"HTTP/"*)
            echo "MetalDesk answered $HTTP_URL with an error ($HTTP_ERROR) when trying to $1; see MetalDesk's log" ;;
        *)
            echo "could not $1: $HTTP_URL: $HTTP_ERROR; check that MetalDesk is running and that this machine's network reaches it" ;;
    esac
}

# report_status ok | report_status failed "reason": POST metaldesk/v1/status.
report_status() {
    if [ "$1" = ok ]; then
        printf '{"purpose":%s,"result":"ok"}' "$(json_string "$MD_PURPOSE")" >/tmp/status.json
    else
        printf '{"purpose":%s,"result":"failed","reason":%s}' "$(json_string "$MD_PURPOSE")" \
            "$(json_string "$2")" >/tmp/status.json
    fi
    http_call POST metaldesk/v1/status /tmp/status.json
}

# --- ending -----------------------------------------------------------------------------------------

power_off() {
    log "powering off"
    sync
    poweroff -f
    # Only when the firmware refused: the kernel's own way, then wait for the end.
    echo o >/proc/sysrq-trigger 2>/dev/null
    while :; do sleep 3600; done
}

# fail "sentence": says it on the console, reports it to MetalDesk when the network is up and this
# node has a credential (so the machine shows the reason), and powers off. Never returns.
fail() {
    log "failed: $1"
    if [ -n "$MD_NET_UP" ] && [ -n "$MD_TOKEN" ] && [ -n "$MD_METADATA" ]; then
        if report_status failed "$1"; then
            log "reported the failure to MetalDesk"
        else
            log "could not report the failure to MetalDesk either ($HTTP_ERROR)"
        fi
    fi
    power_off
}

# A root shell on the console, for rescue and for "keep powered on after commissioning"; it comes
# back when someone leaves it. The watchdog is stopped first: this is meant to stay up.
console_shell() {
    [ -n "$MD_WATCHDOG" ] && kill "$MD_WATCHDOG" 2>/dev/null
    export PS1='metaldesk# '
    while :; do
        setsid cttyhack sh -l </dev/console >/dev/console 2>&1
        log "the console shell ended; starting another (type 'poweroff -f' to switch off)"
        sleep 1
    done
}

# --- disks --------------------------------------------------------------------------------------------

# The machine's disks, one name a line, in /sys/block order (alphabetical): real block devices only
# (no loop, RAM, optical, device-mapper, RAID, zram, floppy or network devices).
list_disks() {
    for _d in /sys/block/*; do
        [ -e "$_d/device" ] || continue
        case ${_d##*/} in
            loop* | ram* | sr* | dm-* | md* | zram* | fd* | nbd* | mmcblk*boot* | mmcblk*rpmb) continue ;;
        esac
        echo "${_d##*/}"
    done
}

# The partitions of disk $1, one name a line.
list_partitions() {
    for _p in /sys/block/"$1"/"$1"*; do
        [ -e "$_p/partition" ] && echo "${_p##*/}"
    done
}

# Sectors (512 bytes) the kernel has written to disk $1 since boot.
written_sectors() { awk '{ print $7 }' "/sys/block/$1/stat"; }

# Logs how much has been written to disk $1 every 15 s until killed (long writes and erases).
progress_ticker() {
    _start=$(written_sectors "$1")
    while sleep 15; do
        log "$2: $(( ($(written_sectors "$1") - _start) / 2048 )) MiB written to /dev/$1 so far"
    done
}
