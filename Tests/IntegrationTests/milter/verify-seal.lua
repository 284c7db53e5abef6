-- mxray milter in the verify and seal roles, driven by Debian's miltertest (a libmilter-protocol
-- client from OpenDKIM). MXRAY_MILTER is the socket (inet:PORT@127.0.0.1); the message is signed
-- by the test beforehand and given as MXRAY_MESSAGE_* variables: its header fields arrive as
-- name/value pairs separated by newlines in MXRAY_HEADERS, its body in MXRAY_BODY_FILE.
local function check(value, what)
    if value ~= nil then error(what .. " failed") end
end
local function expect_continue(conn, what)
    local reply = mt.getreply(conn)
    if reply ~= SMFIR_CONTINUE then error(what .. ": reply " .. tostring(reply)) end
end

local conn = mt.connect(os.getenv("MXRAY_MILTER"), 20, 0.25)
if conn == nil then error("cannot connect to " .. os.getenv("MXRAY_MILTER")) end

mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.net")
check(mt.conninfo(conn, "mail.mxray.test", "192.0.2.25"), "conninfo")
expect_continue(conn, "connect")
check(mt.helo(conn, "mail.mxray.test"), "helo")
expect_continue(conn, "helo")
mt.macro(conn, SMFIC_MAIL, "i", "MTQUEUE1")
check(mt.mailfrom(conn, "<alice@mxray.test>"), "mailfrom")
expect_continue(conn, "mail")
check(mt.rcptto(conn, "<bob@example.net>"), "rcptto")
expect_continue(conn, "rcpt")
for line in string.gmatch(os.getenv("MXRAY_HEADERS"), "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):(.*)$")
    check(mt.header(conn, name, value), "header " .. name)
    expect_continue(conn, "header " .. name)
end
check(mt.eoh(conn), "eoh")
expect_continue(conn, "eoh")
check(mt.bodyfile(conn, os.getenv("MXRAY_BODY_FILE")), "body")
expect_continue(conn, "body")
check(mt.eom(conn), "eom")
local reply = mt.getreply(conn)
if reply ~= SMFIR_CONTINUE and reply ~= SMFIR_ACCEPT then error("eom: reply " .. tostring(reply)) end

for _, name in ipairs({"Authentication-Results", "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"}) do
    if not mt.eom_check(conn, MT_HDRINSERT, name) then error(name .. " was not inserted") end
end
local ar = mt.getheader(conn, "Authentication-Results", 0)
if ar == nil or not string.find(ar, "dkim=pass", 1, true) or not string.find(ar, "dmarc=pass", 1, true) then
    error("Authentication-Results: " .. tostring(ar))
end
print("Authentication-Results:" .. ar)
mt.disconnect(conn)
