// A name registry: maps names to ids (any string: a participant id, a contract address, a URL).
// The first to register a name owns it; only its owner can change where it points, hand it to
// another owner, or release it.
//
// State keys: 'name:<name>' -> { owner, target }.

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/

function checkName(name) {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    revert(`names are 1 to 63 of a-z, 0-9 and '-', not starting with '-'; got ${JSON.stringify(name)}`)
  }
  return name
}

function checkId(value, what) {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) revert(`${what} must be a non-empty string of at most 200 characters`)
  return value
}

function owned(name) {
  const record = state.get(`name:${checkName(name)}`)
  if (record === undefined) revert(`${name} is not registered`)
  if (record.owner !== msg.sender) revert(`${name} belongs to ${record.owner}, not ${msg.sender}`)
  return record
}

export function register(name, target) {
  checkName(name)
  checkId(target, 'target')
  if (state.has(`name:${name}`)) revert(`${name} is already registered`)
  state.set(`name:${name}`, { owner: msg.sender, target })
  emit('Registered', { name, owner: msg.sender, target })
  return true
}

export function lookup(name) {
  return state.get(`name:${checkName(name)}`)?.target ?? null
}

export function ownerOf(name) {
  return state.get(`name:${checkName(name)}`)?.owner ?? null
}

export function update(name, target) {
  const record = owned(name)
  state.set(`name:${name}`, { ...record, target: checkId(target, 'target') })
  emit('Updated', { name, target })
  return true
}

export function transfer(name, newOwner) {
  const record = owned(name)
  state.set(`name:${name}`, { ...record, owner: checkId(newOwner, 'new owner') })
  emit('Transferred', { name, from: msg.sender, to: newOwner })
  return true
}

export function release(name) {
  owned(name)
  state.delete(`name:${name}`)
  emit('Released', { name })
  return true
}
