/**
 * The store script's part for files (messages.ts interpolates it where the new message's `id` is
 * known): KEYS[6..] are the hashes `{room:ID}:attachment:AID` of the files the message carries
 * (the room's slot: one round trip, on Redis Cluster too). Each must exist, be the sender's
 * (ARGV[1]) and not be sent yet, else nothing is stored and the answer is 'noattachment'. Then
 * each is claimed (`message` = id), the text (ARGV[2]) gets one line per file for seed clients,
 * and the records join our extra fields (ARGV[9]) as `attachments`. With search on (ARGV[12], the
 * message's terms, never empty then: it has ~has:file), each file's `terms` (its name's words,
 * written at upload) join them: a file is found by its name.
 */
export const CLAIM_ATTACHMENTS_LUA = `
if #KEYS > 5 then
  local records, lines = {}, {}
  for i = 6, #KEYS do
    local a = redis.call('HMGET', KEYS[i], 'owner', 'message', 'record', 'fallback', 'terms')
    if a[1] ~= ARGV[1] or a[2] or not a[3] then return {'noattachment', ''} end
    records[#records + 1] = a[3]
    lines[#lines + 1] = a[4]
    if ARGV[12] ~= '' and a[5] and a[5] ~= '' then ARGV[12] = ARGV[12] .. '\\n' .. a[5] end
  end
  for i = 6, #KEYS do redis.call('HSET', KEYS[i], 'message', id) end
  local fallback = table.concat(lines, '\\n')
  if ARGV[2] == '' then ARGV[2] = fallback else ARGV[2] = ARGV[2] .. '\\n' .. fallback end
  ARGV[9] = ARGV[9] .. ',"attachments":[' .. table.concat(records, ',') .. ']'
end
`;
