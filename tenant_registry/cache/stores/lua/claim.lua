-- A miss's one round trip: the guard, and the entry if another reader filled it meanwhile;
-- else the tenant's load lock for ARGV[1] if nobody holds it (1 when taken).
-- KEYS: token, epoch, lock, entry. ARGV: owner, ttl ms.
local token = redis.call('GET', KEYS[1]) or ''
local epoch = redis.call('GET', KEYS[2]) or ''
local found = redis.call('GET', KEYS[4])
if found then return {token, epoch, 0, found} end
local locked = redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0
return {token, epoch, locked, ''}
