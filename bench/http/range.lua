-- wrk: GETs of random 1 MiB ranges of one file (FILE_SIZE bytes, from the environment), and at
-- the end one machine-readable line: requests, bytes, microseconds, errors.
local size = tonumber(os.getenv("FILE_SIZE"))
local chunk = 1024 * 1024
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
end

function init(args)
    math.randomseed(os.time() * 1000 + id)
end

function request()
    local first = math.random(0, size - chunk)
    return wrk.format("GET", nil, { ["Range"] = "bytes=" .. first .. "-" .. (first + chunk - 1) })
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %d %d %d %d\n", summary.requests, summary.bytes, summary.duration,
        e.connect + e.read + e.write + e.status + e.timeout))
end
