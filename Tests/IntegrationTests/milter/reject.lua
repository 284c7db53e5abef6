-- mxray milter with enforcement: a spoof of a p=reject domain gets 550 5.7.1 at end of message.
local conn = mt.connect(os.getenv("MXRAY_MILTER"), 20, 0.25)
if conn == nil then error("cannot connect") end
if mt.conninfo(conn, "attacker.example", "203.0.113.66") ~= nil then error("conninfo") end
mt.getreply(conn)
if mt.mailfrom(conn, "<ceo@mxray.test>") ~= nil then error("mailfrom") end
mt.getreply(conn)
if mt.rcptto(conn, "<bob@example.net>") ~= nil then error("rcptto") end
mt.getreply(conn)
if mt.header(conn, "From", " ceo@mxray.test") ~= nil then error("header") end
mt.getreply(conn)
if mt.header(conn, "Subject", " wire the money") ~= nil then error("header") end
mt.getreply(conn)
if mt.eoh(conn) ~= nil then error("eoh") end
mt.getreply(conn)
if mt.bodystring(conn, "pay now\r\n") ~= nil then error("body") end
mt.getreply(conn)
if mt.eom(conn) ~= nil then error("eom") end
local reply = mt.getreply(conn)
if reply ~= SMFIR_REPLYCODE then error("expected a reply code, got " .. tostring(reply)) end
print("rejected")
mt.disconnect(conn)
