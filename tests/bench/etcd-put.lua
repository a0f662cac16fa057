-- wrk script: etcd v3 JSON gateway puts, the same shape as `raftctl bench`'s writes:
-- 16-byte keys drawn uniformly from 10000 (zero-padded numbers), 256-byte values.
-- Each wrk connection has one request in flight at a time (HTTP/1.1 keep-alive, no pipelining),
-- so N connections are N closed-loop clients. KEY_SPACE, KEY_SIZE and VALUE_SIZE may be set in the environment;
-- OP=range makes each request a linearizable read of one key instead (/v3/kv/range, serializable false: etcd confirms
-- its leadership with a ReadIndex round, as RaftKv's linearizable reads do).

local key_space = tonumber(os.getenv("KEY_SPACE") or "10000")
local key_size = tonumber(os.getenv("KEY_SIZE") or "16")
local value_size = tonumber(os.getenv("VALUE_SIZE") or "256")
local op = os.getenv("OP") or "put"

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = alphabet:sub(c1 + 1, c1 + 1) .. alphabet:sub(c2 + 1, c2 + 1)
      .. (b and alphabet:sub(c3 + 1, c3 + 1) or "=") .. (c and alphabet:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

local value = {}
for i = 0, value_size - 1 do
  value[#value + 1] = string.char(97 + (i * 7) % 26)
end
local value64 = base64(table.concat(value))

local keys = {}
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  -- Each thread has its own Lua state: encode the keys once per thread, not per request.
  for k = 0, key_space - 1 do
    keys[k] = base64(string.format("%0" .. key_size .. "d", k))
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  local k = keys[math.random(0, key_space - 1)]
  if op == "range" then
    return wrk.format("POST", "/v3/kv/range", headers, '{"key":"' .. k .. '"}')
  end
  return wrk.format("POST", "/v3/kv/put", headers, '{"key":"' .. k .. '","value":"' .. value64 .. '"}')
end

function done(summary, latency, requests)
  -- One machine-readable line for compare-etcd.sh; latencies in microseconds.
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"errors":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d,"minUs":%d}\n',
    summary.requests, summary.duration, errors,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.min))
end
