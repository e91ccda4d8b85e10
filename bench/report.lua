-- Shared by every wrk script of `make bench` (bench/run.py prepends it): one
-- machine-readable line at the end, latencies in microseconds.
local bench_threads = {}
local bench_counter = 0

function setup(thread)
   bench_counter = bench_counter + 1
   thread:set("id", bench_counter)
   table.insert(bench_threads, thread)
end

function done(summary, latency, requests)
   local exhausted = 0
   for _, thread in ipairs(bench_threads) do
      exhausted = exhausted + (thread:get("exhausted") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
      '"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"exhausted":%d}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max, exhausted))
end
