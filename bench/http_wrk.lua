-- bench/http_wrk.lua - the wrk script of bench/http.
--
-- Environment (wrk's Lua has no other way to reach done()):
--   WRK_OUT       where done() writes its figures, one JSON object
--   WRK_DELAY_MS  > 0: after each answer a connection waits on average this
--                 long before its next request (wrk 4.1 has no fixed-rate
--                 mode; C connections x D ms give about C x 1000 / D
--                 requests/s when the answers are fast).  Each pause is
--                 drawn uniformly from 0.5 D to 1.5 D: with a fixed D the
--                 connections, all opened at once, would stay in step and
--                 send their requests in bursts of C.  0 or unset: as fast
--                 as the server answers.
--
-- wrk measures a request's latency from the moment it is written to the
-- moment its answer is read, so the pause before it is not counted.

local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0") or 0

-- wrk decides whether to pace from whether `delay` exists at all; without
-- pacing there is no timer event between two requests.
if delay_ms > 0 then
	-- one seed per thread (each thread has its own Lua state and table)
	math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003))
	function delay()
		return math.floor(delay_ms * (0.5 + math.random()) + 0.5)
	end
end

local function num(x)
	if x == nil or x ~= x then
		return "null"
	end
	return string.format("%.3f", x)
end

function done(summary, latency, requests)
	local out = os.getenv("WRK_OUT")
	local e = summary.errors
	local p = {}
	for _, q in ipairs({ 50, 90, 99, 99.9, 99.99 }) do
		p[#p + 1] = string.format('"%s": %s', tostring(q), num(latency:percentile(q)))
	end
	local s = string.format(
		'{"duration_us": %d, "requests": %d, "bytes": %d, ' ..
		'"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
		'"latency_us": {"min": %s, "mean": %s, "stdev": %s, "max": %s, "p": {%s}}, ' ..
		'"delay_ms": %s}\n',
		summary.duration, summary.requests, summary.bytes,
		e.connect, e.read, e.write, e.status, e.timeout,
		num(latency.min), num(latency.mean), num(latency.stdev), num(latency.max),
		table.concat(p, ", "), num(delay_ms))
	if out and out ~= "" then
		local f = assert(io.open(out, "w"))
		f:write(s)
		f:close()
	else
		io.write(s)
	end
end
