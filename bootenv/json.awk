# Prints the value of one top-level member of a JSON object (busybox awk):
#   awk -v key=image_url -f json.awk reply.json
# A string is printed decoded (escapes, \uXXXX as UTF-8, no trailing newline); any other value as its
# JSON text (true, 42, null, {"a":1}). Exit status: 0 found, 1 absent, 2 the text is not a JSON object.
# Lenient where that costs nothing (raw control characters inside strings pass through); strict
# enough that a truncated or HTML reply is refused rather than half read.

{ text = text $0 "\n" }

END {
    s = text; n = length(s); pos = 1
    skipws()
    if (substr(s, pos, 1) != "{") exit 2
    pos++
    skipws()
    if (substr(s, pos, 1) == "}") exit 1
    while (1) {
        skipws()
        if (substr(s, pos, 1) != "\"" || !readstring()) exit 2
        name = str
        skipws()
        if (substr(s, pos, 1) != ":") exit 2
        pos++
        skipws()
        start = pos
        if (substr(s, pos, 1) == "\"") {
            if (!readstring()) exit 2
            if (name == key) { printf "%s", str; exit 0 }
        } else {
            if (!skipvalue()) exit 2
            if (name == key) { printf "%s", substr(s, start, pos - start); exit 0 }
        }
        skipws()
        c = substr(s, pos, 1)
        pos++
        if (c == "}") exit 1
        if (c != ",") exit 2
    }
}

function skipws() {
    while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++
}

# At a '"': reads the string into the global str and moves past it. 0 when it does not end.
function readstring(    c, h, lo) {
    str = ""
    pos++
    while (pos <= n) {
        if (match(substr(s, pos), /^[^"\\]+/)) {
            str = str substr(s, pos, RLENGTH)
            pos += RLENGTH
        }
        c = substr(s, pos, 1)
        if (c == "\"") { pos++; return 1 }
        if (c != "\\") return 0
        c = substr(s, pos + 1, 1)
        pos += 2
        if (c == "n") str = str "\n"
        else if (c == "t") str = str "\t"
        else if (c == "r") str = str "\r"
        else if (c == "b") str = str "\b"
        else if (c == "f") str = str "\f"
        else if (c == "\"" || c == "\\" || c == "/") str = str c
        else if (c == "u") {
            h = hexval(substr(s, pos, 4))
            if (h < 0) return 0
            pos += 4
            # A UTF-16 surrogate pair is one character.
            if (h >= 55296 && h < 56320 && substr(s, pos, 2) == "\\u") {
                lo = hexval(substr(s, pos + 2, 4))
                if (lo >= 56320 && lo < 57344) {
                    h = 65536 + (h - 55296) * 1024 + (lo - 56320)
                    pos += 6
                }
            }
            if (h > 0) str = str utf8(h)
        } else return 0
    }
    return 0
}

# Moves past any JSON value. 0 when it is not one.
function skipvalue(    c, d, endc) {
    c = substr(s, pos, 1)
    if (c == "\"") return readstring()
    if (c == "{" || c == "[") {
        endc = (c == "{") ? "}" : "]"
        pos++
        skipws()
        if (substr(s, pos, 1) == endc) { pos++; return 1 }
        while (1) {
            skipws()
            if (c == "{") {
                if (substr(s, pos, 1) != "\"" || !readstring()) return 0
                skipws()
                if (substr(s, pos, 1) != ":") return 0
                pos++
                skipws()
            }
            if (!skipvalue()) return 0
            skipws()
            d = substr(s, pos, 1)
            pos++
            if (d == endc) return 1
            if (d != ",") return 0
        }
    }
    if (match(substr(s, pos), /^(true|false|null|-?[0-9][0-9.eE+-]*)/)) {
        pos += RLENGTH
        return 1
    }
    return 0
}

function hexval(h,    i, d, v) {
    if (length(h) != 4) return -1
    v = 0
    for (i = 1; i <= 4; i++) {
        d = index("0123456789abcdef", tolower(substr(h, i, 1)))
        if (d == 0) return -1
        v = v * 16 + d - 1
    }
    return v
}

function utf8(c) {
    if (c < 128) return sprintf("%c", c)
    if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
    if (c < 65536) return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
    return sprintf("%c%c%c%c", 240 + int(c / 262144), 128 + int(c / 4096) % 64, 128 + int(c / 64) % 64, 128 + c % 64)
}
