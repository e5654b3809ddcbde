-- notes.lua - wrk script for the note ingest rows (tests/bench/notes.sh).
--
--   wrk ... -s notes.lua URL -- MODE TEMPLATE TAG
--
-- MODE batch: POST {"notes":[100 notes]} in msgpack (TEMPLATE msgpack);
--      a reply counts as good when it is 200 and names 100 results
--      "stored" (every reply is checked, not a sample).
-- MODE json: the same in JSON ({"notes":[...]}, TEMPLATE one JSON note).
-- MODE single: POST one note in msgpack; good when 201.
-- MODE couch: POST {"docs":[100 documents]} to a CouchDB-compatible
--      /DB/_bulk_docs (TEMPLATE one JSON document); good when 201 and all
--      100 per-document results are "ok":true with no "error".
-- TEMPLATE: one note whose id is the placeholder IDQQQQQQQQQQQQQQQQQQQQ
--      and whose child_ref is CRZZZZZZZZZZZZZZZZZZZZZZ (22 and 24 bytes;
--      each may appear more than once, as the couch document's _id and
--      id do). Every note sent gets id TAG..TT..NNNNNNNNNNNN (TAG 8 bytes,
--      TT the wrk thread, N a counter) and child_ref "C-" .. id, so ids
--      and children are unique.
-- Ids may skip: wrk calls request() again when the first write of a
-- request would block, and the body built before is dropped unsent.
-- (So this script cannot stop after an exact number of notes; load.py
-- fills the stores of the scale row.)
-- done() prints the first and last stored id of each thread (from the
-- replies) for notes.sh to read back.
-- fieldnote's replies are asked for in JSON (Accept) so they can be
-- checked here.

local counter = 0
local threads = {}

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local ID_PH = "IDQQQQQQQQQQQQQQQQQQQQ"
local CR_PH = "CRZZZZZZZZZZZZZZZZZZZZZZ"
local MP_HEAD = "\129\165notes\220\000\100" -- {"notes": [100 items]}
local heads = { batch = MP_HEAD, json = '{"notes":[', couch = '{"docs":[' }
local types = { batch = "application/msgpack", single = "application/msgpack",
	json = "application/json", couch = "application/json" }

-- split(t): the template as literal pieces and placeholders, in order:
-- { lit1, "id"|"cr", lit2, ... }.
local function split(t)
	local out, pos = {}, 1
	while true do
		local a, b = t:find(ID_PH, pos, true)
		local c, d = t:find(CR_PH, pos, true)
		if not a and not c then break end
		if a and (not c or a < c) then
			out[#out + 1], out[#out + 2], pos = t:sub(pos, a - 1), "id", b + 1
		else
			out[#out + 1], out[#out + 2], pos = t:sub(pos, c - 1), "cr", d + 1
		end
	end
	out[#out + 1] = t:sub(pos)
	return out
end

function init(args)
	mode, tag = args[1], args[3]
	assert(types[mode], "MODE must be batch, json, single or couch")
	local f = assert(io.open(args[2], "rb"))
	tmpl = split(f:read("*a"))
	f:close()
	local ids, crs = 0, 0
	for i = 2, #tmpl, 2 do
		if tmpl[i] == "id" then ids = ids + 1 else crs = crs + 1 end
	end
	assert(ids >= 1 and crs >= 1, "template placeholders not found")
	assert(#tag == 8, "TAG must be 8 bytes")
	n, good, bad, stored = 0, 0, 0, 0
	sample, first_id, last_id = "", "", ""
	wrk.method = "POST"
	wrk.headers["Content-Type"] = types[mode]
	wrk.headers["Accept"] = "application/json"
end

local piece = {}

local function note()
	n = n + 1
	local id = string.format("%s%02d%012d", tag, tid, n)
	for i = 1, #tmpl do
		local p = tmpl[i]
		if i % 2 == 1 then
			piece[i] = p
		elseif p == "id" then
			piece[i] = id
		else
			piece[i] = "C-" .. id
		end
	end
	return table.concat(piece, "", 1, #tmpl)
end

local parts = {}

function request()
	local body
	if mode == "single" then
		body = note()
	elseif mode == "batch" then
		parts[1] = MP_HEAD
		for i = 1, 100 do
			parts[i + 1] = note()
		end
		body = table.concat(parts, "", 1, 101)
	else
		for i = 1, 100 do
			parts[i] = note()
		end
		body = heads[mode] .. table.concat(parts, ",", 1, 100) .. "]}"
	end
	return wrk.format(nil, nil, nil, body)
end

-- good_reply(status, body): whether the reply acknowledges every note
-- sent; the number of notes it acknowledges.
local function good_reply(status, body)
	local _, k, e
	if mode == "single" then
		k = status == 201 and 1 or 0
		return k == 1, k
	elseif mode == "couch" then
		_, e = body:gsub('"error"', "")
		_, k = body:gsub('"ok":true', "")
		return status == 201 and k == 100 and e == 0, k
	end
	_, k = body:gsub('"result":"stored"', "")
	return status == 200 and k == 100, k
end

function response(status, headers, body)
	local ok, k = good_reply(status, body)
	stored = stored + k
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
