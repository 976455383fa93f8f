-- A guarded fill: release the caller's load lock if it holds it (ARGV[5], '' for none), then
-- add the entry only if the tenant's token and the namespace's epoch are still the ones the
-- caller read before the database. 1 when they were (the entry is then ours or an equal one).
-- KEYS: token, epoch, entry, lock. ARGV: token, epoch, value, ttl ms, owner.
if ARGV[5] ~= '' and redis.call('GET', KEYS[4]) == ARGV[5] then redis.call('DEL', KEYS[4]) end
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4], 'NX')
return 1
