-- notes.lua - wrk script for the note ingest rows (tests/bench/notes.sh).
--
--   wrk ... -s notes.lua URL -- MODE TEMPLATE TAG
--
-- MODE batch: POST /v1/notes with {"notes":[100 notes]} in msgpack;
--      a reply counts as good when it is 200 and names 100 results
--      "stored" (every reply is checked, not a sample).
-- MODE single: POST /v1/notes with one note in msgpack; good when 201.
-- TEMPLATE: one note in canonical msgpack whose id is the placeholder
--      IDQQQQQQQQQQQQQQQQQQQQ and whose child_ref is CRZZZZZZZZZZZZZZZZZZZZZZ
--      (22 and 24 bytes). Every note sent gets id TAG..TT..NNNNNNNNNNNN
--      (TAG 8 bytes, TT the wrk thread, N a counter) and child_ref
--      "C-" .. id, so ids and children are unique.
-- Ids may skip: wrk calls request() again when the first write of a
-- request would block, and the body built before is dropped unsent.
-- (So this script cannot stop after an exact number of notes; load.py
-- fills the stores of the scale row.)
-- done() prints the first and last stored id of each thread (from the
-- replies) for notes.sh to read back.
-- Replies are asked for in JSON (Accept) so they can be checked here.

local counter = 0
local threads = {}

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local ID_PH = "IDQQQQQQQQQQQQQQQQQQQQ"
local CR_PH = "CRZZZZZZZZZZZZZZZZZZZZZZ"
local BATCH_HEAD = "\129\165notes\220\000\100" -- {"notes": [100 items]}

function init(args)
	mode, tag = args[1], args[3]
	local f = assert(io.open(args[2], "rb"))
	local t = f:read("*a")
	f:close()
	local a, b = t:find(ID_PH, 1, true)
	local c, d = t:find(CR_PH, 1, true)
	assert(a and c and b < c, "template placeholders not found")
	pre, mid, post = t:sub(1, a - 1), t:sub(b + 1, c - 1), t:sub(d + 1)
	assert(#tag == 8, "TAG must be 8 bytes")
	n, good, bad, stored = 0, 0, 0, 0
	sample, first_id, last_id = "", "", ""
	wrk.method = "POST"
	wrk.path = "/v1/notes"
	wrk.headers["Content-Type"] = "application/msgpack"
	wrk.headers["Accept"] = "application/json"
end

local function note()
	n = n + 1
	local id = string.format("%s%02d%012d", tag, tid, n)
	return pre .. id .. mid .. "C-" .. id .. post
end

local parts = {}

function request()
	local body
	if mode == "batch" then
		parts[1] = BATCH_HEAD
		for i = 1, 100 do
			parts[i + 1] = note()
		end
		body = table.concat(parts)
	else
		body = note()
	end
	return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
	local ok
	if mode == "batch" then
		local _, k = body:gsub('"result":"stored"', "")
		stored = stored + k
		ok = status == 200 and k == 100
	else
		ok = status == 201
		if ok then stored = stored + 1 end
	end
	if ok then
		good = good + 1
		last_id = body:match('"id":"([^"]+)"') or ""
		if first_id == "" then first_id = last_id end
	else
		bad = bad + 1
		if sample == "" then
			sample = status .. " " .. body:sub(1, 300):gsub("%s+", " ")
		end
	end
end

function done(summary, latency, requests)
	local g, b, s, smp, ids = 0, 0, 0, "", ""
	for _, t in ipairs(threads) do
		ids = ids .. " " .. t:get("first_id") .. " " .. t:get("last_id")
		g = g + t:get("good")
		b = b + t:get("bad")
		s = s + t:get("stored")
		if smp == "" then smp = t:get("sample") end
	end
	io.write(string.format("NOTES good=%d bad=%d stored=%d secs=%.3f p50ms=%.2f p99ms=%.2f errors=%d\n",
		g, b, s, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
	io.write("NOTES stored ids to read back:" .. ids .. "\n")
	if smp ~= "" then
		io.write("NOTES first bad reply: " .. smp .. "\n")
	end
end
