-- wrk script for the benchmarks: cycle through the paths in $WRK_PATHS (one per line, each
-- optionally followed by a tab and the ETag to send as If-None-Match) and print the results as
-- JSON for benchmarks/web.py.
local paths = {}
local tags = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  local path, tag = line:match("^([^\t]*)\t(.*)$")
  paths[#paths + 1] = path or line
  tags[#paths] = tag
end

function init(args)
  counter = 0
end

function request()
  counter = counter % #paths + 1
  if tags[counter] then
    return wrk.format("GET", paths[counter], {["If-None-Match"] = tags[counter]})
  end
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "errors": %d, "seconds": %.3f, "per_second": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6,
    math.floor(summary.requests / (summary.duration / 1e6)),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
